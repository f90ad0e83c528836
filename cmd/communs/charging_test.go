package main

import "testing"

func TestDemoYearThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff := s.as(t, gsmStaff)
	const run = `mutation($step: ChargeRunStep!, $reason: String = "the demo year, closed early by the test") { runChargeStep(input: {year: 2026, step: $step, forcedReason: $reason}) {
		run { status step } created alreadyThere unallocated { resourceName amount } } }`
	type result struct {
		RunChargeStep struct {
			Run                   struct{ Status, Step string }
			Created, AlreadyThere int
			Unallocated           []struct{ ResourceName, Amount string }
		}
	}
	for _, step := range []string{"Q1", "Q2", "Q3", "YEAR_END"} {
		var got result
		staff.data(t, run, map[string]any{"step": step}, &got)
		if got.RunChargeStep.Run.Status != "COMPLETED" || got.RunChargeStep.Created == 0 || len(got.RunChargeStep.Unallocated) != 0 {
			t.Fatalf("%s: %+v", step, got.RunChargeStep)
		}
		var again result
		staff.data(t, run, map[string]any{"step": step}, &again)
		if again.RunChargeStep.Created != 0 || again.RunChargeStep.AlreadyThere != got.RunChargeStep.Created {
			t.Errorf("%s run twice: %+v, want nothing added", step, again.RunChargeStep)
		}
	}
	// No profit, no loss: after the year end, the groupement's result is zero.
	var accounts struct {
		ConsolidatedAccounts struct{ ActualCosts, Charged, Result string }
	}
	staff.data(t, `{ consolidatedAccounts(year: 2026) { actualCosts charged result } }`, nil, &accounts)
	if a := accounts.ConsolidatedAccounts; a.Result != "0.00" || a.Charged != a.ActualCosts {
		t.Errorf("after the year end: %+v, want charged = actual costs", a)
	}
	// Every resource balances to the cent, and the query says so.
	var balance struct {
		ChargeBalance []struct {
			ResourceName, Difference string
			Balanced                 bool
		}
	}
	staff.data(t, `{ chargeBalance(year: 2026) { resourceName difference balanced } }`, nil, &balance)
	if len(balance.ChargeBalance) != 14 {
		t.Errorf("balance lists %d resources, want the 14 with costs", len(balance.ChargeBalance))
	}
	for _, b := range balance.ChargeBalance {
		if !b.Balanced || b.Difference != "0.00" {
			t.Errorf("%s: difference %s, balanced %v", b.ResourceName, b.Difference, b.Balanced)
		}
	}

	// A member reads its own charges only, and cannot run the cycle.
	member := s.as(t, "admin@tilleuls-yonne.example")
	if code := member.query(t, run, map[string]any{"step": "Q1"}).code(); code != "FORBIDDEN" {
		t.Errorf("a member running the cycle: %s", code)
	}
	var charges struct {
		Charges struct {
			TotalCount int
			Edges      []struct {
				Node struct{ Member struct{ Name string } }
			}
		}
	}
	member.data(t, `{ charges(first: 100) { totalCount edges { node { member { name } } } } }`, nil, &charges)
	if charges.Charges.TotalCount == 0 {
		t.Fatal("the member has no charge after the year")
	}
	for _, e := range charges.Charges.Edges {
		if e.Node.Member.Name != "Association Les Tilleuls de l'Yonne" {
			t.Errorf("the member reads a charge of %s", e.Node.Member.Name)
		}
	}
	var me struct {
		Me struct {
			RoleAssignments []struct{ Member struct{ ID string } }
		}
	}
	member.data(t, `{ me { roleAssignments { member { id } } } }`, nil, &me)
	var statement struct {
		MemberStatement struct {
			Total string
			Lines []struct{ Amount string }
		}
	}
	member.data(t, `query($m: ID!) { memberStatement(memberId: $m, year: 2026) { total lines { amount } } }`,
		map[string]any{"m": me.Me.RoleAssignments[0].Member.ID}, &statement)
	if len(statement.MemberStatement.Lines) == 0 || statement.MemberStatement.Total == "0.00" {
		t.Errorf("statement: %+v", statement.MemberStatement)
	}
}
