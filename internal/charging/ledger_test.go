package charging

import (
	"strings"
	"testing"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/callforfunds"
	"communs/ent/charge"
	"communs/ent/costentry"
	"communs/ent/member"
	"communs/ent/membercategorychange"
	"communs/ent/schema/pulid"
	"communs/ent/servicerequest"
	"communs/ent/subscription"
)

func runStep(t *testing.T, y *smallYear, step Step) *RunResult {
	t.Helper()
	res, err := RunStep(y.ctx, y.client, Request{Year: 2026, Step: step, StartedBy: "test", Today: afterYear(2026)})
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return res
}

func TestYearEndRunAgainChargesTheDifference(t *testing.T) {
	t.Parallel()
	y := newSmallYear(t)
	for _, step := range allSteps {
		runStep(t, y, step)
	}
	// A late invoice arrives after the year end.
	y.client.CostEntry.Create().SetResourceID(y.equal).SetFiscalYear(2026).
		SetCostType(costentry.CostTypeUSAGE).SetBasis(costentry.BasisACTUAL).SetAmount(1003).
		SetLabel("facture tardive").ExecX(y.ctx)
	y.actual[y.equal] += 1003

	res := runStep(t, y, StepYearEnd)
	if res.Created != 3 || res.Total != 1003 {
		t.Errorf("second year end: %d lines for %d, want 3 lines for 1003", res.Created, res.Total)
	}
	charged := chargedBy(t, y.ctx, y.client, 2026)
	for _, r := range []pulid.ID{y.equal, y.proRata, y.direct} {
		if charged[r] != y.actual[r] {
			t.Errorf("resource %s: charged %d, actual %d", r, charged[r], y.actual[r])
		}
	}
	for _, c := range y.client.Charge.Query().Where(charge.ChargeRunID(res.Run.ID)).AllX(y.ctx) {
		if !strings.HasSuffix(c.IdempotencyKey, "#2") || !strings.Contains(c.Basis.Note, "correction") {
			t.Errorf("correction line %q: %q", c.IdempotencyKey, c.Basis.Note)
		}
	}
	if again := runStep(t, y, StepYearEnd); again.Created != 0 || again.AlreadyThere == 0 {
		t.Errorf("third year end: %d created, %d already there", again.Created, again.AlreadyThere)
	}
	// Provisions after the year end would be charged on top: refused.
	if _, err := RunStep(y.ctx, y.client, Request{Year: 2026, Step: StepQ3, StartedBy: "test", Today: afterYear(2026)}); communs.ErrorCode(err) != communs.ECONFLICT {
		t.Errorf("Q3 after the year end: %v", err)
	}
}

func TestStepReversesWhatIsNoLongerDue(t *testing.T) {
	t.Parallel()
	y := newSmallYear(t)
	runStep(t, y, StepQ1)
	// c's subscription to the EQUAL resource was entered by mistake.
	y.client.Subscription.Delete().
		Where(subscription.MemberID(y.c), subscription.ResourceID(y.equal)).ExecX(y.ctx)
	res := runStep(t, y, StepQ1)
	var cEqual int64
	for _, c := range y.client.Charge.Query().Where(charge.MemberID(y.c), charge.ResourceID(y.equal)).AllX(y.ctx) {
		cEqual += c.Amount
	}
	if cEqual != 0 {
		t.Errorf("c still owes %d on the cancelled subscription", cEqual)
	}
	// a and b now share what c no longer bears: 3 corrected slots.
	if res.Created != 3 {
		t.Errorf("%d correction lines, want 3", res.Created)
	}
}

