package payments

import (
	"cmp"
	"context"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"communs/ent"
	"communs/ent/callforfunds"
	"communs/ent/member"
	"communs/ent/payment"
	"communs/ent/paymentallocation"
	"communs/ent/predicate"
	"communs/ent/schema/pulid"
	"communs/internal/viewer"
)

// The settlement of a member's calls for funds. A member's credit is what
// it paid, plus the calls that give back (a negative total, such as a
// regularisation in its favour), less what was allocated to calls. The
// credit is always used, oldest call first, as soon as money moves (a
// payment, a reversal, a call issued): a member never holds a credit
// while a call of its own stays open.

// openCalls are a member's calls that still ask for money, oldest first.
func openCalls(ctx context.Context, tx *ent.Client, memberID pulid.ID) ([]*ent.CallForFunds, error) {
	return tx.CallForFunds.Query().
		Where(callforfunds.MemberID(memberID), callforfunds.TotalGT(0),
			callforfunds.PaymentStatusNEQ(callforfunds.PaymentStatusPAID)).
		Order(ent.Asc(callforfunds.FieldIssuedOn), ent.Asc(callforfunds.FieldFiscalYear), ent.Asc(callforfunds.FieldSequence)).
		All(ctx)
}

// memberSums adds up, per member (all members when ids is empty), a money
// column of the rows where selects.
func memberSums(ctx context.Context, tx *ent.Client, table, column string, where func(*sql.Selector), ids []pulid.ID) (map[pulid.ID]int64, error) {
	var rows []struct {
		MemberID pulid.ID `json:"member_id"`
		Sum      int64    `json:"sum"`
	}
	scan := func(s *sql.Selector) {
		if where != nil {
			where(s)
		}
		if len(ids) > 0 {
			s.Where(sql.In(s.C("member_id"), anys(ids)...))
		}
	}
	var err error
	switch table {
	case payment.Table:
		err = tx.Payment.Query().Where(scan).GroupBy(payment.FieldMemberID).
			Aggregate(ent.As(ent.Sum(column), "sum")).Scan(ctx, &rows)
	case paymentallocation.Table:
		err = tx.PaymentAllocation.Query().Where(scan).GroupBy(paymentallocation.FieldMemberID).
			Aggregate(ent.As(ent.Sum(column), "sum")).Scan(ctx, &rows)
	default:
		err = tx.CallForFunds.Query().Where(scan).GroupBy(callforfunds.FieldMemberID).
			Aggregate(ent.As(ent.Sum(column), "sum")).Scan(ctx, &rows)
	}
	sums := make(map[pulid.ID]int64, len(rows))
	for _, r := range rows {
		sums[r.MemberID] = r.Sum
	}
	return sums, err
}

func anys(ids []pulid.ID) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}

// Credits are the members' credits (ids: those members; none: every
// member), as Payments, negative calls and allocations give them.
func Credits(ctx context.Context, tx *ent.Client, ids ...pulid.ID) (map[pulid.ID]int64, error) {
	paid, err := memberSums(ctx, tx, payment.Table, payment.FieldAmount, nil, ids)
	if err != nil {
		return nil, err
	}
	givenBack, err := memberSums(ctx, tx, callforfunds.Table, callforfunds.FieldTotal,
		func(s *sql.Selector) { s.Where(sql.LT(s.C(callforfunds.FieldTotal), 0)) }, ids)
	if err != nil {
		return nil, err
	}
	allocated, err := memberSums(ctx, tx, paymentallocation.Table, paymentallocation.FieldAmount, nil, ids)
	if err != nil {
		return nil, err
	}
	credits := map[pulid.ID]int64{}
	for id, v := range paid {
		credits[id] += v
	}
	for id, v := range givenBack {
		credits[id] -= v
	}
	for id, v := range allocated {
		credits[id] -= v
	}
	return credits, nil
}

// allocation is money put on (or, negative, taken off) a call.
type allocation struct {
	call   *ent.CallForFunds
	amount int64
}

// allocate writes the allocations, from source (nil: the member's
// credit), and the calls' settlement.
func allocate(ctx context.Context, tx *ent.Client, memberID pulid.ID, source *pulid.ID, by string, today time.Time, allocations []allocation) error {
	for _, a := range allocations {
		if a.amount == 0 {
			continue
		}
		err := tx.PaymentAllocation.Create().
			SetMemberID(memberID).SetCallForFundsID(a.call.ID).SetNillablePaymentID(source).
			SetAmount(a.amount).SetCreatedBy(by).Exec(ctx)
		if err != nil {
			return err
		}
		if err := settleCall(ctx, tx, a.call, a.call.Paid+a.amount, today); err != nil {
			return err
		}
	}
	return nil
}

// settleCall writes what call has been paid and the status it gives, as
// the platform: nobody writes a settlement by hand.
func settleCall(ctx context.Context, tx *ent.Client, call *ent.CallForFunds, paid int64, today time.Time) error {
	status := callforfunds.PaymentStatusPARTLY_PAID
	switch {
	case paid >= call.Total:
		status = callforfunds.PaymentStatusPAID
	case paid == 0:
		status = callforfunds.PaymentStatusUNPAID
	}
	update := tx.CallForFunds.UpdateOneID(call.ID).SetPaid(paid).SetPaymentStatus(status)
	if status == callforfunds.PaymentStatusPAID {
		update.SetSettledOn(today)
	} else {
		update.ClearSettledOn()
	}
	call.Paid, call.PaymentStatus = paid, status
	return update.Exec(viewer.SystemContext(ctx))
}

