package dashboard_test

import (
	"fmt"
	"testing"
	"time"

	"communs/ent/charge"
	"communs/ent/member"
	"communs/ent/membercategorychange"
	"communs/ent/schema/schematype"
	"communs/internal/aggregate"
	"communs/internal/dashboard"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// A member that joined as USER in 2020 and became ACTIVE on 1 July 2026:
// it counts as a user, then as active, in the membership and in the
// charges per quarter; a member that left in 2025 counts until then.
func TestCategoryHistoryDecides(t *testing.T) {
	db := storetest.Open(t).Client
	ctx := viewer.SystemContext(t.Context())
	changing := db.Member.Create().SetName("Les Mouettes").SetCategory(member.CategoryACTIVE).
		SetJoinedOn(day(2020, 3, 1)).SaveX(ctx)
	db.MemberCategoryChange.Create().SetMemberID(changing.ID).SetToCategory(membercategorychange.ToCategoryUSER).
		SetEffectiveOn(day(2020, 3, 1)).ExecX(ctx)
	db.MemberCategoryChange.Create().SetMemberID(changing.ID).SetFromCategory(membercategorychange.FromCategoryUSER).
		SetToCategory(membercategorychange.ToCategoryACTIVE).SetEffectiveOn(day(2026, 7, 1)).ExecX(ctx)
	left := db.Member.Create().SetName("Les Goélands").SetCategory(member.CategoryFOUNDER).
		SetJoinedOn(day(2018, 1, 1)).SetLeftOn(day(2025, 6, 30)).SetStatus(member.StatusLEFT).SaveX(ctx)

	points, err := dashboard.MembershipByCategory(ctx, db, day(2019, 1, 1), day(2026, 7, 1), aggregate.Year)
	if err != nil {
		t.Fatal(err)
	}
	want := "2019:F1A0U0 2020:F1A0U0 2021:F1A0U1 2022:F1A0U1 2023:F1A0U1 2024:F1A0U1 2025:F1A0U1 2026:F0A0U1"
	if got := series(points); got != want {
		t.Errorf("yearly membership: %s, want %s", got, want)
	}
	if points, _ := dashboard.MembershipByCategory(ctx, db, day(2026, 7, 1), day(2026, 7, 1), aggregate.Day); series(points) != "2026:F0A1U0" {
		t.Errorf("on 1 July 2026: %s, want the new category", series(points))
	}
	if _, err := dashboard.MembershipByCategory(ctx, db, day(2000, 1, 1), day(2026, 1, 1), aggregate.Month); err == nil {
		t.Error("26 years of months: no error, want at most 120 dates")
	}

	for i, period := range []charge.Period{charge.PeriodQ1, charge.PeriodQ3} {
		db.Charge.Create().SetMemberID(changing.ID).SetKind(charge.KindPROVISION).SetFiscalYear(2026).
			SetPeriod(period).SetAmount(int64(100 * (i + 1))).SetLabel("provision").
			SetBasis(schematype.ChargeBasis{}).SetIdempotencyKey(fmt.Sprint("k", i)).ExecX(ctx)
	}
	db.Charge.Create().SetMemberID(left.ID).SetKind(charge.KindMEMBERSHIP_FEE).SetFiscalYear(2026).
		SetPeriod(charge.PeriodFEES).SetAmount(-5).SetLabel("fee").SetBasis(schematype.ChargeBasis{}).
		SetIdempotencyKey("fee").SetCreatedAt(time.Date(2026, 6, 30, 22, 30, 0, 0, time.UTC)).ExecX(ctx) // 1 July in Paris
	rows, err := dashboard.ChargesByCategory(ctx, db, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(rows); got != "[{1 USER 100 1} {3 ACTIVE 200 1} {3 FOUNDER -5 1}]" {
		t.Errorf("charges per quarter and category: %s", got)
	}
}

func series(points []dashboard.MembershipPoint) string {
	s := ""
	for i, p := range points {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%d:F%dA%dU%d", p.Date.Year(), p.Founder, p.Active, p.User)
	}
	return s
}

// The cost per unit rounds half away from zero to the cent.
func TestCostPerUnit(t *testing.T) {
	cases := []struct {
		actual, declared int64
		want             string
	}{{1000, 3, "333"}, {1001, 2, "501"}, {1000, 0, "<nil>"}, {-1001, 2, "-501"}, {0, 5, "0"}}
	for _, c := range cases {
		r := dashboard.ResourceYear{Actual: c.actual, DeclaredQuantity: c.declared}
		got := "<nil>"
		if p := r.CostPerUnit(); p != nil {
			got = fmt.Sprint(*p)
		}
		if got != c.want {
			t.Errorf("%d cents over %d units: %s, want %s", c.actual, c.declared, got, c.want)
		}
	}
}