func TestCallsForFundsAreNumberedWithoutGaps(t *testing.T) {
	t.Parallel()
	y := newSmallYear(t)
	var issued []*ent.CallForFunds
	for _, step := range allSteps {
		res := runStep(t, y, step)
		members := map[pulid.ID]bool{}
		for _, c := range res.CallsForFunds {
			if members[c.MemberID] {
				t.Errorf("%s: two calls for member %s", step, c.MemberID)
			}
			members[c.MemberID] = true
		}
		issued = append(issued, res.CallsForFunds...)
	}
	for i, c := range issued {
		if c.Sequence != i+1 || c.Number != CallNumber(2026, i+1) {
			t.Errorf("call %d: sequence %d, number %s", i, c.Sequence, c.Number)
		}
		lines := y.client.Charge.Query().Where(charge.CallForFundsID(c.ID)).AllX(y.ctx)
		var sum int64
		for _, l := range lines {
			sum += l.Amount
			if l.MemberID != c.MemberID {
				t.Errorf("%s holds a line of another member", c.Number)
			}
		}
		if len(lines) == 0 || sum != c.Total || c.DueOn == nil || !c.DueOn.After(c.IssuedOn) {
			t.Errorf("%s: %d lines summing to %d, total %d, due %v", c.Number, len(lines), sum, c.Total, c.DueOn)
		}
	}
	if n := y.client.Charge.Query().Where(charge.CallForFundsIDIsNil()).CountX(y.ctx); n != 0 {
		t.Errorf("%d lines outside any call for funds", n)
	}
	if n := y.client.CallForFunds.Query().Where(callforfunds.FiscalYear(2026)).CountX(y.ctx); n != len(issued) {
		t.Errorf("%d calls stored, %d issued", n, len(issued))
	}
}

func TestServicesStepBillsTimeAfterAgreement(t *testing.T) {
	t.Parallel()
	y := newSmallYear(t)
	request := func(kind servicerequest.Kind, agreed *time.Time) *ent.ServiceRequest {
		return y.client.ServiceRequest.Create().SetMemberID(y.a).SetKind(kind).
			SetTitle("Paramétrage " + string(kind)).SetStatus(servicerequest.StatusIN_PROGRESS).
			SetEstimatedMinutes(120).SetEstimatedAmount(10000).SetNillableAgreedAt(agreed).SaveX(y.ctx)
	}
	work := func(r *ent.ServiceRequest, on time.Time, minutes int, rate int64) {
		y.client.TimeEntry.Create().SetServiceRequestID(r.ID).SetStaffName("Camille").
			SetWorkedOn(on).SetMinutes(minutes).SetHourlyRate(rate).ExecX(y.ctx)
	}
	startup := request(servicerequest.KindSTARTUP, nil)
	work(startup, date(2026, 2, 2), 90, 4500)
	work(startup, date(2026, 2, 3), 30, 6001)
	work(startup, date(2025, 12, 30), 60, 4500)               // another year
	agreedAt := time.Date(2026, 3, 9, 23, 30, 0, 0, time.UTC) // 10 March in Paris
	extra := request(servicerequest.KindSUPPLEMENTARY, &agreedAt)
	work(extra, date(2026, 3, 9), 45, 5000) // before the agreement
	work(extra, date(2026, 3, 10), 60, 5000)

	res := runStep(t, y, StepServices)
	billed := func(r *ent.ServiceRequest) (sum int64) {
		for _, c := range y.client.Charge.Query().Where(charge.ServiceRequestID(r.ID)).AllX(y.ctx) {
			sum += c.Amount
		}
		return sum
	}
	// (90 × 4500 + 30 × 6001) / 60 = 9750.5 → 9751
	if got := billed(startup); got != 9751 {
		t.Errorf("startup billed %d, want 9751", got)
	}
	if got := billed(extra); got != 5000 {
		t.Errorf("supplementary billed %d, want 5000", got)
	}
	if len(res.Unbilled) != 1 || res.Unbilled[0].Minutes != 45 || res.Unbilled[0].ServiceRequestID != extra.ID {
		t.Errorf("unbilled %+v", res.Unbilled)
	}
	if len(res.CallsForFunds) != 1 || res.CallsForFunds[0].Total != 14751 {
		t.Errorf("calls %+v", res.CallsForFunds)
	}
	work(extra, date(2026, 4, 1), 30, 5000)
	if res := runStep(t, y, StepServices); res.Created != 1 || res.Total != 2500 {
		t.Errorf("after more time: %d lines for %d", res.Created, res.Total)
	}
	if res := runStep(t, y, StepServices); res.Created != 0 {
		t.Errorf("third run added %d lines", res.Created)
	}
}

