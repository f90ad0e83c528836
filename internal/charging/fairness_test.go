package charging

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/auditevent"
	"communs/ent/charge"
	"communs/ent/costentry"
	"communs/ent/member"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/subscription"
	"communs/ent/usagedeclaration"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

// proRataYear is a PRO_RATA resource of 2026 with three subscribers: a
// declares 100, b declared 40 in 2025 and nothing in 2026, c never
// declared; and a second PRO_RATA resource nobody declared.
type proRataYear struct {
	client               *ent.Client
	ctx                  context.Context
	a, b, c              pulid.ID
	declared, undeclared pulid.ID
	actual               map[pulid.ID]int64
}

func newProRataYear(t *testing.T) *proRataYear {
	t.Helper()
	y := &proRataYear{client: storetest.Open(t).Client, ctx: viewer.SystemContext(context.Background()),
		actual: map[pulid.ID]int64{}}
	ctx, client := y.ctx, y.client
	newMember := func(name string) pulid.ID {
		return client.Member.Create().SetName(name).SetCategory(member.CategoryUSER).
			SetJoinedOn(date(2020, 1, 1)).SaveX(ctx).ID
	}
	y.a, y.b, y.c = newMember("A"), newMember("B"), newMember("C")
	newResource := func(code string) pulid.ID {
		return client.Resource.Create().SetCode(code).SetName("Ressource " + code).
			SetKind(resource.KindSOFTWARE).SetUsageUnit(resource.UsageUnitPLACES).
			SetAllocationKey(resource.AllocationKeyPRO_RATA).SaveX(ctx).ID
	}
	y.declared, y.undeclared = newResource("PR"), newResource("NONE")
	for _, m := range []pulid.ID{y.a, y.b, y.c} {
		for _, r := range []pulid.ID{y.declared, y.undeclared} {
			client.Subscription.Create().SetMemberID(m).SetResourceID(r).SetStatus(subscription.StatusACTIVE).
				SetRequestedOn(date(2024, 12, 1)).SetStartsOn(date(2025, 1, 1)).ExecX(ctx)
		}
	}
	y.declare(y.a, 2026, 100)
	y.declare(y.b, 2025, 40)
	for _, r := range []pulid.ID{y.declared, y.undeclared} {
		for _, basis := range []costentry.Basis{costentry.BasisBUDGETED, costentry.BasisACTUAL} {
			client.CostEntry.Create().SetResourceID(r).SetFiscalYear(2026).SetCostType(costentry.CostTypeUSAGE).
				SetBasis(basis).SetAmount(100_001).SetLabel("licence").ExecX(ctx)
		}
		y.actual[r] = 100_001
	}
	return y
}

// declare writes a validated declaration of the resource PR.
func (y *proRataYear) declare(memberID pulid.ID, year int, quantity int64) {
	d := y.client.UsageDeclaration.Create().SetMemberID(memberID).SetYear(year).
		SetStatus(usagedeclaration.StatusVALIDATED).SetValidatedAt(time.Now()).SaveX(y.ctx)
	y.client.UsageDeclarationLine.Create().SetDeclarationID(d.ID).SetResourceID(y.declared).
		SetQuantity(quantity).ExecX(y.ctx)
}

func (y *proRataYear) run(t *testing.T, step Step) *RunResult {
	t.Helper()
	res, err := RunStep(y.ctx, y.client, Request{Year: 2026, Step: step, StartedBy: "test", Today: afterYear(2026)})
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return res
}

func (y *proRataYear) checkBalanced(t *testing.T) {
	t.Helper()
	charged := chargedBy(t, y.ctx, y.client, 2026)
	for r, want := range y.actual {
		if charged[r] != want {
			t.Errorf("resource %s: Σ charges %d ≠ Σ actual %d", r, charged[r], want)
		}
	}
}

func TestMissingDeclarationsWeighOnADefault(t *testing.T) {
	t.Parallel()
	y := newProRataYear(t)
	var res *RunResult
	for _, step := range allSteps {
		res = y.run(t, step)
	}
	type want struct {
		quantity int64
		rule     DefaultRule
	}
	wants := map[[2]pulid.ID]want{
		{y.b, y.declared}:   {40, DefaultLastYear}, // its 2025 quantity
		{y.c, y.declared}:   {100, DefaultAverage}, // the average of those who declared: a's 100
		{y.a, y.undeclared}: {1, DefaultDays},      // nobody has a quantity: each weighs its days
		{y.b, y.undeclared}: {1, DefaultDays},
		{y.c, y.undeclared}: {1, DefaultDays},
	}
	if len(res.MissingDeclarations) != len(wants) {
		t.Errorf("missing declarations %+v", res.MissingDeclarations)
	}
	for _, m := range res.MissingDeclarations {
		if w := wants[[2]pulid.ID{m.MemberID, m.ResourceID}]; m.DefaultQuantity != w.quantity || m.DefaultRule != w.rule {
			t.Errorf("%s on %s: default %d %s, want %+v", m.MemberName, m.ResourceName, m.DefaultQuantity, m.DefaultRule, w)
		}
	}
	y.checkBalanced(t)
	// Nobody rides free: b and c pay their share of PR.
	for _, m := range []pulid.ID{y.b, y.c} {
		if n := y.client.Charge.Query().Where(charge.MemberID(m), charge.ResourceID(y.declared)).CountX(y.ctx); n == 0 {
			t.Errorf("member %s charged nothing on PR", m)
		}
	}
	listed, err := MissingDeclarations(y.ctx, y.client, 2026)
	if err != nil || len(listed) != len(wants) || listed[0].MemberName != "A" {
		t.Errorf("MissingDeclarations = %+v, %v", listed, err)
	}

	// b declares at last: the year end run again charges the difference.
	y.declare(y.b, 2026, 40)
	again := y.run(t, StepYearEnd)
	if again.Created == 0 {
		t.Error("the year end after b's declaration changed nothing")
	}
	y.checkBalanced(t)
}

