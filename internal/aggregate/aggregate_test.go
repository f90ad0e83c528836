package aggregate_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"entgo.io/ent/dialect/sql"

	"communs"
	"communs/ent"
	"communs/internal/aggregate"
	"communs/internal/calendar"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

// run plans request on typ, runs it as the platform and decodes it.
func run(t *testing.T, db *ent.Client, typ string, where any, request aggregate.Request) []*aggregate.Group {
	t.Helper()
	q, err := aggregate.Plan(ent.Aggregations[typ], request)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	everyRow := func(string) func(*sql.Selector) { return nil }
	if err := db.AggregateScan(viewer.SystemContext(t.Context()), typ, where, q.Modifier(everyRow), &rows); err != nil {
		t.Fatal(err)
	}
	groups, err := q.Decode(rows)
	if err != nil {
		t.Fatal(err)
	}
	return groups
}

// Instants fall into the days, months, quarters and years of Paris, on
// both databases: around the changes of summer time, and at the turn of a
// month, a quarter and a year that Paris reaches before UTC.
func TestTimeBucketsFollowParis(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t).Client
	ctx := viewer.SystemContext(t.Context())
	instants := []time.Time{
		time.Date(2026, 3, 29, 0, 59, 59, 0, time.UTC),                    // 01:59:59 in Paris, winter time
		time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC),                      // 03:00 in Paris, summer time
		time.Date(2026, 3, 31, 22, 30, 0, 0, time.UTC),                    // 1 April, Q2, in Paris
		time.Date(2026, 6, 30, 22, 0, 0, 0, time.UTC),                     // 1 July, Q3, in Paris
		time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC),                    // 02:30 in Paris, still summer time
		time.Date(2026, 10, 25, 23, 30, 0, 0, time.UTC),                   // 26 October 00:30, winter time
		time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC),                   // 2027 in Paris
		time.Date(2026, 5, 10, 23, 30, 0, 0, time.FixedZone("", -5*3600)), // stored with an offset: 11 May, 06:30 in Paris
	}
	for i, at := range instants {
		if err := db.Breach.Create().SetDetectedAt(at).SetNature(fmt.Sprintf("breach %d", i)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	units := map[aggregate.Unit]func(time.Time) string{
		aggregate.Day:     func(d time.Time) string { return d.Format(time.DateOnly) },
		aggregate.Month:   func(d time.Time) string { return d.Format("2006-01") },
		aggregate.Quarter: func(d time.Time) string { return fmt.Sprintf("%d-Q%d", d.Year(), (int(d.Month())+2)/3) },
		aggregate.Year:    func(d time.Time) string { return d.Format("2006") },
	}
	for unit, label := range units {
		want := map[string]int{}
		for _, at := range instants {
			want[label(at.In(calendar.Paris))]++
		}
		groups := run(t, db, "Breach", (*ent.BreachWhereInput)(nil),
			aggregate.Request{GroupBy: []aggregate.Name{aggregate.Name("DETECTED_AT_" + string(unit))}})
		got := map[string]int{}
		for _, g := range groups {
			b := g.Keys["detectedAt"].(*aggregate.Bucket)
			got[b.Label] += g.Count
			if b.Unit != unit || label(b.Start) != b.Label {
				t.Errorf("%s bucket %q starts on %s", unit, b.Label, b.Start.Format(time.DateOnly))
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s buckets: got %v, want %v", unit, got, want)
		}
	}
}

// Counts, distinct counts, sums, extremes and averages of one grouped
// query, against what the rows say; having and orderBy on aggregates.
func TestMeasuresHavingAndOrder(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t).Client
	ctx := viewer.SystemContext(t.Context())
	persons := map[bool][]int{true: {3, 4, 8}, false: {1, 1}} // by authority_not_notified
	for notNotified, counts := range persons {
		for i, n := range counts {
			err := db.Breach.Create().SetDetectedAt(time.Date(2026, 1, 10+i, 9, 0, 0, 0, time.UTC)).
				SetNature("lost laptop").SetPersonsApprox(n).SetAuthorityNotNotified(notNotified).Exec(ctx)
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	five := "5"
	request := aggregate.Request{
		GroupBy:  []aggregate.Name{"AUTHORITY_NOT_NOTIFIED"},
		Distinct: []aggregate.Name{"DETECTED_AT_DAY"},
		Sum:      []string{"personsApprox"}, Avg: []string{"personsApprox"},
		Min: []string{"personsApprox"}, Max: []string{"personsApprox"},
		OrderBy: []*aggregate.Order{{Aggregate: ptr(aggregate.Count)}},
	}
	groups := run(t, db, "Breach", (*ent.BreachWhereInput)(nil), request)
	got := summary(t, groups)
	want := `[{false 2 2 2 1 1 1} {true 3 3 15 5 3 8}]`
	if got != want {
		t.Errorf("groups: %s, want %s", got, want)
	}
	request.Having = []*aggregate.Condition{{Aggregate: aggregate.Sum, Field: ptr(aggregate.Name("PERSONS_APPROX")), Gte: &five}}
	request.OrderBy = []*aggregate.Order{{Aggregate: ptr(aggregate.Max), Field: ptr(aggregate.Name("PERSONS_APPROX")), Direction: "DESC"}}
	if got := summary(t, run(t, db, "Breach", (*ent.BreachWhereInput)(nil), request)); got != `[{true 3 3 15 5 3 8}]` {
		t.Errorf("having sum ≥ 5: %s", got)
	}
}

func summary(t *testing.T, groups []*aggregate.Group) string {
	t.Helper()
	type row struct {
		Key         any
		Count, Days int
		Sum         int64
		Avg         float64
		Min, Max    int
	}
	var rows []row
	for _, g := range groups {
		days, err := g.CountDistinct("DETECTED_AT_DAY")
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row{g.Keys["authorityNotNotified"], g.Count, days, g.Sum["personsApprox"].(int64),
			g.Avg["personsApprox"].(float64), g.Min["personsApprox"].(int), g.Max["personsApprox"].(int)})
	}
	return fmt.Sprint(rows)
}

// A money average is rounded half away from zero to the cent; sums stay
// exact whatever their size.
func TestMoneyIsExact(t *testing.T) {
	t.Parallel()
	entity := &aggregate.Entity{Type: "Ledger", Measures: []aggregate.Field{{Name: "AMOUNT", Key: "amount", Kind: aggregate.Money}}}
	q, err := aggregate.Plan(entity, aggregate.Request{Sum: []string{"amount"}, Avg: []string{"amount"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		sum, count string
		avg        int64
	}{
		{"5", "2", 3}, {"-5", "2", -3}, {"7", "3", 2}, {"-7", "3", -2}, {"1", "2", 1}, {"0", "4", 0},
		{"922337203685477580", "10", 92233720368547758},
	}
	for _, c := range cases {
		// count, sum(amount), then the average's sum and count of values
		row := fmt.Sprintf(`[%s, %s, %s, %s]`, c.count, c.sum, c.sum, c.count)
		groups, err := q.Decode([]string{row})
		if err != nil {
			t.Fatal(err)
		}
		if got := groups[0].Avg["amount"]; got != c.avg {
			t.Errorf("average of %s cents over %s: %v, want %d", c.sum, c.count, got, c.avg)
		}
		if got := fmt.Sprint(groups[0].Sum["amount"]); got != c.sum {
			t.Errorf("sum %s: got %s", c.sum, got)
		}
	}
}

// Requests that do not fit the entity are refused with the argument at
// fault, before any SQL.
func TestPlanRefusesWhatDoesNotFit(t *testing.T) {
	t.Parallel()
	entity := ent.Aggregations["Charge"]
	tooMany := aggregate.MaxGroups + 1
	cases := []struct {
		name    string
		request aggregate.Request
		field   string
	}{
		{"unknown group field", aggregate.Request{GroupBy: []aggregate.Name{"NAME"}}, "groupBy[0]"},
		{"twice", aggregate.Request{GroupBy: []aggregate.Name{"KIND", "KIND"}}, "groupBy[1]"},
		{"one field in two buckets", aggregate.Request{GroupBy: []aggregate.Name{"CREATED_AT_DAY", "CREATED_AT_YEAR"}}, "groupBy[1]"},
		{"sum of a text", aggregate.Request{Sum: []string{"label"}}, "sum"},
		{"first too large", aggregate.Request{First: &tooMany}, "first"},
		{"having without comparison", aggregate.Request{Having: []*aggregate.Condition{{Aggregate: aggregate.Count}}}, "having[0]"},
		{"having on a bad number", aggregate.Request{Having: []*aggregate.Condition{{Aggregate: aggregate.Count, Gt: ptr("many")}}}, "having[0]"},
		{"having money with fractions of a cent", aggregate.Request{Having: []*aggregate.Condition{
			{Aggregate: aggregate.Sum, Field: ptr(aggregate.Name("AMOUNT")), Gt: ptr("1.001")}}}, "having[0]"},
		{"sum without field", aggregate.Request{Having: []*aggregate.Condition{{Aggregate: aggregate.Sum, Gt: ptr("1")}}}, "having[0]"},
		{"order on a key not grouped", aggregate.Request{OrderBy: []*aggregate.Order{{Key: ptr(aggregate.Name("KIND"))}}}, "orderBy[0].key"},
		{"order on nothing", aggregate.Request{OrderBy: []*aggregate.Order{{}}}, "orderBy[0]"},
	}
	for _, c := range cases {
		_, err := aggregate.Plan(entity, c.request)
		var e *communs.Error
		if !errors.As(err, &e) || e.Code != communs.EINVALID || e.Field != c.field {
			t.Errorf("%s: %v, want INVALID_INPUT on %s", c.name, err, c.field)
		}
	}
}

// Without first, more groups than the bound are refused rather than cut;
// with first, the first groups are kept.
func TestMoreGroupsThanFirst(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t).Client
	ctx := viewer.SystemContext(t.Context())
	for i := range 3 {
		if err := db.Breach.Create().SetDetectedAt(time.Date(2026, 1, 1+i, 9, 0, 0, 0, time.UTC)).SetNature("x").Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	q, err := aggregate.Plan(ent.Aggregations["Breach"], aggregate.Request{GroupBy: []aggregate.Name{"DETECTED_AT_DAY"}, First: ptr(2)})
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	if err := db.AggregateScan(ctx, "Breach", (*ent.BreachWhereInput)(nil), q.Modifier(func(string) func(*sql.Selector) { return nil }), &rows); err != nil {
		t.Fatal(err)
	}
	groups, err := q.Decode(rows)
	if err != nil || len(groups) != 2 || groups[0].Keys["detectedAt"].(*aggregate.Bucket).Label != "2026-01-01" {
		t.Errorf("first 2 of 3 days: %d groups, %v", len(groups), err)
	}
	strict, _ := aggregate.Plan(ent.Aggregations["Breach"], aggregate.Request{GroupBy: []aggregate.Name{"DETECTED_AT_DAY"}})
	many := slices.Repeat([]string{`["2026-01-01", 1]`}, aggregate.MaxGroups+1)
	if _, err := strict.Decode(many); communs.ErrorCode(err) != communs.EINVALID {
		t.Errorf("%d groups without first: %v, want INVALID_INPUT", len(many), err)
	}
}

func ptr[T any](v T) *T { return &v }