func TestFeesStepIsProRataTemporis(t *testing.T) {
	t.Parallel()
	y := newSmallYear(t)
	if _, err := SetMembershipFee(y.ctx, y.client, 2026, 36500); err != nil {
		t.Fatal(err)
	}
	// d was a user member, active from 1 October; e left on 31 March.
	d := y.client.Member.Create().SetName("Association D").SetCategory(member.CategoryACTIVE).
		SetJoinedOn(date(2019, 5, 1)).SaveX(y.ctx)
	y.client.MemberCategoryChange.Create().SetMemberID(d.ID).
		SetToCategory(membercategorychange.ToCategoryUSER).SetEffectiveOn(date(2019, 5, 1)).ExecX(y.ctx)
	y.client.MemberCategoryChange.Create().SetMemberID(d.ID).
		SetFromCategory(membercategorychange.FromCategoryUSER).
		SetToCategory(membercategorychange.ToCategoryACTIVE).SetEffectiveOn(date(2026, 10, 1)).ExecX(y.ctx)
	e := y.client.Member.Create().SetName("Association E").SetCategory(member.CategoryACTIVE).
		SetStatus(member.StatusLEFT).SetJoinedOn(date(2018, 1, 1)).SetLeftOn(date(2026, 3, 31)).SaveX(y.ctx)
	user := y.client.Member.Create().SetName("Association U").SetCategory(member.CategoryUSER).
		SetJoinedOn(date(2018, 1, 1)).SaveX(y.ctx)

	want := map[pulid.ID]int64{y.a: 36500, y.b: 36500, y.c: 18400, d.ID: 9200, e.ID: 9000, user.ID: 0}
	check := func(factor int64) {
		t.Helper()
		got := map[pulid.ID]int64{}
		for _, c := range y.client.Charge.Query().Where(charge.KindEQ(charge.KindMEMBERSHIP_FEE)).AllX(y.ctx) {
			got[c.MemberID] += c.Amount
		}
		for id, w := range want {
			if got[id] != w*factor {
				t.Errorf("member %s owes %d, want %d", id, got[id], w*factor)
			}
		}
	}
	runStep(t, y, StepFees)
	check(1)
	if res := runStep(t, y, StepFees); res.Created != 0 {
		t.Errorf("second run added %d lines", res.Created)
	}
	// The general assembly doubles the fee: running again charges the rest.
	if _, err := SetMembershipFee(y.ctx, y.client, 2026, 73000); err != nil {
		t.Fatal(err)
	}
	if res := runStep(t, y, StepFees); res.Created != 5 {
		t.Errorf("after the new fee: %d lines, want 5", res.Created)
	}
	check(2)
	if _, err := SetMembershipFee(y.ctx, y.client, 2026, -1); communs.ErrorCode(err) != communs.EINVALID {
		t.Errorf("negative fee: %v", err)
	}
}