func TestStepsRunFromTheirDate(t *testing.T) {
	t.Parallel()
	y := newProRataYear(t)
	tests := []struct {
		step        Step
		today       time.Time
		mayRun      bool
		description string
	}{
		{StepQ1, date(2025, 12, 31), false, "Q1 before the year"},
		{StepQ1, date(2026, 1, 1), true, "Q1 on its first day"},
		{StepQ2, date(2026, 3, 31), false, "Q2 before April"},
		{StepQ2, date(2026, 4, 1), true, "Q2 from April"},
		{StepQ3, date(2026, 6, 30), false, "Q3 before July"},
		{StepYearEnd, date(2026, 12, 31), false, "the year end on the last day of the year"},
		{StepYearEnd, date(2027, 1, 1), true, "the year end once the year is over"},
	}
	for _, tt := range tests {
		err := checkStepDateOnly(tt.step, tt.today)
		if tt.mayRun != (err == nil) {
			t.Errorf("%s: %v", tt.description, err)
		}
		if err != nil && (communs.ErrorCode(err) != communs.EINVALID || !strings.Contains(err.Error(), "reason")) {
			t.Errorf("%s: %v", tt.description, err)
		}
	}
	if err := checkStepDateOnly(StepServices, date(2026, 1, 1)); err != nil {
		t.Errorf("services have no date: %v", err)
	}

	// Forced with a reason: run, and the reason is kept and audited.
	res, err := RunStep(y.ctx, y.client, Request{Year: 2026, Step: StepYearEnd, StartedBy: "test",
		Today: date(2026, 12, 4), ForcedReason: "  clôture anticipée votée en assemblée  "})
	if err != nil {
		t.Fatal(err)
	}
	if res.Run.ForcedReason == nil || *res.Run.ForcedReason != "clôture anticipée votée en assemblée" {
		t.Errorf("forced reason %v", res.Run.ForcedReason)
	}
	event := y.client.AuditEvent.Query().Where(auditevent.EntityID(string(res.Run.ID))).
		Order(ent.Asc(auditevent.FieldCreatedAt)).FirstX(y.ctx)
	if !strings.Contains(event.Summary, "clôture anticipée") {
		t.Errorf("audit event of the forced run: %q", event.Summary)
	}
}

// checkStepDateOnly runs checkStepDate for 2026 without a reason.
func checkStepDateOnly(step Step, today time.Time) error {
	_, err := checkStepDate(Request{Year: 2026, Step: step, Today: today})
	return err
}

func TestExplanationsInWords(t *testing.T) {
	t.Parallel()
	res := &ent.Resource{AllocationKey: resource.AllocationKeyPRO_RATA, UsageUnit: resource.UsageUnitPLACES}
	s := &memberShare{weight: 87_600, splitAmount: 2_322_824, amount: 418_012}
	nbsp := func(s string) string { return strings.ReplaceAll(s, "_", "\u00a0") }
	if got, want := shareText(res, s, 486_755, true), nbsp("87_600 places·jours sur 486_755 × 23_228,24_€ de coûts réels = 4_180,12_€"); got != want {
		t.Errorf("share text\n got %q\nwant %q", got, want)
	}
	equal := &ent.Resource{AllocationKey: resource.AllocationKeyEQUAL}
	december := &memberShare{weight: 31, splitAmount: 120_000, amount: 9_394, direct: 0}
	if got, want := shareText(equal, december, 396, false), nbsp("31 jours d'abonnement sur 396 × 1_200,00_€ de coûts budgétés = 93,94_€"); got != want {
		t.Errorf("December subscriber\n got %q\nwant %q", got, want)
	}
	direct := &memberShare{direct: 9_999, amount: 9_999}
	if got, want := shareText(equal, direct, 0, true), nbsp("coûts réels directs du membre 99,99_€ = 99,99_€"); got != want {
		t.Errorf("direct\n got %q\nwant %q", got, want)
	}
	if got := costExplanation(charge.KindREGULARIZATION, 0, "quote-part", 104_503, 313_509); !strings.Contains(got, nbsp("moins les provisions appelées 3_135,09_€ = 1_045,03_€")) {
		t.Errorf("regularisation %q", got)
	}
}

