package seed

import (
	"context"
	"fmt"
	"time"

	"communs/ent/payment"
	"communs/internal/calendar"
	"communs/internal/payments"
)

// demoPayment is money a member sent ahead of its calls for funds: the
// demo has no call yet, so each is kept as a credit, which pays the
// member's first call as soon as a charge step issues it.
type demoPayment struct {
	member, received, reference, label string
	amount                             int64
	means                              payment.Means
}

var demoPayments = []demoPayment{
	{"genets-morvan", "2026-01-20", "VIR-2026-0042", "Avance sur les provisions 2026", 2_500_00, payment.MeansTRANSFER},
	{"genets-morvan", "2026-02-16", "VIR-2026-0077", "Avance sur les provisions 2026", 1_500_00, payment.MeansTRANSFER},
	{"abri-montagnard", "2026-02-03", "CHQ 4471203", "Chèque n° 4471203", 350_00, payment.MeansCHEQUE},
	{"horizons-solidaires", "2026-01-31", "PRLV-SEPA-2026-01", "Prélèvement SEPA", 800_00, payment.MeansDIRECT_DEBIT},
}

// loadPayments records the demo payments, found again by their member and
// bank reference.
func (l *loader) loadPayments(ctx context.Context) (added, present int, err error) {
	for _, p := range demoPayments {
		memberID := l.members[p.member]
		exists, err := l.db.Payment.Query().
			Where(payment.MemberID(memberID), payment.BankReference(p.reference)).Exist(ctx)
		if err != nil {
			return added, present, err
		}
		if exists {
			present++
			continue
		}
		err = l.db.Payment.Create().SetMemberID(memberID).SetReceivedOn(day(p.received)).
			SetAmount(p.amount).SetMeans(p.means).SetBankReference(p.reference).SetLabel(p.label).
			SetCreatedBy("demo").Exec(ctx)
		if err != nil {
			return added, present, fmt.Errorf("%s, payment %s: %w", p.member, p.reference, err)
		}
		if err := payments.RefreshStatuses(ctx, l.db, calendar.DayInParis(time.Now()), memberID); err != nil {
			return added, present, err
		}
		added++
	}
	return added, present, nil
}
