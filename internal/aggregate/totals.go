package aggregate

import (
	"slices"

	"entgo.io/ent/dialect/sql"
)

// Totals describes a table of running totals kept beside an append-only
// entity, such as the charges' (internal/chargetotals): a row per
// combination of some of the entity's columns, with the number of rows it
// sums and, per measure, their sum, minimum and maximum. A query that
// groups, counts and sums on those alone reads the totals instead of the
// rows: the same groups from thousands of rows instead of a million.
type Totals struct {
	// Columns are the entity's columns the totals keep, under the same
	// names.
	Columns []string
	// Count is the column of the number of rows a total sums.
	Count string
	// Min and Max are the columns of a measure's extremes, by the
	// measure's column; its sum is in a column of the measure's name.
	// A measure kept must have a value in every row.
	Min, Max map[string]string
}

// Fits reports whether q reads nothing but what t keeps.
func (q *Query) Fits(t *Totals) bool {
	for _, f := range q.keys {
		if !t.keeps(f) {
			return false
		}
	}
	terms := make([]term, 0, len(q.outputs)+len(q.having)+len(q.order))
	for _, o := range q.outputs {
		terms = append(terms, o.term)
	}
	for _, c := range q.having {
		terms = append(terms, c.term)
	}
	for _, o := range q.order {
		if o.term != nil {
			terms = append(terms, *o.term)
		}
	}
	return !slices.ContainsFunc(terms, func(t0 term) bool { return !t.sums(t0) })
}

func (t *Totals) keeps(f *Field) bool { return f.Join == nil && slices.Contains(t.Columns, f.Column) }

// sums reports whether a term can be read from the totals. An average in
// having or orderBy is computed by the database: it is read from the rows.
func (t *Totals) sums(x term) bool {
	switch x.fn {
	case Count:
		return true
	case CountDistinct:
		return t.keeps(x.field)
	case Sum, Min, Max, countValues:
		_, ok := t.Min[x.field.Column]
		return ok && x.field.Join == nil
	}
	return false
}

// term is the SQL of x over the totals where it differs from its SQL
// over the rows: sums and distinct counts read the same.
func (t *Totals) term(s *sql.Selector, x term) (string, bool) {
	switch x.fn {
	case Count, countValues:
		return "COALESCE(SUM(" + s.C(t.Count) + "), 0)", true
	case Min:
		return "MIN(" + s.C(t.Min[x.field.Column]) + ")", true
	case Max:
		return "MAX(" + s.C(t.Max[x.field.Column]) + ")", true
	}
	return "", false
}
