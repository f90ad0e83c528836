// Package payments records the money members pay the groupement and keeps
// the settlement of their calls for funds: payments and their reversing
// entries, their allocation to calls (oldest first, or as the groupement
// says), the members' credits, account statements, the import of bank
// statements, the accounting journal and the reminders of calls overdue.
package payments

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/callforfunds"
	"communs/ent/payment"
	"communs/ent/paymentallocation"
	"communs/ent/schema/pulid"
	"communs/internal/calendar"
	"communs/internal/money"
	"communs/internal/txn"
	"communs/internal/viewer"

	"entgo.io/ent/dialect/sql"
)

// Service records payments over one database.
type Service struct {
	client *ent.Client
	now    func() time.Time
	// Accounts are those of the accounting export.
	Accounts Accounts
}

// New returns the payments service over client, with the default accounts.
func New(client *ent.Client) *Service {
	return &Service{client: client, now: time.Now, Accounts: DefaultAccounts()}
}

// db is the client of the request's transaction, or the service's own.
func (s *Service) db(ctx context.Context) *ent.Client { return txn.Client(ctx, s.client) }

// today is the calendar day in Paris, as a date field holds it.
func (s *Service) today() time.Time { return calendar.DayInParis(s.now()) }

// AllocationInput puts part of a payment on one call for funds.
type AllocationInput struct {
	CallForFundsID pulid.ID
	Amount         int64
}

// PaymentInput is a payment received (recordPayment).
type PaymentInput struct {
	MemberID      pulid.ID
	Amount        int64
	ReceivedOn    time.Time
	Means         payment.Means
	BankReference *string
	Label         *string
	// Allocations, if any, say which calls the payment settles first; the
	// rest settles the member's other open calls, oldest first, and what
	// is left is kept as a credit.
	Allocations []*AllocationInput
}

const maxTextLength = 300

// Record records a payment and settles the member's calls with it.
func (s *Service) Record(ctx context.Context, in PaymentInput) (*ent.Payment, error) {
	if err := s.check(in); err != nil {
		return nil, err
	}
	var p *ent.Payment
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		var err error
		p, err = s.record(ctx, tx, in, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, p), nil
}

// check validates a payment before anything is written.
func (s *Service) check(in PaymentInput) error {
	switch {
	case in.Amount <= 0:
		return communs.InvalidField("amount", "a payment is a positive amount; undo one with reversePayment")
	case in.ReceivedOn.IsZero():
		return communs.InvalidField("receivedOn", "required: the day the money was received")
	case calendar.Day(in.ReceivedOn).After(s.today()):
		return communs.InvalidField("receivedOn", "a payment is recorded once received, not before (%s)", s.today().Format(time.DateOnly))
	case payment.MeansValidator(in.Means) != nil:
		return communs.InvalidField("means", "TRANSFER, CHEQUE or DIRECT_DEBIT")
	case len([]rune(text(in.BankReference))) > 100:
		return communs.InvalidField("bankReference", "at most 100 characters")
	case len([]rune(text(in.Label))) > maxTextLength:
		return communs.InvalidField("label", "at most %d characters", maxTextLength)
	}
	var total int64
	for i, a := range in.Allocations {
		if a.Amount <= 0 {
			return communs.InvalidField(fmt.Sprintf("allocations[%d].amount", i), "a positive amount")
		}
		total += a.Amount
	}
	if total > in.Amount {
		return communs.InvalidField("allocations", "they add up to %s, more than the payment (%s)", money.Format(total), money.Format(in.Amount))
	}
	return nil
}

