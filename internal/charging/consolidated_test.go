package charging

import (
	"context"
	"testing"

	"communs"

	"communs/ent/costentry"
	"communs/internal/seed"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

func TestConsolidate(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	sys := viewer.SystemContext(context.Background())
	if _, err := seed.Demo(sys, client, nil); err != nil {
		t.Fatal(err)
	}
	var budgeted, actual int64
	for _, c := range client.CostEntry.Query().Where(costentry.FiscalYear(2026)).AllX(sys) {
		if c.Basis == costentry.BasisBUDGETED {
			budgeted += c.Amount
		} else {
			actual += c.Amount
		}
	}
	// A founder member's viewer sees only its own rows, yet the totals
	// cover the whole groupement.
	founder := viewer.NewContext(context.Background(), &viewer.Viewer{AccountID: "ACC1",
		Roles: []viewer.Role{{Name: "member_viewer", MemberID: "MBR1", MemberCategory: "FOUNDER"}}})
	got, err := Consolidate(founder, client, 2026)
	if err != nil {
		t.Fatal(err)
	}
	want := Consolidated{Year: 2026, FounderMembers: 3, ActiveMembers: 17, UserMembers: 31,
		BudgetedCosts: budgeted, ActualCosts: actual, Charged: 0, Result: -actual, CostPriceResult: -actual}
	if *got != want || budgeted == 0 {
		t.Errorf("Consolidate = %+v, want %+v", *got, want)
	}
	if _, err := Consolidate(founder, client, 1999); communs.ErrorCode(err) != communs.EINVALID {
		t.Errorf("year 1999: %v, want INVALID_INPUT", err)
	}
	empty, err := Consolidate(founder, client, 2031)
	if err != nil || empty.BudgetedCosts != 0 || empty.Result != 0 {
		t.Errorf("a year without costs: %+v, %v", empty, err)
	}
}
