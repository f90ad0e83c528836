package charging

import (
	"context"
	"strings"
	"testing"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/charge"
	"communs/ent/chargerun"
	"communs/ent/costentry"
	"communs/ent/member"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/subscription"
	"communs/ent/usagedeclaration"
	"communs/internal/seed"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

var allSteps = []Step{StepQ1, StepQ2, StepQ3, StepYearEnd}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// smallYear builds 3 members, an EQUAL, a PRO_RATA, a DIRECT resource and
// an EQUAL resource nobody subscribes to, for 2026.
type smallYear struct {
	a, b, c                pulid.ID // c joins on 1 July
	equal, proRata, direct pulid.ID
	orphan                 pulid.ID
	declA, declB           pulid.ID
	actual                 map[pulid.ID]int64
	client                 *ent.Client
	ctx                    context.Context
}

func newSmallYear(t *testing.T) *smallYear {
	t.Helper()
	client := storetest.Open(t).Client
	ctx := viewer.SystemContext(context.Background())
	y := &smallYear{client: client, ctx: ctx, actual: map[pulid.ID]int64{}}
	newMember := func(name string, joined time.Time) pulid.ID {
		return client.Member.Create().SetName(name).SetCategory(member.CategoryACTIVE).
			SetJoinedOn(joined).SaveX(ctx).ID
	}
	y.a = newMember("Association A", date(2020, 1, 1))
	y.b = newMember("Association B", date(2021, 3, 1))
	y.c = newMember("Association C", date(2026, 7, 1))
	newResource := func(code string, key resource.AllocationKey) pulid.ID {
		return client.Resource.Create().SetCode(code).SetName("Ressource " + code).
			SetKind(resource.KindSOFTWARE).SetUsageUnit(resource.UsageUnitPLACES).
			SetAllocationKey(key).SaveX(ctx).ID
	}
	y.equal = newResource("EQ", resource.AllocationKeyEQUAL)
	y.proRata = newResource("PR", resource.AllocationKeyPRO_RATA)
	y.direct = newResource("DI", resource.AllocationKeyDIRECT)
	y.orphan = newResource("OR", resource.AllocationKeyEQUAL)
	subscribe := func(m, r pulid.ID, from time.Time) {
		client.Subscription.Create().SetMemberID(m).SetResourceID(r).
			SetStatus(subscription.StatusACTIVE).SetRequestedOn(from.AddDate(0, -1, 0)).
			SetStartsOn(from).ExecX(ctx)
	}
	for _, r := range []pulid.ID{y.equal, y.proRata, y.direct} {
		subscribe(y.a, r, date(2024, 1, 1))
		subscribe(y.b, r, date(2025, 6, 1))
	}
	subscribe(y.c, y.equal, date(2026, 7, 1))
	subscribe(y.c, y.proRata, date(2026, 7, 1))
	declare := func(m pulid.ID, q int64) pulid.ID {
		d := client.UsageDeclaration.Create().SetMemberID(m).SetYear(2026).
			SetStatus(usagedeclaration.StatusVALIDATED).SetValidatedAt(time.Now()).SaveX(ctx)
		client.UsageDeclarationLine.Create().SetDeclarationID(d.ID).SetResourceID(y.proRata).
			SetQuantity(q).ExecX(ctx)
		return d.ID
	}
	y.declA = declare(y.a, 10)
	y.declB = declare(y.b, 3)
	// c has no declaration: weighs 0 on PR and is reported.
	cost := func(r pulid.ID, basis costentry.Basis, amount int64, m *pulid.ID) {
		client.CostEntry.Create().SetResourceID(r).SetFiscalYear(2026).
			SetCostType(costentry.CostTypeMAINTENANCE).SetBasis(basis).SetAmount(amount).
			SetLabel("coût").SetNillableMemberID(m).ExecX(ctx)
		if basis == costentry.BasisACTUAL {
			y.actual[r] += amount
		}
	}
	cost(y.equal, costentry.BasisBUDGETED, 100001, nil)
	cost(y.equal, costentry.BasisBUDGETED, 33333, nil)
	cost(y.equal, costentry.BasisACTUAL, 120007, nil)
	cost(y.proRata, costentry.BasisBUDGETED, 50000, nil)
	cost(y.proRata, costentry.BasisACTUAL, 49999, nil)
	cost(y.proRata, costentry.BasisACTUAL, 1, nil)
	cost(y.direct, costentry.BasisBUDGETED, 10001, &y.a)
	cost(y.direct, costentry.BasisBUDGETED, 2003, &y.b)
	cost(y.direct, costentry.BasisACTUAL, 9999, &y.a)
	cost(y.direct, costentry.BasisACTUAL, 2501, &y.b)
	cost(y.orphan, costentry.BasisBUDGETED, 777, nil)
	cost(y.orphan, costentry.BasisACTUAL, 555, nil)
	// another year is left alone
	client.CostEntry.Create().SetResourceID(y.equal).SetFiscalYear(2025).
		SetCostType(costentry.CostTypeUSAGE).SetBasis(costentry.BasisACTUAL).SetAmount(99).
		SetLabel("autre année").ExecX(ctx)
	return y
}

func chargedBy(t *testing.T, ctx context.Context, client *ent.Client, year int) map[pulid.ID]int64 {
	t.Helper()
	out := map[pulid.ID]int64{}
	for _, c := range client.Charge.Query().Where(charge.FiscalYear(year)).AllX(ctx) {
		out[*c.ResourceID] += c.Amount
	}
	return out
}

func TestRunStepSmallYear(t *testing.T) {
	t.Parallel()
	y := newSmallYear(t)
	ctx, client := y.ctx, y.client
	for _, step := range allSteps {
		var calls int
		res, err := RunStep(ctx, client, Request{Year: 2026, Step: step, StartedBy: "test", Today: afterYear(2026), Progress: func(done, total int) { calls++ }})
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if res.Run.Status != chargerun.StatusCOMPLETED || res.Run.ChargeCount != res.Created ||
			res.Run.Total != res.Total || res.Run.FinishedAt == nil || res.Created == 0 {
			t.Errorf("%s: run %+v, result %+v", step, res.Run, res)
		}
		if calls != 4 {
			t.Errorf("%s: progress called %d times", step, calls)
		}
		var orphan bool
		for _, u := range res.Unallocated {
			if u.ResourceID == y.orphan {
				orphan = true
				want := int64(777)
				if step == StepYearEnd {
					want = 555
				}
				if u.Amount != want {
					t.Errorf("%s: unallocated %d, want %d", step, u.Amount, want)
				}
			} else {
				t.Errorf("%s: unexpected unallocated %+v", step, u)
			}
		}
		if !orphan {
			t.Errorf("%s: the resource without subscriber is not reported", step)
		}
		if len(res.MissingDeclarations) != 1 || res.MissingDeclarations[0].MemberID != y.c ||
			res.MissingDeclarations[0].ResourceID != y.proRata || res.MissingDeclarations[0].MemberName != "Association C" ||
			res.MissingDeclarations[0].DefaultQuantity != 7 || res.MissingDeclarations[0].DefaultRule != DefaultAverage {
			t.Errorf("%s: missing declarations %+v", step, res.MissingDeclarations)
		}
		// Running the step again adds nothing.
		before := client.Charge.Query().CountX(ctx)
		again, err := RunStep(ctx, client, Request{Year: 2026, Step: step, StartedBy: "test", Today: afterYear(2026)})
		if err != nil {
			t.Fatalf("%s again: %v", step, err)
		}
		if again.Created != 0 || again.AlreadyThere != res.Created || again.Total != 0 {
			t.Errorf("%s again: created %d, already there %d (first %d)", step, again.Created, again.AlreadyThere, res.Created)
		}
		if after := client.Charge.Query().CountX(ctx); after != before {
			t.Errorf("%s again: %d charges, was %d", step, after, before)
		}
		if step == StepQ1 {
			// DIRECT: a's own budget 10001 → Q1 provision 2500.
			got := client.Charge.Query().Where(charge.MemberID(y.a), charge.ResourceID(y.direct),
				charge.PeriodEQ(charge.PeriodQ1)).OnlyX(ctx)
			if got.Amount != Provision(10001, 1) || got.Kind != charge.KindPROVISION ||
				got.Basis.BaseAmount != 10001 || len(got.Basis.CostEntryIDs) != 1 || got.Label == "" {
				t.Errorf("direct Q1 charge %+v", got)
			}
			// PRO_RATA: basis names a's declaration and weights.
			pr := client.Charge.Query().Where(charge.MemberID(y.a), charge.ResourceID(y.proRata),
				charge.PeriodEQ(charge.PeriodQ1)).OnlyX(ctx)
			// c declared nothing: it weighs the average of a's 10 and b's
			// 3, rounded half up, over its 184 days.
			const total = 10*365 + 3*365 + 7*184
			if pr.Basis.DeclarationID != y.declA || pr.Basis.DeclarationRevision != 1 ||
				pr.Basis.MemberWeight != 10*365 || pr.Basis.TotalWeight != total {
				t.Errorf("pro rata Q1 basis %+v", pr.Basis)
			}
			cpr := client.Charge.Query().Where(charge.MemberID(y.c), charge.ResourceID(y.proRata)).OnlyX(ctx)
			if cpr.Basis.MemberWeight != 7*184 || cpr.Basis.DefaultQuantity != 7 || cpr.Basis.DefaultRule != string(DefaultAverage) ||
				!strings.Contains(cpr.Explanation, "quantité par défaut 7, la moyenne des abonnés") {
				t.Errorf("c's PR charge without declaration: %+v, %q", cpr.Basis, cpr.Explanation)
			}
		}
		if step != StepYearEnd {
			for _, id := range []pulid.ID{y.declA, y.declB} {
				if d := client.UsageDeclaration.GetX(ctx, id); d.Status != usagedeclaration.StatusVALIDATED {
					t.Errorf("%s: declaration %s", step, d.Status)
				}
			}
		}
	}
	charged := chargedBy(t, ctx, client, 2026)
	for _, r := range []pulid.ID{y.equal, y.proRata, y.direct} {
		if charged[r] != y.actual[r] {
			t.Errorf("resource %s: Σ charges %d ≠ Σ actual %d", r, charged[r], y.actual[r])
		}
	}
	if charged[y.orphan] != 0 {
		t.Errorf("orphan resource charged %d", charged[y.orphan])
	}
	// c joined on 1 July: its EQUAL share of the actual cost is by days.
	var cEqual int64
	for _, c := range client.Charge.Query().Where(charge.MemberID(y.c), charge.ResourceID(y.equal)).AllX(ctx) {
		cEqual += c.Amount
	}
	shares, _ := Split(120007, []Participant{{string(y.a), 365}, {string(y.b), 365}, {string(y.c), 184}})
	if cEqual != shares[2].Amount {
		t.Errorf("c's EQUAL charges %d, want %d", cEqual, shares[2].Amount)
	}
	for _, id := range []pulid.ID{y.declA, y.declB} {
		d := client.UsageDeclaration.GetX(ctx, id)
		if d.Status != usagedeclaration.StatusLOCKED || d.LockedAt == nil || d.Revision != 2 {
			t.Errorf("declaration after year end: %s, locked %v, revision %d", d.Status, d.LockedAt, d.Revision)
		}
	}
	if n := client.ChargeRun.Query().Where(chargerun.StatusEQ(chargerun.StatusCOMPLETED)).CountX(ctx); n != 8 {
		t.Errorf("%d completed runs, want 8", n)
	}
}

func TestRunStepRejects(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	ctx := viewer.SystemContext(context.Background())
	if _, err := RunStep(ctx, client, Request{Year: 2026, Step: "BOGUS", StartedBy: "test", Today: afterYear(2026)}); communs.ErrorCode(err) != communs.EINVALID {
		t.Errorf("BOGUS step: %v", err)
	}
	if _, err := RunStep(ctx, client, Request{Year: 2026, Step: StepFees, StartedBy: "test", Today: afterYear(2026)}); communs.ErrorCode(err) != communs.EINVALID {
		t.Errorf("FEES without a fee: %v", err)
	}
	if _, err := RunStep(ctx, client, Request{Year: 1999, Step: StepQ1, StartedBy: "test", Today: afterYear(1999)}); err == nil {
		t.Error("year 1999 accepted")
	}
}

func TestRunStepDemo(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	ctx := viewer.SystemContext(context.Background())
	if _, err := seed.Demo(ctx, client, nil); err != nil {
		t.Fatal(err)
	}
	const year = 2026
	var last *RunResult
	for _, step := range allSteps {
		res, err := RunStep(ctx, client, Request{Year: year, Step: step, StartedBy: "test", Today: afterYear(year)})
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		again, err := RunStep(ctx, client, Request{Year: year, Step: step, StartedBy: "test", Today: afterYear(year)})
		if err != nil || again.Created != 0 {
			t.Fatalf("%s again: %v, created %d", step, err, again.Created)
		}
		last = res
	}
	skip := map[pulid.ID]bool{}
	for _, u := range last.Unallocated {
		skip[u.ResourceID] = true
	}
	actual := map[pulid.ID]int64{}
	for _, c := range client.CostEntry.Query().
		Where(costentry.FiscalYear(year), costentry.BasisEQ(costentry.BasisACTUAL)).AllX(ctx) {
		actual[c.ResourceID] += c.Amount
	}
	charged := chargedBy(t, ctx, client, year)
	checked := 0
	for _, r := range client.Resource.Query().AllX(ctx) {
		if skip[r.ID] {
			continue
		}
		checked++
		if charged[r.ID] != actual[r.ID] {
			t.Errorf("%s: Σ charges %d ≠ Σ actual %d", r.Code, charged[r.ID], actual[r.ID])
		}
	}
	if checked == 0 || len(charged) == 0 {
		t.Fatalf("nothing checked (%d resources, %d charged)", checked, len(charged))
	}
	t.Logf("demo: %d resources balanced, %d unallocated, %d missing declarations",
		checked, len(last.Unallocated), len(last.MissingDeclarations))
}
