package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"communs/internal/calendar"
)

const tilleulsAdmin = "admin@tilleuls-yonne.example"

// memberOf returns the id of the member the account administers.
func memberOf(t *testing.T, c *testServer) string {
	t.Helper()
	var me struct {
		Me struct {
			RoleAssignments []struct{ Member struct{ ID string } }
		}
	}
	c.data(t, `{ me { roleAssignments { member { id } } } }`, nil, &me)
	return me.Me.RoleAssignments[0].Member.ID
}

type runPayload struct {
	RunChargeStep struct {
		Created       int
		Total         string
		CallsForFunds []struct {
			ID, Number, Total, VatMention, ExportPath string
			Member                                    struct{ ID string }
		}
		Unbilled []struct{ Minutes int }
	}
}

const runStep = `mutation($step: ChargeRunStep!, $reason: String = "the demo year, closed early by the test") { runChargeStep(input: {year: 2026, step: $step, forcedReason: $reason}) {
	created total callsForFunds { id number total vatMention exportPath member { id } } unbilled { minutes } } }`

func TestFeesServicesAndCallsForFundsThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff, admin, member := s.as(t, gsmStaff), s.as(t, "admin@communs.example"), s.as(t, tilleulsAdmin)
	tilleuls := memberOf(t, member)

	// The fee: set by an administrator only, charged by FEES.
	const setFee = `mutation { setMembershipFee(input: {year: 2026, amount: "120.00"}) { fiscalYear amount } }`
	if code := staff.query(t, setFee, nil).code(); code != "FORBIDDEN" {
		t.Errorf("staff setting the fee: %s", code)
	}
	admin.data(t, setFee, nil, &struct{}{})
	var fees runPayload
	staff.data(t, runStep, map[string]any{"step": "FEES"}, &fees)
	if fees.RunChargeStep.Created == 0 || len(fees.RunChargeStep.CallsForFunds) != fees.RunChargeStep.Created {
		t.Fatalf("FEES: %+v", fees.RunChargeStep)
	}
	for i, c := range fees.RunChargeStep.CallsForFunds {
		if want := fmt.Sprintf("AF-2026-%04d", i+1); c.Number != want || c.VatMention != "Exonération de TVA — article 261 B du CGI" {
			t.Errorf("call %d: %s, %q", i, c.Number, c.VatMention)
		}
	}

	// A supplementary service: no time before the member agrees.
	var requested struct{ RequestService struct{ ID string } }
	member.data(t, `mutation($m: ID!) { requestService(input: {memberId: $m, kind: SUPPLEMENTARY, title: "Étude d'interopérabilité"}) { id } }`,
		map[string]any{"m": tilleuls}, &requested)
	id := requested.RequestService.ID
	staff.data(t, `mutation($id: ID!) { estimateService(input: {id: $id, estimatedMinutes: 120, estimatedAmount: "150.00"}) { status } }`,
		map[string]any{"id": id}, &struct{}{})
	const record = `mutation($id: ID!, $on: Date!) { recordTime(input: {serviceRequestId: $id, staffName: "Camille", workedOn: $on, minutes: 90, hourlyRate: "60.00"}) { id } }`
	today := calendar.DayInParis(time.Now()).Format(time.DateOnly) // the groupement works in Paris days
	if code := staff.query(t, record, map[string]any{"id": id, "on": today}).code(); code != "CONFLICT" {
		t.Errorf("time before the agreement: %s", code)
	}
	const agree = `mutation($id: ID!, $amount: Money!) { agreeService(id: $id, estimatedAmount: $amount) { status } }`
	if code := staff.query(t, agree, map[string]any{"id": id, "amount": "150.00"}).code(); code != "FORBIDDEN" {
		t.Errorf("the groupement agreeing for the member: %s", code)
	}
	if code := member.query(t, agree, map[string]any{"id": id, "amount": "120.00"}).code(); code != "CONFLICT" {
		t.Errorf("agreeing to another amount than the estimate: %s", code)
	}
	member.data(t, agree, map[string]any{"id": id, "amount": "150.00"}, &struct{}{})
	staff.data(t, record, map[string]any{"id": id, "on": today}, &struct{}{})
	staff.data(t, runStep, map[string]any{"step": "SERVICES"}, &struct{}{})
	var spent struct {
		Node struct {
			EstimatedAmount string
			Spent           struct {
				Minutes        int
				Amount, Billed string
			}
		}
	}
	member.data(t, `query($id: ID!) { node(id: $id) { ... on ServiceRequest { estimatedAmount spent { minutes amount billed } } } }`,
		map[string]any{"id": id}, &spent)
	if sp := spent.Node; sp.EstimatedAmount != "150.00" || sp.Spent.Minutes != 90 || sp.Spent.Amount != "90.00" || sp.Spent.Billed != "90.00" {
		t.Errorf("estimate versus actual: %+v", sp)
	}

	// A correction is a new line, under a call for funds of its own.
	var feeLine struct {
		Charges struct {
			Edges []struct{ Node struct{ ID, Amount string } }
		}
	}
	member.data(t, `{ charges(first: 1, where: {kind: MEMBERSHIP_FEE}) { edges { node { id amount } } } }`, nil, &feeLine)
	if len(feeLine.Charges.Edges) != 1 {
		t.Fatalf("the member's fee lines: %+v", feeLine)
	}
	var corrected struct {
		CorrectCharge struct {
			Amount       string
			Corrects     struct{ ID string }
			CallForFunds struct{ Number string }
		}
	}
	staff.data(t, `mutation($id: ID!) { correctCharge(input: {chargeId: $id, amount: "-20.00", reason: "remise votée"}) {
		amount corrects { id } callForFunds { number } } }`, map[string]any{"id": feeLine.Charges.Edges[0].Node.ID}, &corrected)
	if c := corrected.CorrectCharge; c.Amount != "-20.00" || c.Corrects.ID != feeLine.Charges.Edges[0].Node.ID || c.CallForFunds.Number == "" {
		t.Errorf("correction: %+v", c)
	}

	// Downloads: the member's own calls, as CSV and printable HTML.
	var own *struct {
		ID, Number, Total, VatMention, ExportPath string
		Member                                    struct{ ID string }
	}
	for i, c := range fees.RunChargeStep.CallsForFunds {
		if c.Member.ID == tilleuls {
			own = &fees.RunChargeStep.CallsForFunds[i]
		}
	}
	if own == nil {
		t.Fatal("no call for funds for the ACTIVE member")
	}
	csv := download(t, member, own.ExportPath+".csv", http.StatusOK)
	if !strings.Contains(csv, own.Number) || !strings.Contains(csv, "article 261 B du CGI") || !strings.Contains(csv, own.Total) {
		t.Errorf("CSV export:\n%s", csv)
	}
	if html := download(t, member, own.ExportPath+".html", http.StatusOK); !strings.Contains(html, "Appel de fonds") || !strings.Contains(html, own.Number) {
		t.Errorf("HTML export:\n%s", html)
	}
	download(t, s.as(t, "admin@genets-morvan.example"), own.ExportPath+".csv", http.StatusNotFound)
	download(t, &testServer{url: s.url}, own.ExportPath+".csv", http.StatusUnauthorized)
	download(t, member, own.ExportPath+".pdf", http.StatusNotFound)
	download(t, staff, own.ExportPath+".html", http.StatusOK)
}

