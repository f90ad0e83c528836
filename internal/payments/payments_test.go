package payments

import (
	"errors"
	"testing"

	"communs"
	"communs/ent/callforfunds"
	"communs/ent/member"
	"communs/ent/payment"
)

func TestCallPaidInTwoTransfers(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	c := l.issue(t, l.member, 1_000_00, day(2026, 3, 31))
	l.wantMember(t, l.member, 0, member.PaymentStatusDUE)

	l.pay(t, l.member, 400_00, day(2026, 4, 10))
	l.wantSettlement(t, c, 400_00, callforfunds.PaymentStatusPARTLY_PAID)
	l.pay(t, l.member, 600_00, day(2026, 4, 20))
	l.wantSettlement(t, c, 1_000_00, callforfunds.PaymentStatusPAID)
	l.wantMember(t, l.member, 0, member.PaymentStatusUP_TO_DATE)
}

func TestOverpaymentBecomesCreditUsedByTheNextCall(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	first := l.issue(t, l.member, 300_00, day(2026, 3, 31))
	l.pay(t, l.member, 500_00, day(2026, 4, 10))
	l.wantSettlement(t, first, 300_00, callforfunds.PaymentStatusPAID)
	l.wantMember(t, l.member, 200_00, member.PaymentStatusIN_CREDIT)

	second := l.issue(t, l.member, 300_00, day(2026, 6, 30))
	l.wantSettlement(t, second, 200_00, callforfunds.PaymentStatusPARTLY_PAID)
	l.wantMember(t, l.member, 0, member.PaymentStatusDUE)

	// A regularisation in the member's favour is a credit too: it pays
	// what is left, and is settled itself.
	back := l.issue(t, l.member, -150_00, day(2026, 12, 31))
	l.wantSettlement(t, back, 0, callforfunds.PaymentStatusPAID)
	l.wantSettlement(t, second, 300_00, callforfunds.PaymentStatusPAID)
	l.wantMember(t, l.member, 50_00, member.PaymentStatusIN_CREDIT)
}

func TestExplicitAllocationThenOldestFirst(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	older := l.issue(t, l.member, 100_00, day(2026, 3, 31))
	newer := l.issue(t, l.member, 100_00, day(2026, 4, 30))
	l.pay(t, l.member, 150_00, day(2026, 5, 2), &AllocationInput{CallForFundsID: newer.ID, Amount: 100_00})
	l.wantSettlement(t, newer, 100_00, callforfunds.PaymentStatusPAID)
	l.wantSettlement(t, older, 50_00, callforfunds.PaymentStatusPARTLY_PAID)
	// Overdue: the older call was due on 30 April, it is 1 June.
	l.wantMember(t, l.member, 0, member.PaymentStatusOVERDUE)
}

func TestReversingEntry(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	c := l.issue(t, l.member, 100_00, day(2026, 3, 31))
	cheque := l.pay(t, l.member, 100_00, day(2026, 4, 2))
	l.wantSettlement(t, c, 100_00, callforfunds.PaymentStatusPAID)

	_, err := l.svc.Reverse(l.staff, cheque.ID, " ")
	wantCode(t, err, communs.EINVALID)
	reversal, err := l.svc.Reverse(l.staff, cheque.ID, "Chèque impayé")
	if err != nil {
		t.Fatal(err)
	}
	if reversal.Amount != -100_00 || *reversal.ReversesID != cheque.ID || reversal.Reason != "Chèque impayé" {
		t.Errorf("reversal %+v", reversal)
	}
	l.wantSettlement(t, c, 0, callforfunds.PaymentStatusUNPAID)
	l.wantMember(t, l.member, 0, member.PaymentStatusOVERDUE)
	_, err = l.svc.Reverse(l.staff, cheque.ID, "encore")
	wantCode(t, err, communs.ECONFLICT)
	_, err = l.svc.Reverse(l.staff, reversal.ID, "encore")
	wantCode(t, err, communs.ECONFLICT)

	// Nothing is ever changed or deleted.
	if err := l.client.Payment.DeleteOneID(cheque.ID).Exec(l.staff); err == nil {
		t.Error("a payment was deleted")
	}
	if err := l.client.CallForFunds.UpdateOneID(c.ID).SetPaid(1).Exec(l.staff); err == nil {
		t.Error("the groupement's staff wrote a settlement by hand")
	}
}

func TestPaymentRefusals(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	other := l.newMember(t, "Les Genêts")
	c := l.issue(t, l.member, 100_00, day(2026, 3, 31))
	theirs := l.issue(t, other, 100_00, day(2026, 3, 31))
	for _, tc := range []struct {
		name  string
		in    PaymentInput
		field string
	}{
		{"zero", PaymentInput{MemberID: l.member.ID, Amount: 0, ReceivedOn: day(2026, 4, 1), Means: payment.MeansCHEQUE}, "amount"},
		{"future", PaymentInput{MemberID: l.member.ID, Amount: 1, ReceivedOn: day(2026, 7, 1), Means: payment.MeansCHEQUE}, "receivedOn"},
		{"means", PaymentInput{MemberID: l.member.ID, Amount: 1, ReceivedOn: day(2026, 4, 1), Means: "CASH"}, "means"},
		{"allocations over the payment", PaymentInput{MemberID: l.member.ID, Amount: 10_00, ReceivedOn: day(2026, 4, 1), Means: payment.MeansCHEQUE,
			Allocations: []*AllocationInput{{c.ID, 20_00}}}, "allocations"},
		{"more than the call asks", PaymentInput{MemberID: l.member.ID, Amount: 200_00, ReceivedOn: day(2026, 4, 1), Means: payment.MeansCHEQUE,
			Allocations: []*AllocationInput{{c.ID, 150_00}}}, "allocations[0].amount"},
		{"another member's call", PaymentInput{MemberID: l.member.ID, Amount: 100_00, ReceivedOn: day(2026, 4, 1), Means: payment.MeansCHEQUE,
			Allocations: []*AllocationInput{{theirs.ID, 100_00}}}, "allocations[0].callForFundsId"},
	} {
		_, err := l.svc.Record(l.staff, tc.in)
		var e *communs.Error
		if !errors.As(err, &e) || e.Code != communs.EINVALID || e.Field != tc.field {
			t.Errorf("%s: %v, want INVALID_INPUT on %s", tc.name, err, tc.field)
		}
	}
	l.wantSettlement(t, c, 0, callforfunds.PaymentStatusUNPAID)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := communs.ErrorCode(err); got != code {
		t.Fatalf("error %v (code %q), want %s", err, got, code)
	}
}