func TestDirectCostsRestOnASubscriptionOrAnAgreedService(t *testing.T) {
	t.Parallel()
	y := newSmallYear(t)
	subOf := func(m pulid.ID) pulid.ID {
		return y.client.Subscription.Query().Where(subscription.MemberID(m), subscription.ResourceID(y.direct)).OnlyIDX(y.ctx)
	}
	agreed := y.client.ServiceRequest.Create().SetMemberID(y.c).SetKind("SUPPLEMENTARY").SetTitle("étude").
		SetStatus("AGREED").SetAgreedAt(time.Now()).SaveX(y.ctx).ID
	notAgreed := y.client.ServiceRequest.Create().SetMemberID(y.c).SetKind("SUPPLEMENTARY").SetTitle("autre").
		SetStatus("ESTIMATED").SaveX(y.ctx).ID
	input := func(m *pulid.ID, sub, svc *pulid.ID) ent.CreateCostEntryInput {
		return ent.CreateCostEntryInput{ResourceID: y.direct, FiscalYear: 2026, CostType: costentry.CostTypeUSAGE,
			Basis: costentry.BasisACTUAL, Amount: 999_999, Label: "prestation", MemberID: m,
			SubscriptionID: sub, ServiceRequestID: svc}
	}
	ptr := func(id pulid.ID) *pulid.ID { return &id }
	tests := []struct {
		name  string
		in    ent.CreateCostEntryInput
		field string // "": accepted
	}{
		{"common cost", input(nil, nil, nil), ""},
		{"under the member's subscription", input(&y.a, ptr(subOf(y.a)), nil), ""},
		{"under an agreed service", input(&y.c, nil, &agreed), ""},
		{"naming nothing", input(&y.c, nil, nil), "subscriptionID"},
		{"naming both", input(&y.a, ptr(subOf(y.a)), &agreed), "subscriptionID"},
		{"another member's subscription", input(&y.c, ptr(subOf(y.a)), nil), "subscriptionID"},
		{"a service not agreed", input(&y.c, nil, &notAgreed), "serviceRequestID"},
		{"another member's service", input(&y.a, nil, &agreed), "serviceRequestID"},
		{"a common cost naming a subscription", input(nil, ptr(subOf(y.a)), nil), "memberID"},
	}
	for _, tt := range tests {
		before := y.client.CostEntry.Query().CountX(y.ctx)
		_, err := CreateCostEntry(y.ctx, y.client, tt.in)
		var e *communs.Error
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.field != "" && (!errors.As(err, &e) || e.Code != communs.EINVALID || e.Field != tt.field):
			t.Errorf("%s: %v, want INVALID_INPUT on %s", tt.name, err, tt.field)
		case tt.field != "" && y.client.CostEntry.Query().CountX(y.ctx) != before:
			t.Errorf("%s: the refused entry was kept", tt.name)
		}
	}
	// An update cannot move a direct cost off its subscription.
	e := y.client.CostEntry.Query().Where(costentry.MemberID(y.a), costentry.SubscriptionIDNotNil()).FirstX(y.ctx)
	if _, err := UpdateCostEntry(y.ctx, y.client, e.ID, ent.UpdateCostEntryInput{MemberID: &y.c}); communs.ErrorCode(err) != communs.EINVALID {
		t.Errorf("moving a direct cost to a member without subscription: %v", err)
	}
}

func TestBillingCeilingIsTheEstimatePlusTheTolerance(t *testing.T) {
	t.Parallel()
	for estimate, want := range map[int64]int64{0: 0, 100_000: 110_000, 99_999: 109_998, 9: 9} {
		if got := BillingCeiling(estimate); got != want {
			t.Errorf("BillingCeiling(%d) = %d, want %d", estimate, got, want)
		}
	}
}

// The README's example: a December subscriber to an EQUAL resource beside
// ten members subscribed all year pays 31 days' worth, not an eleventh.
func TestADecemberSubscriberPaysItsDays(t *testing.T) {
	t.Parallel()
	subs := []Subscriber{{MemberID: "DEC", From: date(2026, 12, 1)}}
	for i := range 10 {
		subs = append(subs, Subscriber{MemberID: fmt.Sprintf("M%02d", i), From: date(2025, 1, 1)})
	}
	weights, err := Weights(KeyEqual, 2026, subs)
	if err != nil {
		t.Fatal(err)
	}
	shares, err := Split(120_000, weights)
	if err != nil {
		t.Fatal(err)
	}
	if shares[0].ID != "DEC" || shares[0].Weight != 31 || shares[0].Amount != 1_010 {
		t.Errorf("the December subscriber's share: %+v", shares[0])
	}
}