func text(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// record writes the payment (importKey: the bank line it comes from, if
// any) and settles the member's calls, in tx.
func (s *Service) record(ctx context.Context, tx *ent.Client, in PaymentInput, importKey *string) (*ent.Payment, error) {
	if err := lockMember(ctx, tx, in.MemberID); err != nil {
		return nil, err
	}
	by := viewer.Label(ctx)
	p, err := tx.Payment.Create().
		SetMemberID(in.MemberID).SetReceivedOn(calendar.Day(in.ReceivedOn)).SetAmount(in.Amount).
		SetMeans(in.Means).SetBankReference(text(in.BankReference)).SetLabel(text(in.Label)).
		SetCreatedBy(by).SetNillableImportKey(importKey).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	today := s.today()
	plan, err := explicitPlan(ctx, tx, in)
	if err != nil {
		return nil, err
	}
	if err := allocate(ctx, tx, in.MemberID, &p.ID, by, today, plan); err != nil {
		return nil, err
	}
	if err := useCredit(ctx, tx, in.MemberID, &p.ID, by, today); err != nil {
		return nil, err
	}
	return p, RefreshStatuses(ctx, tx, today, in.MemberID)
}

// lockMember reads the member as the viewer sees it (not found otherwise)
// and, on PostgreSQL, locks it until the transaction ends, so that two
// payments of one member settle its calls one after the other.
func lockMember(ctx context.Context, tx *ent.Client, memberID pulid.ID) error {
	_, err := tx.Member.Query().Where(func(s *sql.Selector) {
		s.Where(sql.EQ(s.C("id"), string(memberID)))
		txn.LockedForUpdate(s)
	}).Only(ctx)
	if ent.IsNotFound(err) {
		return communs.Errorf(communs.ENOTFOUND, "member %s not found", memberID)
	}
	return err
}

// explicitPlan checks the allocations the groupement chose: calls of the
// member, still open, each given at most what it still asks.
func explicitPlan(ctx context.Context, tx *ent.Client, in PaymentInput) ([]allocation, error) {
	var plan []allocation
	for i, a := range in.Allocations {
		field := fmt.Sprintf("allocations[%d].callForFundsId", i)
		call, err := tx.CallForFunds.Query().
			Where(callforfunds.ID(a.CallForFundsID), callforfunds.MemberID(in.MemberID)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil, communs.InvalidField(field, "no call for funds %s of this member", a.CallForFundsID)
		}
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(plan, func(p allocation) bool { return p.call.ID == call.ID }) {
			return nil, communs.InvalidField(field, "%s is named twice", call.Number)
		}
		if due := call.Total - call.Paid; a.Amount > due {
			return nil, communs.InvalidField(fmt.Sprintf("allocations[%d].amount", i),
				"%s asks %s more, not %s", call.Number, money.Format(max(due, 0)), money.Format(a.Amount))
		}
		plan = append(plan, allocation{call, a.Amount})
	}
	return plan, nil
}

// Reverse undoes a payment with a reversing entry (the ledger is
// append-only): a negative payment naming it, with the reason. What the
// payment settled is taken back, its own allocations first, then the
// latest ones, so that the calls it paid are open again.
func (s *Service) Reverse(ctx context.Context, paymentID pulid.ID, reason string) (*ent.Payment, error) {
	reason = strings.TrimSpace(reason)
	switch n := len([]rune(reason)); {
	case n == 0:
		return nil, communs.InvalidField("reason", "required: why the payment is undone (cheque returned, recorded twice…)")
	case n > 500:
		return nil, communs.InvalidField("reason", "at most 500 characters")
	}
	var reversal *ent.Payment
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		p, err := tx.Payment.Query().Where(payment.ID(paymentID)).WithReversal().Only(ctx)
		switch {
		case ent.IsNotFound(err):
			return communs.Errorf(communs.ENOTFOUND, "payment %s not found", paymentID)
		case err != nil:
			return err
		case p.ReversesID != nil:
			return communs.Errorf(communs.ECONFLICT, "%s is a reversing entry itself: record the payment again instead", p.ID)
		case p.Edges.Reversal != nil:
			return communs.Errorf(communs.ECONFLICT, "the payment was reversed already, by %s", p.Edges.Reversal.ID)
		}
		if err := lockMember(ctx, tx, p.MemberID); err != nil {
			return err
		}
		today := s.today()
		reversal, err = tx.Payment.Create().
			SetMemberID(p.MemberID).SetReceivedOn(today).SetAmount(-p.Amount).SetMeans(p.Means).
			SetBankReference(p.BankReference).SetLabel("Contre-passation du paiement du " + p.ReceivedOn.Format("02/01/2006")).
			SetReversesID(p.ID).SetReason(reason).SetCreatedBy(viewer.Label(ctx)).
			Save(ctx)
		if err != nil {
			return err
		}
		if err := takeBack(ctx, tx, p, reversal.ID, today); err != nil {
			return err
		}
		return RefreshStatuses(ctx, tx, today, p.MemberID)
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, reversal), nil
}

// takeBack undoes allocations until the member's credit is no longer
// negative: first those of the reversed payment p, then the latest calls
// paid.
func takeBack(ctx context.Context, tx *ent.Client, p *ent.Payment, reversalID pulid.ID, today time.Time) error {
	credits, err := Credits(ctx, tx, p.MemberID)
	if err != nil {
		return err
	}
	deficit := -credits[p.MemberID]
	if deficit <= 0 {
		return nil
	}
	fromPayment, err := allocatedBy(ctx, tx, p.ID)
	if err != nil {
		return err
	}
	paidCalls, err := tx.CallForFunds.Query().
		Where(callforfunds.MemberID(p.MemberID), callforfunds.PaidGT(0)).
		Order(ent.Desc(callforfunds.FieldIssuedOn), ent.Desc(callforfunds.FieldFiscalYear), ent.Desc(callforfunds.FieldSequence)).
		All(ctx)
	if err != nil {
		return err
	}
	// What p paid first, then the others, latest first.
	var plan []allocation
	taken := map[pulid.ID]int64{}
	for _, limit := range []func(*ent.CallForFunds) int64{
		func(c *ent.CallForFunds) int64 { return max(fromPayment[c.ID], 0) },
		func(c *ent.CallForFunds) int64 { return c.Paid - taken[c.ID] },
	} {
		for _, c := range paidCalls {
			part := min(deficit, limit(c))
			if part <= 0 {
				continue
			}
			taken[c.ID] += part
			deficit -= part
		}
	}
	for _, c := range paidCalls {
		if taken[c.ID] > 0 {
			plan = append(plan, allocation{c, -taken[c.ID]})
		}
	}
	return allocate(ctx, tx, p.MemberID, &reversalID, viewer.Label(ctx), today, plan)
}

// allocatedBy is what payment id put, net, on each call.
func allocatedBy(ctx context.Context, tx *ent.Client, id pulid.ID) (map[pulid.ID]int64, error) {
	rows, err := tx.PaymentAllocation.Query().Where(paymentallocation.PaymentID(id)).All(ctx)
	out := map[pulid.ID]int64{}
	for _, a := range rows {
		out[a.CallForFundsID] += a.Amount
	}
	return out, err
}