// useCredit spends the member's credit on its open calls, oldest first,
// attributing it to source (the payment just received, or nil).
func useCredit(ctx context.Context, tx *ent.Client, memberID pulid.ID, source *pulid.ID, by string, today time.Time) error {
	credits, err := Credits(ctx, tx, memberID)
	if err != nil {
		return err
	}
	credit := credits[memberID]
	if credit <= 0 {
		return nil
	}
	calls, err := openCalls(ctx, tx, memberID)
	if err != nil {
		return err
	}
	var plan []allocation
	for _, c := range calls {
		if credit == 0 {
			break
		}
		part := min(credit, c.Total-c.Paid)
		plan = append(plan, allocation{c, part})
		credit -= part
	}
	return allocate(ctx, tx, memberID, source, by, today, plan)
}

// SettleIssued settles the calls for funds a run has just issued: a call
// that asks nothing (zero or a credit) is PAID at once, and the credit of
// their members pays their open calls. The members' payment statuses
// follow. It runs in the issuing transaction.
func SettleIssued(ctx context.Context, tx *ent.Client, calls []*ent.CallForFunds) error {
	if len(calls) == 0 {
		return nil
	}
	ctx = viewer.SystemContext(ctx)
	var members []pulid.ID
	for _, c := range calls {
		members = append(members, c.MemberID)
		if c.Total > 0 {
			continue
		}
		if err := settleCall(ctx, tx, c, 0, c.IssuedOn); err != nil {
			return err
		}
	}
	slices.Sort(members)
	members = slices.Compact(members)
	for lo := 0; lo < len(members); lo += batch {
		chunk := members[lo:min(lo+batch, len(members))]
		credits, err := Credits(ctx, tx, chunk...)
		if err != nil {
			return err
		}
		for _, id := range chunk {
			if credits[id] <= 0 {
				continue
			}
			if err := useCredit(ctx, tx, id, nil, "", calls[0].IssuedOn); err != nil {
				return err
			}
		}
		if err := RefreshStatuses(ctx, tx, calls[0].IssuedOn, chunk...); err != nil {
			return err
		}
	}
	return nil
}

// batch bounds the members of one statement's IN list.
const batch = 1000

// RefreshStatuses recomputes the payment status of the members ids (none:
// every member that has calls, payments or a status to change) as of
// today: OVERDUE when an open call is past its due date, DUE when calls
// are open, IN_CREDIT when the member holds a credit, UP_TO_DATE
// otherwise. Statuses are derived from the ledgers, not audited.
func RefreshStatuses(ctx context.Context, tx *ent.Client, today time.Time, ids ...pulid.ID) error {
	ctx = viewer.SystemContext(ctx)
	if len(ids) == 0 {
		all, err := tx.Member.Query().IDs(ctx)
		if err != nil {
			return err
		}
		for lo := 0; lo < len(all); lo += batch {
			if err := RefreshStatuses(ctx, tx, today, all[lo:min(lo+batch, len(all))]...); err != nil {
				return err
			}
		}
		return nil
	}
	statuses, err := statusesOf(ctx, tx, today, ids)
	if err != nil {
		return err
	}
	byStatus := map[member.PaymentStatus][]pulid.ID{}
	for _, id := range ids {
		byStatus[statuses[id]] = append(byStatus[statuses[id]], id)
	}
	for _, status := range sortedStatuses(byStatus) {
		err := tx.Member.Update().
			Where(member.IDIn(byStatus[status]...), member.PaymentStatusNEQ(status)).
			SetPaymentStatus(status).Exec(ctx)
		if err != nil {
			return err
		}
	}
	return nil
}

func sortedStatuses(m map[member.PaymentStatus][]pulid.ID) []member.PaymentStatus {
	keys := make([]member.PaymentStatus, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b member.PaymentStatus) int { return cmp.Compare(a, b) })
	return keys
}

// statusesOf computes the payment status of the members ids.
func statusesOf(ctx context.Context, tx *ent.Client, today time.Time, ids []pulid.ID) (map[pulid.ID]member.PaymentStatus, error) {
	open := []predicate.CallForFunds{callforfunds.MemberIDIn(ids...), callforfunds.TotalGT(0),
		callforfunds.PaymentStatusNEQ(callforfunds.PaymentStatusPAID)}
	due, err := membersWith(ctx, tx, open...)
	if err != nil {
		return nil, err
	}
	overdue, err := membersWith(ctx, tx, append(open, callforfunds.DueOnLT(today))...)
	if err != nil {
		return nil, err
	}
	credits, err := Credits(ctx, tx, ids...)
	if err != nil {
		return nil, err
	}
	statuses := make(map[pulid.ID]member.PaymentStatus, len(ids))
	for _, id := range ids {
		switch {
		case overdue[id]:
			statuses[id] = member.PaymentStatusOVERDUE
		case due[id]:
			statuses[id] = member.PaymentStatusDUE
		case credits[id] > 0:
			statuses[id] = member.PaymentStatusIN_CREDIT
		default:
			statuses[id] = member.PaymentStatusUP_TO_DATE
		}
	}
	return statuses, nil
}

// membersWith are the members that have calls for funds matching where.
func membersWith(ctx context.Context, tx *ent.Client, where ...predicate.CallForFunds) (map[pulid.ID]bool, error) {
	ids, err := tx.CallForFunds.Query().Where(where...).Unique(true).Select(callforfunds.FieldMemberID).Strings(ctx)
	set := make(map[pulid.ID]bool, len(ids))
	for _, id := range ids {
		set[pulid.ID(id)] = true
	}
	return set, err
}
