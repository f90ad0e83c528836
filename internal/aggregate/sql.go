package aggregate

import (
	"fmt"
	"slices"
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
)

// Modifier returns the ent query modifier that turns the entity's query —
// already narrowed by the where filter and the privacy rules — into the
// grouped query: one JSON array per group (keys, then outputs), so that any
// shape scans into a []string. visible gives the row isolation of a joined
// entity (nil: every row).
func (q *Query) Modifier(visible func(typ string) func(*sql.Selector)) func(*sql.Selector) {
	return func(s *sql.Selector) { q.render(&renderer{s: s, visible: visible, joins: map[string]*sql.Selector{}}) }
}

// TotalsModifier is the Modifier of a query over t, the totals of the
// entity's rows, when q.Fits(t).
func (q *Query) TotalsModifier(t *Totals) func(*sql.Selector) {
	return func(s *sql.Selector) { q.render(&renderer{s: s, totals: t}) }
}

func (q *Query) render(r *renderer) {
	var keys, columns []string
	for _, f := range q.keys {
		keys = append(keys, r.key(f))
	}
	columns = append(columns, keys...)
	for _, o := range q.outputs {
		columns = append(columns, r.term(o.term))
	}
	array := "json_array"
	if r.s.Dialect() == dialect.Postgres {
		array = "json_build_array"
	}
	r.s.Select(sql.As(array+"("+strings.Join(columns, ", ")+")", "aggregate_row"))
	if len(keys) > 0 {
		r.s.GroupBy(keys...)
	}
	for _, c := range q.having {
		r.s.Having(r.compare(c))
	}
	r.s.OrderBy(r.orderBy(q, keys)...)
	r.s.Limit(q.limit + 1)
}

// renderer writes the SQL of one query.
type renderer struct {
	s       *sql.Selector
	visible func(typ string) func(*sql.Selector)
	// joins are the edges joined so far, by foreign-key column.
	joins map[string]*sql.Selector
	// totals, when set, are what s reads instead of the rows.
	totals *Totals
}

// column is the qualified column of f, joining its edge on first use. A
// joined row the viewer may not read gives no value.
func (r *renderer) column(f *Field) string {
	if f.Join == nil {
		return r.s.C(f.Column)
	}
	b := sql.Dialect(r.s.Dialect())
	j, ok := r.joins[f.Join.Column]
	if !ok {
		t := b.Table(f.Join.Table)
		j = b.Select(t.C("id")).From(t)
		if narrow := r.visible(f.Join.Type); narrow != nil {
			narrow(j)
		}
		j.As(fmt.Sprintf("j%d", len(r.joins)))
		r.s.LeftJoin(j).On(r.s.C(f.Join.Column), j.C("id"))
		r.joins[f.Join.Column] = j
	}
	if c := b.Table(f.Join.Table).C(f.Column); !slices.Contains(j.SelectedColumns(), c) {
		j.AppendSelect(c)
	}
	return j.C(f.Column)
}

// key is the SQL of a group key.
func (r *renderer) key(f *Field) string {
	c := r.column(f)
	switch f.Kind {
	case Date:
		return r.bucket(r.inUTC(c), f.Unit)
	case Time:
		return r.bucket(r.inParis(c), f.Unit)
	}
	return c
}

// term is the SQL of an aggregate.
func (r *renderer) term(t term) string {
	if r.totals != nil {
		if sql, ok := r.totals.term(r.s, t); ok {
			return sql
		}
	}
	switch t.fn {
	case Count:
		return "COUNT(*)"
	case CountDistinct:
		return "COUNT(DISTINCT " + r.key(t.field) + ")"
	case countValues:
		return "COUNT(" + r.column(t.field) + ")"
	}
	return string(t.fn) + "(" + r.column(t.field) + ")"
}

// compare is the predicate of a having condition.
func (r *renderer) compare(c comparison) *sql.Predicate {
	return sql.P(func(b *sql.Builder) {
		b.WriteString(r.term(c.term)).WriteString(" " + c.op + " ").Arg(c.value)
	})
}

// orderBy sorts on what was asked, then on the keys, so that the order is
// the same from one call to the next; groups without a key come last.
func (r *renderer) orderBy(q *Query, keys []string) []string {
	var items []string
	for _, o := range q.order {
		expr := ""
		if o.key != nil {
			expr = keys[index(q.keys, o.key)]
		} else {
			expr = r.term(*o.term)
		}
		if o.desc {
			items = append(items, expr+" DESC NULLS LAST")
		} else {
			items = append(items, expr+" ASC NULLS LAST")
		}
	}
	for _, k := range keys {
		items = append(items, k+" ASC NULLS LAST")
	}
	return items
}

func index(fields []*Field, f *Field) int {
	for i := range fields {
		if fields[i] == f {
			return i
		}
	}
	return -1
}

// bucket is the first day of the bucket of the local time expression c,
// as text: 2026-04-01.
func (r *renderer) bucket(c string, unit Unit) string {
	if r.s.Dialect() == dialect.Postgres {
		return fmt.Sprintf("to_char(date_trunc('%s', %s), 'YYYY-MM-DD')", strings.ToLower(string(unit)), c)
	}
	switch unit {
	case Day:
		return "strftime('%Y-%m-%d', " + c + ")"
	case Month:
		return "strftime('%Y-%m-01', " + c + ")"
	case Quarter:
		return fmt.Sprintf("strftime('%%Y', %[1]s) || '-' || printf('%%02d', (CAST(strftime('%%m', %[1]s) AS INTEGER) + 2) / 3 * 3 - 2) || '-01'", c)
	}
	return "strftime('%Y-01-01', " + c + ")"
}

// inUTC reads the calendar day c, stored at midnight UTC, as it is.
func (r *renderer) inUTC(c string) string {
	if r.s.Dialect() == dialect.Postgres {
		return c + " AT TIME ZONE 'UTC'"
	}
	return "substr(" + c + ", 1, 19)"
}

// inParis converts the instant c to the wall clock of Europe/Paris. SQLite
// has no time zones: the EU rule is written out (summer time from 01:00
// UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
// October, in force since 1996).
func (r *renderer) inParis(c string) string {
	if r.s.Dialect() == dialect.Postgres {
		return c + " AT TIME ZONE 'Europe/Paris'"
	}
	utc := sqliteUTC(c)
	lastSunday := func(month string) string {
		return fmt.Sprintf("julianday(strftime('%%Y', %s) || '-%s-31', '-6 days', 'weekday 0', '+1 hours')", utc, month)
	}
	return fmt.Sprintf("datetime(%[1]s, CASE WHEN julianday(%[1]s) >= %[2]s AND julianday(%[1]s) < %[3]s THEN '+2 hours' ELSE '+1 hours' END)",
		utc, lastSunday("03"), lastSunday("10"))
}

// sqliteUTC reads an instant as the SQLite driver stores it, Go's
// time.String form ("2026-03-29 03:30:00.5 +0200 CEST"), as an SQLite
// datetime in UTC.
func sqliteUTC(c string) string {
	offset := fmt.Sprintf("substr(%[1]s, 12 + instr(substr(%[1]s, 12), ' '), 5)", c)
	minutes := fmt.Sprintf("(CAST(substr(%[1]s, 2, 2) AS INTEGER) * 60 + CAST(substr(%[1]s, 4, 2) AS INTEGER))"+
		" * (CASE substr(%[1]s, 1, 1) WHEN '-' THEN 1 ELSE -1 END)", offset)
	return fmt.Sprintf("datetime(substr(%s, 1, 19), printf('%%+d minutes', %s))", c, minutes)
}
