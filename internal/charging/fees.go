package charging

import (
	"context"
	"fmt"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/charge"
	"communs/ent/member"
	"communs/ent/membercategorychange"
	"communs/ent/membershipfee"
	"communs/ent/schema/schematype"
	"communs/internal/calendar"
	"communs/internal/money"
	"communs/internal/txn"
)

// MaxFee bounds the yearly membership fee (10 million euros): far above
// any real fee, and low enough that fee × days never overflows.
const MaxFee = 1_000_000_000

// SetMembershipFee sets the yearly fee of ACTIVE members for year, under
// the caller's ctx. Changing it after the FEES step ran is allowed: running
// FEES again charges or credits the difference.
func SetMembershipFee(ctx context.Context, client *ent.Client, year int, amount int64) (*ent.MembershipFee, error) {
	if err := checkFiscalYear(year); err != nil {
		return nil, err
	}
	if amount < 0 || amount > MaxFee {
		return nil, communs.InvalidField("amount", "a fee between 0 and 10000000.00")
	}
	var fee *ent.MembershipFee
	err := txn.Run(ctx, client, func(ctx context.Context, tx *ent.Client) error {
		current, err := tx.MembershipFee.Query().Where(membershipfee.FiscalYear(year)).Only(ctx)
		switch {
		case ent.IsNotFound(err):
			fee, err = tx.MembershipFee.Create().SetFiscalYear(year).SetAmount(amount).Save(ctx)
		case err == nil:
			fee, err = tx.MembershipFee.UpdateOne(current).SetAmount(amount).Save(ctx)
		}
		return err
	})
	if ent.IsConstraintError(err) {
		return nil, communs.Errorf(communs.ECONFLICT, "the fee of %d was set at the same time: read it and try again", year)
	}
	return fee, err
}

// FeeShare is the part of the yearly fee due for days of the year's
// daysInYear as an ACTIVE member: fee × days / daysInYear, rounded half
// away from zero to the cent (pro rata temporis).
func FeeShare(fee int64, days, daysInYear int) int64 {
	if days <= 0 || daysInYear <= 0 || fee <= 0 {
		return 0
	}
	return money.Fraction(fee, int64(days), int64(daysInYear))
}

// ActiveDays counts the days of year on which the member belonged to the
// groupement (from joined_on to left_on, both included) in the ACTIVE
// category. The category of a day is the one of the latest change
// effective on or before it; before the first change, the category it
// changed from (or, without any change, the member's category). A
// suspension does not stop the fee: the member still belongs.
func ActiveDays(year int, m *ent.Member, changes []*ent.MemberCategoryChange) int {
	first, last := calendar.YearBounds(year)
	from, to := maxTime(first, m.JoinedOn), last
	if m.LeftOn != nil && m.LeftOn.Before(to) {
		to = *m.LeftOn
	}
	category := string(m.Category)
	if len(changes) > 0 {
		category = ""
		if c := changes[0].FromCategory; c != nil {
			category = string(*c)
		}
	}
	days, next := 0, 0
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		for next < len(changes) && !changes[next].EffectiveOn.After(d) {
			category = string(changes[next].ToCategory)
			next++
		}
		if category == string(member.CategoryACTIVE) {
			days++
		}
	}
	return days
}

// planFees plans the FEES step: each member ACTIVE during the year owes
// FeeShare of the year's fee for its days as an ACTIVE member.
func planFees(ctx context.Context, tx *ent.Client, year int, _ Step, progress func(done, total int)) (*plan, error) {
	fee, err := tx.MembershipFee.Query().Where(membershipfee.FiscalYear(year)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, communs.Errorf(communs.EINVALID, "no membership fee is set for %d: set it first", year)
	}
	if err != nil {
		return nil, err
	}
	first, last := calendar.YearBounds(year)
	members, err := tx.Member.Query().
		Where(member.JoinedOnLTE(last), member.Or(member.LeftOnIsNil(), member.LeftOnGTE(first))).
		WithCategoryChanges(func(q *ent.MemberCategoryChangeQuery) {
			q.Order(ent.Asc(membercategorychange.FieldEffectiveOn), ent.Asc(membercategorychange.FieldCreatedAt))
		}).
		Order(ent.Asc(member.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	daysInYear := int(last.Sub(first)/(24*time.Hour)) + 1
	p := &plan{}
	for i, m := range members {
		days := ActiveDays(year, m, m.Edges.CategoryChanges)
		if amount := FeeShare(fee.Amount, days, daysInYear); amount != 0 {
			p.targets = append(p.targets, target{
				memberID: m.ID, kind: charge.KindMEMBERSHIP_FEE, amount: amount,
				label: fmt.Sprintf("Cotisation %d (%d/%d jours comme membre actif)", year, days, daysInYear),
				basis: schematype.ChargeBasis{
					MemberWeight: int64(days), TotalWeight: int64(daysInYear), BaseAmount: fee.Amount,
					Note: fmt.Sprintf("cotisation annuelle %s € au prorata des jours comme membre actif", money.Format(fee.Amount)),
				},
				explanation: fmt.Sprintf("Cotisation annuelle %s × %d jours comme membre actif sur %d = %s",
					money.French(fee.Amount), days, daysInYear, money.French(amount)),
			})
		}
		if progress != nil {
			progress(i+1, len(members))
		}
	}
	return p, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
