package dashboard

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	"communs/ent"
	"communs/ent/charge"
	"communs/ent/member"
	"communs/ent/membercategorychange"
	"communs/ent/schema/pulid"
	"communs/internal/calendar"
)

// CategoryQuarter is what the members of a category were charged in a
// quarter of a fiscal year.
type CategoryQuarter struct {
	Quarter  int
	Category member.Category
	// Amount is in cents; Members counts the members charged.
	Amount  int64
	Members int
}

// ChargesByCategory returns the charges of year per quarter and member
// category, the category being the member's on the quarter's last day
// (from the category history). A provision counts in its quarter, the
// year-end regularisation in the fourth; service and fee lines in the
// quarter they were written in, Paris time, within the year. Rows are
// read through the privacy rules.
func ChargesByCategory(ctx context.Context, client *ent.Client, year int) ([]CategoryQuarter, error) {
	amounts := map[memberQuarter]int64{}
	var slots []struct {
		MemberID pulid.ID      `json:"member_id"`
		Period   charge.Period `json:"period"`
		Sum      sql.NullInt64 `json:"sum"`
	}
	err := client.Charge.Query().
		Where(charge.FiscalYear(year), charge.PeriodIn(charge.PeriodQ1, charge.PeriodQ2, charge.PeriodQ3, charge.PeriodYEAR_END)).
		GroupBy(charge.FieldMemberID, charge.FieldPeriod).Aggregate(ent.Sum(charge.FieldAmount)).Scan(ctx, &slots)
	if err != nil {
		return nil, err
	}
	for _, s := range slots {
		quarter := map[charge.Period]int{charge.PeriodQ1: 1, charge.PeriodQ2: 2, charge.PeriodQ3: 3, charge.PeriodYEAR_END: 4}[s.Period]
		amounts[memberQuarter{s.MemberID, quarter}] += s.Sum.Int64
	}
	lines, err := client.Charge.Query().
		Where(charge.FiscalYear(year), charge.PeriodIn(charge.PeriodSERVICES, charge.PeriodFEES)).
		Select(charge.FieldMemberID, charge.FieldAmount, charge.FieldCreatedAt).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		amounts[memberQuarter{l.MemberID, quarterIn(year, l.CreatedAt)}] += l.Amount
	}
	return byCategory(ctx, client, year, amounts)
}

// memberQuarter keys what a member was charged in a quarter.
type memberQuarter struct {
	member  pulid.ID
	quarter int
}

// quarterIn is the quarter of year the instant t falls in, Paris time: the
// first before the year, the fourth after it.
func quarterIn(year int, t time.Time) int {
	local := t.In(calendar.Paris)
	switch {
	case local.Year() < year:
		return 1
	case local.Year() > year:
		return 4
	}
	return (int(local.Month()) + 2) / 3
}

// byCategory adds up amounts by quarter and the category of each member on
// the quarter's last day.
func byCategory(ctx context.Context, client *ent.Client, year int, amounts map[memberQuarter]int64) ([]CategoryQuarter, error) {
	var ids []pulid.ID
	for key := range amounts {
		if !slices.Contains(ids, key.member) {
			ids = append(ids, key.member)
		}
	}
	members, err := client.Member.Query().Where(member.IDIn(ids...)).
		WithCategoryChanges(func(q *ent.MemberCategoryChangeQuery) {
			q.Order(ent.Asc(membercategorychange.FieldEffectiveOn), ent.Asc(membercategorychange.FieldCreatedAt))
		}).All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[pulid.ID]*ent.Member, len(members))
	for _, m := range members {
		byID[m.ID] = m
	}
	totals := map[CategoryQuarter]*CategoryQuarter{} // by quarter and category
	for key, amount := range amounts {
		m := byID[key.member]
		if m == nil {
			continue // a member the viewer may not read
		}
		lastDay := time.Date(year, time.Month(3*key.quarter)+1, 0, 0, 0, 0, 0, time.UTC)
		slot := CategoryQuarter{Quarter: key.quarter, Category: CategoryOn(m, m.Edges.CategoryChanges, lastDay)}
		t := totals[slot]
		if t == nil {
			t = &slot
			totals[slot] = t
		}
		t.Amount += amount
		t.Members++
	}
	out := make([]CategoryQuarter, 0, len(totals))
	for _, t := range totals {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b CategoryQuarter) int {
		return cmp.Or(cmp.Compare(a.Quarter, b.Quarter), cmp.Compare(a.Category, b.Category))
	})
	return out, nil
}
