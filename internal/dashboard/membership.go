// Package dashboard computes the views over time of the groupement's
// dashboards that the rows alone do not give: the members by category on
// any date (from the category history), each resource's budget against its
// actual costs over years, the charges per member category per quarter, and
// the actual cost per unit declared. The grouped counts and sums of single
// entities are the generic aggregates (internal/aggregate).
package dashboard

import (
	"context"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/member"
	"communs/ent/membercategorychange"
	"communs/internal/aggregate"
	"communs/internal/calendar"
)

// MaxPoints bounds the dates of a series.
const MaxPoints = 120

// MembershipPoint is the groupement's members on a date, by category.
type MembershipPoint struct {
	Date                         time.Time
	Founder, Active, User, Total int
}

// MembershipByCategory counts the members on from, then every unit until
// to: those who had joined and not left, in the category in force that
// day. Members' rows are read through the privacy rules.
func MembershipByCategory(ctx context.Context, client *ent.Client, from, to time.Time, every aggregate.Unit) ([]MembershipPoint, error) {
	dates, err := series(calendar.Day(from), calendar.Day(to), every)
	if err != nil {
		return nil, err
	}
	members, err := client.Member.Query().
		Where(member.JoinedOnLTE(dates[len(dates)-1]), member.Or(member.LeftOnIsNil(), member.LeftOnGT(dates[0]))).
		WithCategoryChanges(func(q *ent.MemberCategoryChangeQuery) {
			q.Order(ent.Asc(membercategorychange.FieldEffectiveOn), ent.Asc(membercategorychange.FieldCreatedAt))
		}).All(ctx)
	if err != nil {
		return nil, err
	}
	points := make([]MembershipPoint, len(dates))
	for i, day := range dates {
		p := &points[i]
		p.Date = day
		for _, m := range members {
			if calendar.Day(m.JoinedOn).After(day) || (m.LeftOn != nil && !calendar.Day(*m.LeftOn).After(day)) {
				continue
			}
			switch CategoryOn(m, m.Edges.CategoryChanges, day) {
			case member.CategoryFOUNDER:
				p.Founder++
			case member.CategoryACTIVE:
				p.Active++
			case member.CategoryUSER:
				p.User++
			}
			p.Total++
		}
	}
	return points, nil
}

// CategoryOn is the category of m on day: the one of the latest change
// effective on or before it; before the first change, the category it
// changed from; without any change, the member's category. changes are
// m's, by effective day then creation.
func CategoryOn(m *ent.Member, changes []*ent.MemberCategoryChange, day time.Time) member.Category {
	category := m.Category
	if len(changes) > 0 && changes[0].FromCategory != nil {
		category = member.Category(*changes[0].FromCategory)
	}
	for _, c := range changes {
		if calendar.Day(c.EffectiveOn).After(day) {
			break
		}
		category = member.Category(c.ToCategory)
	}
	return category
}

// series is from, then every unit after it until to, at most MaxPoints.
func series(from, to time.Time, every aggregate.Unit) ([]time.Time, error) {
	step := map[aggregate.Unit][3]int{
		aggregate.Day: {0, 0, 1}, aggregate.Month: {0, 1, 0}, aggregate.Quarter: {0, 3, 0}, aggregate.Year: {1, 0, 0},
	}[every]
	if step == [3]int{} {
		return nil, communs.InvalidField("every", "unknown unit %q", every)
	}
	if to.Before(from) {
		return nil, communs.InvalidField("to", "must not come before from")
	}
	var dates []time.Time
	for i := 0; ; i++ {
		d := from.AddDate(i*step[0], i*step[1], i*step[2])
		if d.After(to) {
			return dates, nil
		}
		if len(dates) == MaxPoints {
			return nil, communs.InvalidField("to", "at most %d dates: take a larger unit or a shorter range", MaxPoints)
		}
		dates = append(dates, d)
	}
}