func TestCorrectCharge(t *testing.T) {
	t.Parallel()
	y := newSmallYear(t)
	if _, err := SetMembershipFee(y.ctx, y.client, 2026, 36500); err != nil {
		t.Fatal(err)
	}
	runStep(t, y, StepFees)
	fee := y.client.Charge.Query().Where(charge.MemberID(y.a), charge.KindEQ(charge.KindMEMBERSHIP_FEE)).OnlyX(y.ctx)

	line, err := CorrectCharge(y.ctx, y.client, fee.ID, -6500, "remise votée en conseil", "staff@communs.example")
	if err != nil {
		t.Fatal(err)
	}
	if line.Amount != -6500 || line.CorrectsID == nil || *line.CorrectsID != fee.ID || line.CallForFundsID == nil ||
		line.CreatedBy != "staff@communs.example" || line.Period != fee.Period {
		t.Errorf("correction %+v", line)
	}
	if after := y.client.Charge.GetX(y.ctx, fee.ID); after.Amount != fee.Amount {
		t.Error("the corrected line changed")
	}
	if res := runStep(t, y, StepFees); res.Created != 0 {
		t.Errorf("FEES after a correction added %d lines", res.Created)
	}
	provision := func() pulid.ID {
		runStep(t, y, StepQ1)
		return y.client.Charge.Query().Where(charge.KindEQ(charge.KindPROVISION)).FirstX(y.ctx).ID
	}
	for name, tc := range map[string]struct {
		id     pulid.ID
		amount int64
		reason string
	}{
		"sign change":     {fee.ID, -30001, "trop"},
		"zero":            {fee.ID, 0, "rien"},
		"no reason":       {fee.ID, -1, " "},
		"a provision":     {provision(), -1, "non"},
		"a correction":    {line.ID, 1, "non"},
		"an unknown line": {pulid.ID("CHG00000000000000000000000000"), 1, "non"},
	} {
		_, err := CorrectCharge(y.ctx, y.client, tc.id, tc.amount, tc.reason, "staff")
		if code := communs.ErrorCode(err); code != communs.EINVALID && code != communs.ENOTFOUND {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := CorrectCharge(y.ctx, y.client, fee.ID, -30000, "gratuité", "staff"); err != nil {
		t.Errorf("down to zero: %v", err)
	}
}

func TestFeeShareAndTimeAmountRounding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fee         int64
		days, total int
		want        int64
	}{
		{36500, 365, 365, 36500}, {36500, 184, 365, 18400}, {100, 1, 365, 0},
		{183, 1, 366, 1}, {182, 1, 366, 0}, {5000, 0, 365, 0}, {1, 366, 366, 1},
	} {
		if got := FeeShare(tc.fee, tc.days, tc.total); got != tc.want {
			t.Errorf("FeeShare(%d, %d, %d) = %d, want %d", tc.fee, tc.days, tc.total, got, tc.want)
		}
	}
	for in, want := range map[int64]int64{0: 0, 100: 2, 29: 0, 30: 1, 90: 2, 405000: 6750, -30: -1} {
		if got := TimeAmount(in); got != want {
			t.Errorf("TimeAmount(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestCorrectionsFollowTheSlot(t *testing.T) {
	t.Parallel()
	y := newSmallYear(t)
	owed := func(m pulid.ID) (sum int64) {
		for _, c := range y.client.Charge.Query().Where(charge.MemberID(m), charge.KindEQ(charge.KindMEMBERSHIP_FEE)).AllX(y.ctx) {
			sum += c.Amount
		}
		return sum
	}
	if _, err := SetMembershipFee(y.ctx, y.client, 2026, 36500); err != nil {
		t.Fatal(err)
	}
	runStep(t, y, StepFees)
	feeOf := func(m pulid.ID) pulid.ID {
		return y.client.Charge.Query().Where(charge.MemberID(m), charge.KindEQ(charge.KindMEMBERSHIP_FEE),
			charge.CorrectsIDIsNil()).FirstIDX(y.ctx)
	}
	if _, err := CorrectCharge(y.ctx, y.client, feeOf(y.a), -6500, "remise", "staff"); err != nil {
		t.Fatal(err)
	}
	if _, err := CorrectCharge(y.ctx, y.client, feeOf(y.b), -36500, "gratuité", "staff"); err != nil {
		t.Fatal(err)
	}
	// The fee doubles: a keeps its reduction; b becomes a user member and
	// owes nothing, its free fee is not turned into a credit.
	if _, err := SetMembershipFee(y.ctx, y.client, 2026, 73000); err != nil {
		t.Fatal(err)
	}
	y.client.Member.UpdateOneID(y.b).SetCategory(member.CategoryUSER).ExecX(y.ctx)
	runStep(t, y, StepFees)
	if got := owed(y.a); got != 73000-6500 {
		t.Errorf("a owes %d, want %d", got, 73000-6500)
	}
	if got := owed(y.b); got != 0 {
		t.Errorf("b owes %d, want 0", got)
	}
	if res := runStep(t, y, StepFees); res.Created != 0 {
		t.Errorf("a third run added %d lines", res.Created)
	}
	// A reduction is bounded by what the member owes for the slot.
	if _, err := CorrectCharge(y.ctx, y.client, feeOf(y.a), -(73000 - 6500 + 1), "trop", "staff"); communs.ErrorCode(err) != communs.EINVALID {
		t.Errorf("a reduction below zero: %v", err)
	}
}
