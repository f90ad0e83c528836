package charging

import (
	"context"
	"testing"

	"communs"
	"communs/ent"
	"communs/ent/charge"
	"communs/ent/costentry"
	"communs/ent/member"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/internal/seed"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

func TestBalance(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	sys := viewer.SystemContext(context.Background())
	if _, err := seed.Demo(sys, client, nil); err != nil {
		t.Fatal(err)
	}
	const year = 2026
	staff := viewer.NewContext(context.Background(), &viewer.Viewer{AccountID: "ACC1",
		Roles: []viewer.Role{{Name: "gsm_staff"}}})

	// Expected costs per resource, counted row by row.
	budgeted, actual := map[pulid.ID]int64{}, map[pulid.ID]int64{}
	for _, c := range client.CostEntry.Query().Where(costentry.FiscalYear(year)).AllX(sys) {
		if c.Basis == costentry.BasisBUDGETED {
			budgeted[c.ResourceID] += c.Amount
		} else {
			actual[c.ResourceID] += c.Amount
		}
	}
	if len(budgeted) == 0 {
		t.Fatal("the demo has no costs in 2026")
	}

	balance := func(ctx context.Context) map[pulid.ID]ResourceBalance {
		t.Helper()
		rows, err := Balance(ctx, client, year)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[pulid.ID]ResourceBalance{}
		for i, r := range rows {
			if i > 0 && rows[i-1].ResourceName > r.ResourceName {
				t.Errorf("rows not ordered by name: %q before %q", rows[i-1].ResourceName, r.ResourceName)
			}
			if r.ResourceName == "" {
				t.Errorf("resource %s has no name", r.ResourceID)
			}
			if r.Charged != r.Provisioned+r.Regularized || r.Difference != r.Charged-r.Actual ||
				r.Balanced != (r.Regularised && r.Difference == 0) {
				t.Errorf("inconsistent row %+v", r)
			}
			if r.Budgeted != budgeted[r.ResourceID] || r.Actual != actual[r.ResourceID] {
				t.Errorf("%s: costs %d/%d, want %d/%d", r.ResourceName, r.Budgeted, r.Actual,
					budgeted[r.ResourceID], actual[r.ResourceID])
			}
			byID[r.ResourceID] = r
		}
		return byID
	}

	// Before any run.
	before := balance(staff)
	for id := range budgeted {
		if _, ok := before[id]; !ok {
			t.Errorf("resource %s with costs is missing", id)
		}
	}
	for _, r := range before {
		if r.Charged != 0 || r.Balanced || r.Regularised {
			t.Errorf("before any run: %+v", r)
		}
	}

	// After the three provisions.
	for _, step := range []Step{StepQ1, StepQ2, StepQ3} {
		if _, err := RunStep(sys, client, Request{Year: year, Step: step, StartedBy: "test", Today: afterYear(year)}); err != nil {
			t.Fatal(err)
		}
	}
	provisioned := false
	for _, r := range balance(staff) {
		if r.Regularised || r.Balanced || r.Regularized != 0 {
			t.Errorf("after Q3: %+v", r)
		}
		if r.Provisioned < 0 {
			t.Errorf("after Q3, negative provisions: %+v", r)
		}
		provisioned = provisioned || r.Provisioned > 0
	}
	if !provisioned {
		t.Error("after Q3 nothing is provisioned")
	}

	// After the year end: balanced but for what nobody could bear, such as
	// the actual cost of a resource nobody subscribes to.
	orphan := client.Resource.Create().SetCode("ORPHAN").SetName("Ressource sans abonné").
		SetKind(resource.KindSOFTWARE).SetUsageUnit(resource.UsageUnitPLACES).
		SetAllocationKey(resource.AllocationKeyEQUAL).SaveX(sys).ID
	client.CostEntry.Create().SetResourceID(orphan).SetFiscalYear(year).
		SetCostType(costentry.CostTypeMAINTENANCE).SetBasis(costentry.BasisACTUAL).
		SetAmount(123_45).SetLabel("Hébergement").ExecX(sys)
	actual[orphan] += 123_45
	res, err := RunStep(sys, client, Request{Year: year, Step: StepYearEnd, StartedBy: "test", Today: afterYear(year)})
	if err != nil {
		t.Fatal(err)
	}
	unallocated := map[pulid.ID]int64{}
	for _, u := range res.Unallocated {
		unallocated[u.ResourceID] += u.Amount
	}
	after := balance(staff)
	balanced := 0
	for id, r := range after {
		if !r.Regularised {
			t.Errorf("after YEAR_END, not regularised: %+v", r)
		}
		if want := -unallocated[id]; r.Difference != want {
			t.Errorf("after YEAR_END %s: difference %d, want %d (unallocated)", r.ResourceName, r.Difference, want)
		}
		if unallocated[id] == 0 && !r.Balanced {
			t.Errorf("after YEAR_END, a resource with participants is not balanced: %+v", r)
		}
		if r.Balanced {
			balanced++
		}
	}
	if r := after[orphan]; r.Difference != -123_45 || r.Balanced || !r.Regularised {
		t.Errorf("after YEAR_END, the resource nobody subscribes to: %+v", r)
	}
	if balanced == 0 {
		t.Error("no resource balanced after YEAR_END")
	}
	t.Logf("%d resources, %d balanced, %d with unallocated amounts", len(after), balanced, len(unallocated))

	// A member sees its own charges only; costs stay the common ones plus
	// its own direct costs. ChargeRun rows are the groupement's: a member
	// never sees the year as regularised.
	m := client.Charge.Query().Where(charge.FiscalYear(year)).FirstX(sys).MemberID
	own := viewer.NewContext(context.Background(), &viewer.Viewer{AccountID: "ACC2",
		Roles: []viewer.Role{{Name: "member_admin", MemberID: m, MemberCategory: "ACTIVE"}}})
	rows, err := Balance(own, client, year)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		want := sumCharges(sys, client, m, r.ResourceID)
		if r.Charged != want {
			t.Errorf("member view of %s: charged %d, want its own %d", r.ResourceName, r.Charged, want)
		}
		if r.Regularised {
			t.Errorf("member view: %+v regularised", r)
		}
	}

	if _, err := Balance(staff, client, 1999); communs.ErrorCode(err) != communs.EINVALID {
		t.Errorf("year 1999: %v, want INVALID_INPUT", err)
	}
	if rows, err := Balance(staff, client, 2031); err != nil || len(rows) != 0 {
		t.Errorf("a year without costs: %v, %v", rows, err)
	}
}