func TestCostCorrectionsAfterTheYearEnd(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff := s.as(t, gsmStaff)
	for _, step := range []string{"Q1", "Q2", "Q3", "YEAR_END"} {
		staff.data(t, runStep, map[string]any{"step": step}, &struct{}{})
	}
	var resources struct {
		Resources struct {
			Edges []struct{ Node struct{ ID, Name string } }
		}
	}
	staff.data(t, `{ resources(first: 1, where: {allocationKey: EQUAL}) { edges { node { id name } } } }`, nil, &resources)
	res := resources.Resources.Edges[0].Node
	var created struct{ CreateCostEntry struct{ ID string } }
	staff.data(t, `mutation($r: ID!) { createCostEntry(input: {resourceID: $r, fiscalYear: 2026, costType: MAINTENANCE, basis: ACTUAL, amount: "100.01", label: "facture tardive"}) { id } }`,
		map[string]any{"r": res.ID}, &created)
	if code := s.as(t, tilleulsAdmin).query(t, `mutation($r: ID!) { createCostEntry(input: {resourceID: $r, fiscalYear: 2026, costType: USAGE, basis: ACTUAL, amount: "1.00", label: "x"}) { id } }`,
		map[string]any{"r": res.ID}).code(); code != "FORBIDDEN" {
		t.Errorf("a member recording a cost: %s", code)
	}
	balanced := func() map[string]string {
		var balance struct {
			ChargeBalance []struct {
				ResourceName, Difference string
				Balanced                 bool
			}
		}
		staff.data(t, `{ chargeBalance(year: 2026) { resourceName difference balanced } }`, nil, &balance)
		out := map[string]string{}
		for _, b := range balance.ChargeBalance {
			if !b.Balanced {
				out[b.ResourceName] = b.Difference
			}
		}
		return out
	}
	if got := balanced(); len(got) != 1 || got[res.Name] != "-100.01" {
		t.Errorf("after a late invoice: unbalanced %v, want %s at -100.01", got, res.Name)
	}
	var again runPayload
	staff.data(t, runStep, map[string]any{"step": "YEAR_END"}, &again)
	if again.RunChargeStep.Total != "100.01" {
		t.Errorf("the year end run again charged %s, want 100.01", again.RunChargeStep.Total)
	}
	if got := balanced(); len(got) != 0 {
		t.Errorf("unbalanced after the correction: %v", got)
	}
	staff.data(t, `mutation($id: ID!) { updateCostEntry(id: $id, input: {amount: "50.00"}) { amount } }`,
		map[string]any{"id": created.CreateCostEntry.ID}, &struct{}{})
	staff.data(t, `mutation($id: ID!) { deleteCostEntry(id: $id) }`, map[string]any{"id": created.CreateCostEntry.ID}, &struct{}{})
	staff.data(t, runStep, map[string]any{"step": "YEAR_END"}, &again)
	if again.RunChargeStep.Total != "-100.01" || len(balanced()) != 0 {
		t.Errorf("after deleting the invoice: run total %s, unbalanced %v", again.RunChargeStep.Total, balanced())
	}

	// A resource with costs and nobody to bear them is reported.
	var orphan struct {
		CreateResource struct{ Resource struct{ ID string } }
	}
	staff.data(t, `mutation { createResource(input: {code: "ORPHAN", name: "Sans abonné", kind: SOFTWARE, usageUnit: ACCOUNTS, allocationKey: EQUAL}) { resource { id } } }`, nil, &orphan)
	staff.data(t, `mutation($r: ID!) { createCostEntry(input: {resourceID: $r, fiscalYear: 2026, costType: USAGE, basis: BUDGETED, amount: "12.34", label: "licence"}) { id } }`,
		map[string]any{"r": orphan.CreateResource.Resource.ID}, &struct{}{})
	var unallocated struct {
		UnallocatedCosts []struct{ ResourceID, Basis, Amount string }
	}
	staff.data(t, `{ unallocatedCosts(year: 2026) { resourceId basis amount } }`, nil, &unallocated)
	if u := unallocated.UnallocatedCosts; len(u) != 1 || u[0].ResourceID != orphan.CreateResource.Resource.ID || u[0].Basis != "BUDGETED" || u[0].Amount != "12.34" {
		t.Errorf("unallocated costs: %+v", u)
	}
}

func download(t *testing.T, c *testServer, path string, status int) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.url+path, nil)
	resp, body := send(t, c, req)
	if resp.StatusCode != status {
		t.Errorf("GET %s: %d, want %d: %s", path, resp.StatusCode, status, body)
	}
	return string(body)
}
