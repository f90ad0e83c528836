package main

import (
	"communs/internal/calendar"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The rules that keep charges fair (issue "Fair charges and a complete
// register"), walked through the API from the roles that use them.

func TestStepDatesAndMissingDeclarationsThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff := s.as(t, gsmStaff)

	// A step before its date is refused without a reason.
	for _, step := range []string{"Q1", "YEAR_END"} {
		resp := staff.query(t, `mutation($step: ChargeRunStep!) { runChargeStep(input: {year: 2100, step: $step}) { created } }`,
			map[string]any{"step": step})
		if resp.code() != "INVALID_INPUT" || resp.Errors[0].Extensions["field"] != "forcedReason" {
			t.Errorf("%s 2100 without a reason: %+v", step, resp.Errors)
		}
	}

	// The demo's members without a validated declaration are weighed on a
	// default quantity, and listed to be chased.
	const run = `mutation($step: ChargeRunStep!) { runChargeStep(input: {year: 2026, step: $step, forcedReason: "clôture anticipée de la démonstration"}) {
		run { forcedReason } missingDeclarations { memberName resourceName reason defaultQuantity defaultRule } } }`
	var q1 struct {
		RunChargeStep struct {
			Run                 struct{ ForcedReason *string }
			MissingDeclarations []struct {
				MemberName, ResourceName, Reason, DefaultRule string
				DefaultQuantity                               int64
			}
		}
	}
	staff.data(t, run, map[string]any{"step": "Q1"}, &q1)
	missing := q1.RunChargeStep.MissingDeclarations
	if len(missing) == 0 {
		t.Fatal("the demo's undeclared subscribers are not reported")
	}
	for _, m := range missing {
		if m.MemberName == "" || m.DefaultQuantity <= 0 || m.Reason == "" ||
			(m.DefaultRule != "LAST_YEAR" && m.DefaultRule != "AVERAGE" && m.DefaultRule != "DAYS") {
			t.Errorf("missing declaration %+v", m)
		}
	}
	if q1.RunChargeStep.Run.ForcedReason != nil {
		t.Errorf("Q1 2026 is open: the reason is not kept, got %q", *q1.RunChargeStep.Run.ForcedReason)
	}
	var listed struct{ MissingDeclarations []struct{ MemberName string } }
	staff.data(t, `{ missingDeclarations(year: 2026) { memberName } }`, nil, &listed)
	if len(listed.MissingDeclarations) != len(missing) {
		t.Errorf("missingDeclarations lists %d, the run %d", len(listed.MissingDeclarations), len(missing))
	}

	// The year end: forced while 2026 is not over, with its reason kept.
	var yearEnd struct {
		RunChargeStep struct {
			Run struct{ ForcedReason *string }
		}
	}
	staff.data(t, run, map[string]any{"step": "YEAR_END"}, &yearEnd)
	early := time.Now().Before(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if kept := yearEnd.RunChargeStep.Run.ForcedReason; early != (kept != nil) {
		t.Errorf("year end run early=%v: forced reason %v", early, kept)
	}

	// Every line explains itself in words, to the member too.
	member := s.as(t, tilleulsAdmin)
	var charges struct {
		Charges struct {
			Edges []struct {
				Node struct {
					Kind, Explanation string
					CallForFunds      struct{ ExportPath string }
				}
			}
		}
	}
	member.data(t, `{ charges(first: 100) { edges { node { kind explanation callForFunds { exportPath } } } } }`, nil, &charges)
	if len(charges.Charges.Edges) == 0 {
		t.Fatal("the member has no charge")
	}
	for _, e := range charges.Charges.Edges {
		if !strings.Contains(e.Node.Explanation, "€") || !strings.Contains(e.Node.Explanation, "=") {
			t.Errorf("%s line explained %q", e.Node.Kind, e.Node.Explanation)
		}
	}
	// The call for funds prints the explanations.
	first := charges.Charges.Edges[0].Node
	for _, ext := range []string{".csv", ".html"} {
		if doc := download(t, member, first.CallForFunds.ExportPath+ext, http.StatusOK); !strings.Contains(doc, "de coûts") {
			t.Errorf("the call for funds %s does not explain its lines", ext)
		}
	}
}

func TestDirectCostsNeedASubscriptionThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff := s.as(t, gsmStaff)
	var catalogue struct {
		Resources struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	staff.data(t, `{ resources(first: 1, where: {code: "DIAG-FLASH"}) { edges { node { id } } } }`, nil, &catalogue)
	if len(catalogue.Resources.Edges) != 1 {
		t.Fatalf("no DIAG-FLASH resource: %+v", catalogue)
	}
	const create = `mutation($r: ID!, $m: ID!, $s: ID) { createCostEntry(input: {resourceID: $r, memberID: $m, subscriptionID: $s,
		fiscalYear: 2026, costType: USAGE, basis: ACTUAL, amount: "9999.99", label: "prestation"}) { id } }`
	tilleuls := memberOf(t, s.as(t, tilleulsAdmin))
	resp := staff.query(t, create, map[string]any{"r": catalogue.Resources.Edges[0].Node.ID, "m": tilleuls})
	if resp.code() != "INVALID_INPUT" || resp.Errors[0].Extensions["field"] != "subscriptionID" {
		t.Errorf("a direct cost to a member that never subscribed: %+v", resp.Errors)
	}
}

func TestServiceOverrunStopsBillingUntilTheMemberAgreesThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff, member := s.as(t, gsmStaff), s.as(t, tilleulsAdmin)
	var requested struct{ RequestService struct{ ID string } }
	member.data(t, `mutation($m: ID!) { requestService(input: {memberId: $m, kind: SUPPLEMENTARY, title: "Reprise de données"}) { id } }`,
		map[string]any{"m": memberOf(t, member)}, &requested)
	vars := map[string]any{"id": requested.RequestService.ID}
	staff.data(t, `mutation($id: ID!) { estimateService(input: {id: $id, estimatedMinutes: 600, estimatedAmount: "1000.00"}) { status } }`, vars, &struct{}{})
	member.data(t, `mutation($id: ID!) { agreeService(id: $id, estimatedAmount: "1000.00") { status } }`, vars, &struct{}{})
	today := calendar.DayInParis(time.Now())
	// 600 minutes at 111.80 €/h: 1,118.00 €, 11.8 % over the estimate.
	staff.data(t, `mutation($id: ID!, $on: Date!) { recordTime(input: {serviceRequestId: $id, staffName: "Camille", workedOn: $on, minutes: 600, hourlyRate: "111.80"}) { id } }`,
		map[string]any{"id": vars["id"], "on": today.Format(time.DateOnly)}, &struct{}{})

	const services = `mutation($year: Int!) { runChargeStep(input: {year: $year, step: SERVICES}) { overruns { serviceRequestId estimated spent withheld } } }`
	var run struct {
		RunChargeStep struct {
			Overruns []struct{ ServiceRequestID, Estimated, Spent, Withheld string }
		}
	}
	staff.data(t, services, map[string]any{"year": today.Year()}, &run)
	if o := run.RunChargeStep.Overruns; len(o) != 1 || o[0].ServiceRequestID != vars["id"] || o[0].Withheld != "18.00" || o[0].Spent != "1118.00" {
		t.Errorf("overruns: %+v", o)
	}
	const spent = `query($id: ID!) { node(id: $id) { ... on ServiceRequest { revisedEstimatedAmount spent { amount billed overrun ceiling billingStopped } } } }`
	type spentAnswer struct {
		Node struct {
			RevisedEstimatedAmount *string
			Spent                  struct {
				Amount, Billed, Overrun, Ceiling string
				BillingStopped                   bool
			}
		}
	}
	var seen spentAnswer
	member.data(t, spent, vars, &seen) // the member sees the overrun too
	if sp := seen.Node.Spent; sp.Billed != "1100.00" || sp.Overrun != "118.00" || sp.Ceiling != "1100.00" || !sp.BillingStopped {
		t.Errorf("the member's view of the overrun: %+v", sp)
	}

	// The groupement revises the estimate; only the member's administrator agrees to it.
	staff.data(t, `mutation($id: ID!) { reviseServiceEstimate(input: {id: $id, estimatedMinutes: 720, estimatedAmount: "1200.00", reason: "volume de données sous-estimé"}) { id } }`, vars, &struct{}{})
	const agree = `mutation($id: ID!) { agreeRevisedEstimate(id: $id, estimatedAmount: "1200.00") { estimatedAmount } }`
	if code := staff.query(t, agree, vars).code(); code != "FORBIDDEN" {
		t.Errorf("the groupement agreeing for the member: %s", code)
	}
	member.data(t, spent, vars, &seen)
	if seen.Node.RevisedEstimatedAmount == nil || *seen.Node.RevisedEstimatedAmount != "1200.00" {
		t.Errorf("the revision waiting for the member: %v", seen.Node.RevisedEstimatedAmount)
	}
	member.data(t, agree, vars, &struct{}{})
	staff.data(t, services, map[string]any{"year": today.Year()}, &run)
	member.data(t, spent, vars, &seen)
	if sp := seen.Node.Spent; sp.Billed != "1118.00" || sp.BillingStopped || len(run.RunChargeStep.Overruns) != 0 {
		t.Errorf("after the revised estimate: %+v, overruns %+v", sp, run.RunChargeStep.Overruns)
	}
}

func TestConventionAndCompleteDeclarationsThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff, member := s.as(t, gsmStaff), s.as(t, tilleulsAdmin)
	var requested struct {
		Subscriptions struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	staff.data(t, `{ subscriptions(first: 1, where: {status: REQUESTED}) { edges { node { id } } } }`, nil, &requested)
	if len(requested.Subscriptions.Edges) == 0 {
		t.Fatal("the demo has no requested subscription")
	}
	resp := staff.query(t, `mutation($id: ID!) { activateSubscription(input: {id: $id, startsOn: "2026-04-01", projectLeadName: "M. P."}) { subscription { id } } }`,
		map[string]any{"id": requested.Subscriptions.Edges[0].Node.ID})
	if resp.code() != "INVALID_INPUT" || resp.Errors[0].Extensions["field"] != "conventionSignedOn" {
		t.Errorf("activation without a signed convention: %+v", resp.Errors)
	}

	// The member's 2027 declaration must name every resource it uses.
	var subs struct {
		Subscriptions struct {
			Edges []struct {
				Node struct {
					Resource struct {
						ID            string
						AllocationKey string
					}
				}
			}
		}
	}
	member.data(t, `{ subscriptions(first: 100, where: {status: ACTIVE}) { edges { node { resource { id allocationKey } } } } }`, nil, &subs)
	var shared []string
	for _, e := range subs.Subscriptions.Edges {
		if e.Node.Resource.AllocationKey != "DIRECT" {
			shared = append(shared, e.Node.Resource.ID)
		}
	}
	if len(shared) < 2 {
		t.Fatalf("Les Tilleuls share too few resources for the test: %v", shared)
	}
	const save = `mutation($m: ID!, $lines: [DeclaredLineInput!]!) { saveUsageDeclaration(input: {memberId: $m, year: 2027, lines: $lines}) { usageDeclaration { id } } }`
	const submit = `mutation($id: ID!) { submitUsageDeclaration(input: {id: $id}) { usageDeclaration { status } } }`
	tilleuls := memberOf(t, member)
	var saved struct {
		SaveUsageDeclaration struct{ UsageDeclaration struct{ ID string } }
	}
	member.data(t, save, map[string]any{"m": tilleuls, "lines": []map[string]any{{"resourceId": shared[0], "quantity": 10}}}, &saved)
	id := saved.SaveUsageDeclaration.UsageDeclaration.ID
	if resp := member.query(t, submit, map[string]any{"id": id}); resp.code() != "INVALID_INPUT" || resp.Errors[0].Extensions["field"] != "lines" {
		t.Errorf("an incomplete declaration submitted: %+v", resp.Errors)
	}
	var lines []map[string]any
	for _, r := range shared {
		lines = append(lines, map[string]any{"resourceId": r, "quantity": 0})
	}
	member.data(t, save, map[string]any{"m": tilleuls, "lines": lines}, &saved)
	member.data(t, submit, map[string]any{"id": id}, &struct{}{})
}

func TestAmendmentAfterTheYearEndThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff, member := s.as(t, gsmStaff), s.as(t, tilleulsAdmin)
	const run = `mutation($step: ChargeRunStep!) { runChargeStep(input: {year: 2026, step: $step, forcedReason: "clôture anticipée de la démonstration"}) { created } }`
	for _, step := range []string{"Q1", "Q2", "Q3", "YEAR_END"} {
		staff.data(t, run, map[string]any{"step": step}, &struct{}{})
	}
	var decl struct {
		UsageDeclarations struct {
			Edges []struct {
				Node struct {
					Status string
					Lines  []struct {
						Quantity int64
						Resource struct{ ID string }
					}
				}
			}
		}
	}
	member.data(t, `{ usageDeclarations(first: 1, where: {year: 2026}) { edges { node { status lines { quantity resource { id } } } } } }`, nil, &decl)
	if len(decl.UsageDeclarations.Edges) != 1 || decl.UsageDeclarations.Edges[0].Node.Status != "LOCKED" {
		t.Fatalf("the member's declaration after the year end: %+v", decl)
	}
	var lines []map[string]any
	for _, l := range decl.UsageDeclarations.Edges[0].Node.Lines {
		lines = append(lines, map[string]any{"resourceId": l.Resource.ID, "quantity": l.Quantity + 10})
	}
	var amended struct {
		SaveUsageDeclaration struct {
			UsageDeclaration struct {
				Status    string
				Revisions []struct {
					Amendment bool
					Comment   string
				}
			}
		}
	}
	member.data(t, `mutation($m: ID!, $lines: [DeclaredLineInput!]!) { saveUsageDeclaration(input: {memberId: $m, year: 2026, lines: $lines, comment: "places oubliées"}) {
		usageDeclaration { status revisions { amendment comment } } } }`,
		map[string]any{"m": memberOf(t, member), "lines": lines}, &amended)
	revs := amended.SaveUsageDeclaration.UsageDeclaration.Revisions
	if last := revs[len(revs)-1]; amended.SaveUsageDeclaration.UsageDeclaration.Status != "LOCKED" || !last.Amendment ||
		!strings.Contains(last.Comment, "à régulariser") {
		t.Errorf("the amendment: %+v", amended)
	}
	// The year end run again regularises it, to the cent.
	var again struct{ RunChargeStep struct{ Created int } }
	staff.data(t, run, map[string]any{"step": "YEAR_END"}, &again)
	if again.RunChargeStep.Created == 0 {
		t.Error("the amendment changed no charge")
	}
	var balance struct {
		ChargeBalance []struct {
			ResourceName string
			Balanced     bool
		}
	}
	staff.data(t, `{ chargeBalance(year: 2026) { resourceName balanced } }`, nil, &balance)
	for _, b := range balance.ChargeBalance {
		if !b.Balanced {
			t.Errorf("%s is not balanced after the amendment", b.ResourceName)
		}
	}
}

func TestTheGroupementMakesNoProfitThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff := s.as(t, gsmStaff)
	s.as(t, "admin@communs.example").data(t, `mutation { setMembershipFee(input: {year: 2026, amount: "120.00"}) { amount } }`, nil, &struct{}{})
	const run = `mutation($step: ChargeRunStep!) { runChargeStep(input: {year: 2026, step: $step, forcedReason: "clôture anticipée de la démonstration"}) { created } }`
	for _, step := range []string{"Q1", "Q2", "Q3", "YEAR_END", "SERVICES", "FEES"} {
		staff.data(t, run, map[string]any{"step": step}, &struct{}{})
	}
	var accounts struct {
		ConsolidatedAccounts struct {
			ActualCosts, Charged, Result, CostPriceCharged, CostPriceResult, ServicesAndFees string
		}
	}
	// A founder reads the groupement's accounts.
	s.as(t, "admin@genets-morvan.example").data(t, `{ consolidatedAccounts(year: 2026) {
		actualCosts charged result costPriceCharged costPriceResult servicesAndFees } }`, nil, &accounts)
	a := accounts.ConsolidatedAccounts
	if a.CostPriceResult != "0.00" || a.CostPriceCharged != a.ActualCosts || a.ServicesAndFees == "0.00" || a.Result != a.ServicesAndFees {
		t.Errorf("consolidated accounts: %+v", a)
	}
}

func TestADecemberSubscriberPaysItsDaysThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff, member := s.as(t, gsmStaff), s.as(t, tilleulsAdmin)
	tilleuls := memberOf(t, member)
	var catalogue struct {
		Resources struct {
			Edges []struct {
				Node struct {
					ID            string
					Subscriptions []struct{ Member struct{ ID string } }
				}
			}
		}
	}
	staff.data(t, `{ resources(first: 50, where: {allocationKey: EQUAL}) { edges { node { id subscriptions { member { id } } } } } }`, nil, &catalogue)
	resource := ""
	for _, e := range catalogue.Resources.Edges {
		if !slices.ContainsFunc(e.Node.Subscriptions, func(s struct{ Member struct{ ID string } }) bool { return s.Member.ID == tilleuls }) {
			resource = e.Node.ID
			break
		}
	}
	if resource == "" {
		t.Fatal("Les Tilleuls subscribe to every EQUAL resource of the demo")
	}
	var requested struct {
		RequestSubscription struct{ Subscription struct{ ID string } }
	}
	member.data(t, `mutation($m: ID!, $r: ID!) { requestSubscription(input: {memberId: $m, resourceId: $r}) { subscription { id } } }`,
		map[string]any{"m": tilleuls, "r": resource}, &requested)
	staff.data(t, `mutation($id: ID!) { activateSubscription(input: {id: $id, startsOn: "2026-12-01", conventionSignedOn: "2026-11-20", projectLeadName: "M. P."}) { subscription { id } } }`,
		map[string]any{"id": requested.RequestSubscription.Subscription.ID}, &struct{}{})
	staff.data(t, `mutation { runChargeStep(input: {year: 2026, step: YEAR_END, forcedReason: "clôture anticipée de la démonstration"}) { created } }`, nil, &struct{}{})
	var charges struct {
		Charges struct {
			Edges []struct {
				Node struct {
					Explanation string
					Basis       struct{ MemberWeight, TotalWeight int64 }
				}
			}
		}
	}
	member.data(t, `query($r: ID!) { charges(first: 10, where: {resourceID: $r}) { edges { node { explanation basis { memberWeight totalWeight } } } } }`,
		map[string]any{"r": resource}, &charges)
	if len(charges.Charges.Edges) != 1 {
		t.Fatalf("charges of the December subscription: %+v", charges)
	}
	// 31 days of December out of the subscribers' days, not a whole share.
	line := charges.Charges.Edges[0].Node
	if line.Basis.MemberWeight != 31 || line.Basis.TotalWeight <= 365 || !strings.Contains(line.Explanation, "31 jours d'abonnement sur") {
		t.Errorf("the December subscriber's share: %+v", line)
	}
}
