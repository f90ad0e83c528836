package charging

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"communs/ent"
	"communs/ent/charge"
	"communs/ent/schema/pulid"
	"communs/ent/schema/schematype"
	"communs/ent/servicerequest"
	"communs/ent/timeentry"
	"communs/internal/calendar"
	"communs/internal/money"
)

// TimeAmount is the price of time in cents: Σ minutes × hourly rate (in
// cents) divided by 60, rounded half away from zero once for the whole sum
// so that splitting the time into entries never changes the price.
func TimeAmount(minutesTimesRate int64) int64 {
	return money.Fraction(minutesTimesRate, 1, 60)
}

// OverrunTolerancePercent is how far, in percent, the time spent on a
// service may exceed its estimate and still be billed: beyond it, billing
// stops at the ceiling until the member's administrator agrees to a
// revised estimate.
const OverrunTolerancePercent = 10

// BillingCeiling is the most a service estimated at estimate is billed:
// the estimate plus the tolerance, rounded down to the cent.
func BillingCeiling(estimate int64) int64 {
	return estimate + estimate*OverrunTolerancePercent/100
}

// Overrun is a service whose time spent went past its billing ceiling.
type Overrun struct {
	ServiceRequestID pulid.ID
	Title            string
	Estimated        int64
	Spent            int64
	// Withheld is what is not billed until the member agrees to a revised
	// estimate: Spent − the ceiling.
	Withheld int64
}

// planServices plans the SERVICES step: each service request is billed the
// time spent on it during the year (worked_on in the year), as a
// STARTUP_SERVICE or SUPPLEMENTARY_SERVICE line, up to its BillingCeiling
// (what goes beyond is reported in Overruns). A supplementary service
// is billed only for the time worked on or after the day of the member's
// agreement; earlier time is reported in Unbilled, never billed.
func planServices(ctx context.Context, tx *ent.Client, year int, _ Step, progress func(done, total int)) (*plan, error) {
	first := time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)
	next := first.AddDate(1, 0, 0)
	entries, err := tx.TimeEntry.Query().
		Where(timeentry.WorkedOnGTE(first), timeentry.WorkedOnLT(next)).
		WithServiceRequest().
		Order(ent.Asc(timeentry.FieldServiceRequestID), ent.Asc(timeentry.FieldWorkedOn), ent.Asc(timeentry.FieldID)).
		All(ctx)
	if err != nil {
		return nil, err
	}
	p := &plan{}
	byRequest := make(map[pulid.ID]*serviceTime)
	for _, e := range entries {
		req := e.Edges.ServiceRequest
		st := byRequest[req.ID]
		if st == nil {
			st = &serviceTime{request: req}
			byRequest[req.ID] = st
		}
		if !billable(req, e) {
			st.unbilled += e.Minutes
			continue
		}
		st.minutes += e.Minutes
		st.value += int64(e.Minutes) * e.HourlyRate
	}
	ids := sortedKeys(byRequest)
	for i, id := range ids {
		st := byRequest[id]
		if st.unbilled > 0 {
			p.report.Unbilled = append(p.report.Unbilled, Unbilled{
				ServiceRequestID: id, Title: st.request.Title, Minutes: st.unbilled,
				Reason: "temps passé avant l'accord préalable du membre",
			})
		}
		t := st.target(year)
		if est := st.request.EstimatedAmount; est != nil && t.amount > BillingCeiling(*est) {
			p.report.Overruns = append(p.report.Overruns, Overrun{ServiceRequestID: id, Title: st.request.Title,
				Estimated: *est, Spent: t.amount, Withheld: t.amount - BillingCeiling(*est)})
			t.amount = BillingCeiling(*est)
			t.explanation += fmt.Sprintf(" ; dépassement de plus de %d %% de l'estimation de %s : facturé %s "+
				"en attendant l'accord du membre sur une estimation révisée", OverrunTolerancePercent, money.French(*est), money.French(t.amount))
		}
		p.targets = append(p.targets, t)
		if progress != nil {
			progress(i+1, len(ids))
		}
	}
	return p, nil
}

// serviceTime is the time of one request in the year.
type serviceTime struct {
	request  *ent.ServiceRequest
	minutes  int
	value    int64 // Σ minutes × hourly rate
	unbilled int   // minutes before the agreement
}

func (st *serviceTime) target(year int) target {
	req := st.request
	kind, what := charge.KindSTARTUP_SERVICE, "Prestation de démarrage"
	if req.Kind == servicerequest.KindSUPPLEMENTARY {
		kind, what = charge.KindSUPPLEMENTARY_SERVICE, "Prestation complémentaire"
	}
	amount := TimeAmount(st.value)
	note := fmt.Sprintf("%d min passées en %d, au taux horaire de chaque saisie", st.minutes, year)
	if req.EstimatedAmount != nil {
		note += fmt.Sprintf(" ; estimation %s €", money.Format(*req.EstimatedAmount))
	}
	id := req.ID
	return target{
		memberID: req.MemberID, serviceRequestID: &id, kind: kind, amount: amount,
		label: fmt.Sprintf("%s %d — %s (%s)", what, year, req.Title, hoursText(st.minutes)),
		basis: schematype.ChargeBasis{BaseAmount: amount, Note: note},
		explanation: fmt.Sprintf("%s de travail en %d, au taux horaire de chaque saisie = %s",
			hoursText(st.minutes), year, money.French(amount)),
	}
}

// billable tells whether a time entry may be billed: always for a startup
// service; for a supplementary service, only once the member agreed.
func billable(req *ent.ServiceRequest, e *ent.TimeEntry) bool {
	if req.Kind != servicerequest.KindSUPPLEMENTARY {
		return true
	}
	return req.AgreedAt != nil && !e.WorkedOn.Before(calendar.DayInParis(*req.AgreedAt))
}

// hoursText writes minutes as "3 h 05".
func hoursText(minutes int) string { return fmt.Sprintf("%d h %02d", minutes/60, minutes%60) }

// Billed is what was charged for each of the service requests ids,
// corrections included, under the caller's ctx (row isolation applies),
// in one query; a request without charges is absent (zero).
func Billed(ctx context.Context, client *ent.Client, ids []pulid.ID) (map[pulid.ID]int64, error) {
	var rows []struct {
		ID  pulid.ID      `json:"service_request_id"`
		Sum sql.NullInt64 `json:"sum"`
	}
	err := client.Charge.Query().Where(charge.ServiceRequestIDIn(ids...)).
		GroupBy(charge.FieldServiceRequestID).Aggregate(ent.Sum(charge.FieldAmount)).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	billed := make(map[pulid.ID]int64, len(rows))
	for _, r := range rows {
		billed[r.ID] = r.Sum.Int64
	}
	return billed, nil
}