// sumCharges adds up, row by row, a member's provisions and
// regularizations of a resource in 2026.
func sumCharges(ctx context.Context, client *ent.Client, memberID, resourceID pulid.ID) int64 {
	var total int64
	for _, c := range client.Charge.Query().Where(charge.MemberID(memberID), charge.ResourceID(resourceID),
		charge.FiscalYear(2026), charge.KindIn(charge.KindPROVISION, charge.KindREGULARIZATION)).AllX(ctx) {
		total += c.Amount
	}
	return total
}

func TestStatement(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	sys := viewer.SystemContext(context.Background())
	if _, err := seed.Demo(sys, client, nil); err != nil {
		t.Fatal(err)
	}
	const year = 2026
	for _, step := range allSteps {
		if _, err := RunStep(sys, client, Request{Year: year, Step: step, StartedBy: "test", Today: afterYear(year)}); err != nil {
			t.Fatal(err)
		}
	}
	m := client.Charge.Query().Where(charge.FiscalYear(year), charge.KindEQ(charge.KindREGULARIZATION)).
		FirstX(sys).MemberID
	other := client.Member.Query().Where(member.IDNEQ(m)).FirstIDX(sys)
	own := viewer.NewContext(context.Background(), &viewer.Viewer{AccountID: "ACC2",
		Roles: []viewer.Role{{Name: "member_admin", MemberID: m, MemberCategory: "ACTIVE"}}})

	st, err := Statement(own, client, m, year)
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	lines := map[[3]string]int64{}
	for _, c := range client.Charge.Query().Where(charge.MemberID(m), charge.FiscalYear(year)).AllX(sys) {
		want += c.Amount
		var r string
		if c.ResourceID != nil {
			r = string(*c.ResourceID)
		}
		lines[[3]string{r, string(c.Kind), string(c.Period)}] += c.Amount
	}
	if st.MemberID != m || st.Year != year || st.Total != want || want == 0 {
		t.Errorf("statement %s/%d total %d, want %s/%d total %d", st.MemberID, st.Year, st.Total, m, year, want)
	}
	if len(st.Lines) != len(lines) {
		t.Errorf("%d lines, want %d", len(st.Lines), len(lines))
	}
	for i, l := range st.Lines {
		var r string
		if l.ResourceID != nil {
			r = string(*l.ResourceID)
			if l.ResourceName == "" {
				t.Errorf("line %+v has no resource name", l)
			}
		}
		if got := lines[[3]string{r, string(l.Kind), string(l.Period)}]; got != l.Amount {
			t.Errorf("line %+v, want amount %d", l, got)
		}
		if i > 0 && st.Lines[i-1].ResourceID != nil && l.ResourceID != nil &&
			st.Lines[i-1].ResourceName > l.ResourceName {
			t.Errorf("lines not ordered by resource name")
		}
	}

	if _, err := Statement(own, client, other, year); communs.ErrorCode(err) != communs.ENOTFOUND {
		t.Errorf("another member's statement: %v, want NOT_FOUND", err)
	}
	if _, err := Statement(own, client, m, 1999); communs.ErrorCode(err) != communs.EINVALID {
		t.Errorf("year 1999: %v, want INVALID_INPUT", err)
	}
	// The groupement's staff see any member's statement.
	staff := viewer.NewContext(context.Background(), &viewer.Viewer{AccountID: "ACC1",
		Roles: []viewer.Role{{Name: "gsm_staff"}}})
	if st, err := Statement(staff, client, other, year); err != nil || st.MemberID != other {
		t.Errorf("staff, another member: %+v, %v", st, err)
	}
}
