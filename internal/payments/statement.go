package payments

import (
	"cmp"
	"context"
	"slices"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/callforfunds"
	"communs/ent/member"
	"communs/ent/payment"
	"communs/ent/schema/pulid"
)

// Kinds of the lines of an account statement.
const (
	LineCallForFunds = "CALL_FOR_FUNDS" // a call: a debit, or a credit when it gives back
	LinePayment      = "PAYMENT"        // money received: a credit
	LineReversal     = "REVERSAL"       // a payment undone: a debit
)

// Statement is a member's account with the groupement: its calls for
// funds and payments in order, with the running balance.
type Statement struct {
	Member *ent.Member
	// AsOf is the day the statement is drawn up (days overdue count to it).
	AsOf  time.Time
	Lines []StatementLine
	// Called is Σ of the calls (credits deducted), Paid Σ of the payments
	// (reversals deducted).
	Called, Paid int64
	// Balance is Called − Paid: what the member owes, negative when the
	// groupement owes it (its credit).
	Balance int64
	// Due is what the open calls still ask; Credit what the member paid
	// ahead. One of them is zero: a credit pays the open calls at once.
	Due, Credit int64
	// DaysOverdue counts the days since the due date of the oldest open
	// call past due; 0 when none is.
	DaysOverdue int
	// OpenCalls are the calls not yet paid, oldest first.
	OpenCalls []*ent.CallForFunds
}

// StatementLine is a call for funds or a payment in the account.
type StatementLine struct {
	On            time.Time
	Kind          string
	Reference     string // the call's number, the payment's bank reference
	Label         string
	Debit, Credit int64
	// Balance is the balance after the line.
	Balance       int64
	DueOn         *time.Time
	PaymentStatus *callforfunds.PaymentStatus
	CallForFunds  *ent.CallForFunds
	Payment       *ent.Payment
}

// Statement draws up the account of memberID as the viewer may read it:
// a member's people their own, the groupement's staff every member's.
func (s *Service) Statement(ctx context.Context, memberID pulid.ID) (*Statement, error) {
	db := s.db(ctx)
	m, err := db.Member.Query().Where(member.ID(memberID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, communs.Errorf(communs.ENOTFOUND, "member %s not found", memberID)
	}
	if err != nil {
		return nil, err
	}
	calls, err := db.CallForFunds.Query().Where(callforfunds.MemberID(memberID)).
		Order(ent.Asc(callforfunds.FieldIssuedOn), ent.Asc(callforfunds.FieldFiscalYear), ent.Asc(callforfunds.FieldSequence)).
		All(ctx)
	if err != nil {
		return nil, err
	}
	paid, err := db.Payment.Query().Where(payment.MemberID(memberID)).
		Order(ent.Asc(payment.FieldReceivedOn), ent.Asc(payment.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	return drawUp(m, s.today(), calls, paid), nil
}

// drawUp builds the statement of m from its calls and payments.
func drawUp(m *ent.Member, today time.Time, calls []*ent.CallForFunds, paid []*ent.Payment) *Statement {
	st := &Statement{Member: m, AsOf: today}
	for _, c := range calls {
		l := StatementLine{On: c.IssuedOn, Kind: LineCallForFunds, Reference: c.Number,
			Label: "Appel de fonds " + c.Number, DueOn: c.DueOn, PaymentStatus: &c.PaymentStatus, CallForFunds: c}
		debitOrCredit(&l, c.Total)
		st.Lines = append(st.Lines, l)
		st.Called += c.Total
		if c.Total > 0 && c.PaymentStatus != callforfunds.PaymentStatusPAID {
			st.OpenCalls = append(st.OpenCalls, c)
			st.Due += c.Total - c.Paid
			if c.DueOn != nil && c.DueOn.Before(today) {
				st.DaysOverdue = max(st.DaysOverdue, int(today.Sub(*c.DueOn).Hours()/24))
			}
		}
	}
	for _, p := range paid {
		l := StatementLine{On: p.ReceivedOn, Kind: LinePayment, Reference: p.BankReference, Label: p.Label, Payment: p}
		if p.ReversesID != nil {
			l.Kind = LineReversal
		}
		debitOrCredit(&l, -p.Amount)
		st.Lines = append(st.Lines, l)
		st.Paid += p.Amount
	}
	// In date order; on one day, calls before the money that pays them.
	slices.SortStableFunc(st.Lines, func(a, b StatementLine) int {
		return cmp.Or(a.On.Compare(b.On), cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)))
	})
	var balance int64
	for i := range st.Lines {
		balance += st.Lines[i].Debit - st.Lines[i].Credit
		st.Lines[i].Balance = balance
	}
	st.Balance = st.Called - st.Paid
	st.Credit = st.Due - st.Balance
	return st
}

func kindOrder(kind string) int {
	return slices.Index([]string{LineCallForFunds, LineReversal, LinePayment}, kind)
}

// debitOrCredit writes amount (positive: the member owes more) in the
// debit or the credit column.
func debitOrCredit(l *StatementLine, amount int64) {
	if amount >= 0 {
		l.Debit = amount
		return
	}
	l.Credit = -amount
}
