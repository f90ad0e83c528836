package main

import (
	"testing"
	"time"

	"communs/internal/calendar"
	"communs/internal/money"
)

const recordPayment = `mutation($in: RecordPaymentInput!) { recordPayment(input: $in) { id amount
	allocations { amount callForFunds { number } } } }`

// callOf is the call for funds a run issued to memberID.
func callOf(t *testing.T, run runPayload, memberID string) (id string, total int64) {
	t.Helper()
	for _, c := range run.RunChargeStep.CallsForFunds {
		if c.Member.ID == memberID {
			cents, err := money.Parse(c.Total)
			if err != nil {
				t.Fatal(err)
			}
			return c.ID, cents
		}
	}
	t.Fatalf("no call for funds of %s in the run", memberID)
	return "", 0
}

type settlement struct {
	Node struct{ Paid, PaymentStatus string }
}

func (s *testServer) settlement(t *testing.T, callID string) (paid int64, status string) {
	t.Helper()
	var out settlement
	s.data(t, `query($id: ID!) { node(id: $id) { ... on CallForFunds { paid paymentStatus } } }`, map[string]any{"id": callID}, &out)
	paid, err := money.Parse(out.Node.Paid)
	if err != nil {
		t.Fatal(err)
	}
	return paid, out.Node.PaymentStatus
}

// The end to end: a call paid in two transfers becomes paid; an
// overpayment becomes a credit that the next call uses.
func TestPaymentsThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff, member := s.as(t, gsmStaff), s.as(t, tilleulsAdmin)
	tilleuls := memberOf(t, member)
	today := calendar.DayInParis(time.Now()).Format(time.DateOnly)

	var q1 runPayload
	staff.data(t, runStep, map[string]any{"step": "Q1"}, &q1)
	call, total := callOf(t, q1, tilleuls)
	if total <= 10_00 {
		t.Fatalf("the demo's Q1 call of Les Tilleuls is %s", money.Format(total))
	}
	pay := func(amount int64) {
		t.Helper()
		staff.data(t, recordPayment, map[string]any{"in": map[string]any{"memberId": tilleuls,
			"amount": money.Format(amount), "receivedOn": today, "means": "TRANSFER", "bankReference": "VIR-" + money.Format(amount)}}, &struct{}{})
	}
	pay(total - 10_00)
	if paid, status := staff.settlement(t, call); paid != total-10_00 || status != "PARTLY_PAID" {
		t.Errorf("after the first transfer: %s %s", money.Format(paid), status)
	}
	pay(10_00 + 50_00)
	if paid, status := member.settlement(t, call); paid != total || status != "PAID" {
		t.Errorf("after the second transfer: %s %s", money.Format(paid), status)
	}

	var q2 runPayload
	staff.data(t, runStep, map[string]any{"step": "Q2"}, &q2)
	next, nextTotal := callOf(t, q2, tilleuls)
	if paid, status := staff.settlement(t, next); paid != min(50_00, nextTotal) || status != "PARTLY_PAID" {
		t.Errorf("the next call after a credit of 50.00: %s %s (total %s)", money.Format(paid), status, money.Format(nextTotal))
	}

	// The member reads its payments, never records one.
	var mine struct{ Payments struct{ TotalCount int } }
	member.data(t, `{ payments(first: 10) { totalCount } }`, nil, &mine)
	if mine.Payments.TotalCount != 2 {
		t.Errorf("the member reads %d payments, want 2", mine.Payments.TotalCount)
	}
	if code := member.query(t, recordPayment, map[string]any{"in": map[string]any{"memberId": tilleuls,
		"amount": "1.00", "receivedOn": today, "means": "CHEQUE"}}).code(); code != "FORBIDDEN" {
		t.Errorf("a member recording a payment: %s", code)
	}

	// Grouped by payment status.
	var groups struct {
		CallsForFundsAggregate []struct {
			Keys  struct{ PaymentStatus string }
			Count int
		}
		MembersAggregate []struct {
			Keys  struct{ PaymentStatus string }
			Count int
		}
	}
	staff.data(t, `{ callsForFundsAggregate(groupBy: [PAYMENT_STATUS]) { keys { paymentStatus } count }
		membersAggregate(groupBy: [PAYMENT_STATUS]) { keys { paymentStatus } count } }`, nil, &groups)
	statuses := map[string]int{}
	for _, g := range groups.CallsForFundsAggregate {
		statuses[g.Keys.PaymentStatus] = g.Count
	}
	if statuses["PAID"] < 1 || statuses["PARTLY_PAID"] < 1 || statuses["UNPAID"] < 1 {
		t.Errorf("calls by payment status: %v", statuses)
	}
	if len(groups.MembersAggregate) < 2 {
		t.Errorf("members by payment status: %+v", groups.MembersAggregate)
	}
}
