package aggregate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"entgo.io/contrib/entgql"

	"communs"
	"communs/internal/money"
)

// Query is a request checked against its entity, ready to run.
type Query struct {
	entity  *Entity
	keys    []*Field
	outputs []output
	having  []comparison
	order   []ordering
	limit   int
	// strict refuses an answer with more groups than limit, which the
	// client did not ask to cut.
	strict bool
}

// term is an aggregate of a field: COUNT of nothing, COUNT_DISTINCT of a
// group field, the others of a measure. countValues (the non-null values,
// to average) is internal.
type term struct {
	fn    Function
	field *Field
}

const countValues Function = "COUNT_VALUES"

// output is a column of the answer and where its value goes.
type output struct {
	term
	set func(g *Group, v any) error
}

// comparison is a having condition: term op value.
type comparison struct {
	term
	op    string
	value any
}

// ordering is an ORDER BY item: a key, or an aggregate.
type ordering struct {
	key  *Field
	term *term
	desc bool
}

// Plan checks r against e: every name must be one of e's, and the
// aggregates asked must suit the fields (no sum of an enum).
func Plan(e *Entity, r Request) (*Query, error) {
	q := &Query{entity: e, limit: MaxGroups, strict: r.First == nil}
	if r.First != nil {
		if *r.First < 0 || *r.First > MaxGroups {
			return nil, communs.InvalidField("first", "must lie between 0 and %d", MaxGroups)
		}
		q.limit = *r.First
	}
	for i, name := range r.GroupBy {
		f, err := e.groupField(name, fmt.Sprintf("groupBy[%d]", i))
		if err != nil {
			return nil, err
		}
		if slices.Contains(q.keys, f) {
			return nil, communs.InvalidField(fmt.Sprintf("groupBy[%d]", i), "%s is already in groupBy", name)
		}
		if other := q.keyOf(f.Key); other != nil {
			return nil, communs.InvalidField(fmt.Sprintf("groupBy[%d]", i),
				"%s and %s are the same field in two buckets: keep one", other.Name, name)
		}
		q.keys = append(q.keys, f)
	}
	if err := q.addOutputs(r); err != nil {
		return nil, err
	}
	for i, c := range r.Having {
		if err := q.addCondition(c, fmt.Sprintf("having[%d]", i)); err != nil {
			return nil, err
		}
	}
	for i, o := range r.OrderBy {
		if err := q.addOrdering(o, fmt.Sprintf("orderBy[%d]", i)); err != nil {
			return nil, err
		}
	}
	return q, nil
}

func (q *Query) keyOf(key string) *Field {
	for _, f := range q.keys {
		if f.Key == key {
			return f
		}
	}
	return nil
}

// groupField returns the group field name, or an error for the argument at path.
func (e *Entity) groupField(name Name, path string) (*Field, error) {
	for i := range e.GroupBy {
		if e.GroupBy[i].Name == name {
			return &e.GroupBy[i], nil
		}
	}
	return nil, communs.InvalidField(path, "%s is not a group field of %s", name, e.Type)
}

// distinctField returns a field countDistinct may count.
func (e *Entity) distinctField(name Name, path string) (*Field, error) {
	for i := range e.CountOnly {
		if e.CountOnly[i].Name == name {
			return &e.CountOnly[i], nil
		}
	}
	return e.groupField(name, path)
}

// measure returns the measure name.
func (e *Entity) measure(name Name, path string) (*Field, error) {
	for i := range e.Measures {
		if e.Measures[i].Name == name {
			return &e.Measures[i], nil
		}
	}
	return nil, communs.InvalidField(path, "%s is not a numeric field of %s", name, e.Type)
}

// measureByKey returns the measure whose GraphQL field is key.
func (e *Entity) measureByKey(key, path string) (*Field, error) {
	for i := range e.Measures {
		if e.Measures[i].Key == key {
			return &e.Measures[i], nil
		}
	}
	return nil, communs.InvalidField(path, "%s is not a numeric field of %s", key, e.Type)
}

// addOutputs adds the columns of the answer: keys first, then the count,
// the distinct counts and the measures asked.
func (q *Query) addOutputs(r Request) error {
	q.outputs = append(q.outputs, output{term{fn: Count}, func(g *Group, v any) error {
		n, err := integer(v)
		g.Count = int(n)
		return err
	}})
	for _, name := range r.Distinct {
		f, err := q.entity.distinctField(name, "countDistinct.field")
		if err != nil {
			return err
		}
		q.outputs = append(q.outputs, output{term{CountDistinct, f}, func(g *Group, v any) error {
			n, err := integer(v)
			g.distinct[name] = int(n)
			return err
		}})
	}
	measures := []struct {
		fn    Function
		names []string
	}{{Sum, r.Sum}, {Avg, r.Avg}, {Min, r.Min}, {Max, r.Max}}
	for _, m := range measures {
		for _, name := range m.names {
			f, err := q.entity.measureByKey(name, strings.ToLower(string(m.fn)))
			if err != nil {
				return err
			}
			q.outputs = append(q.outputs, measureOutputs(m.fn, f)...)
		}
	}
	return nil
}

// measureOutputs are the columns of fn over f: an average is read as a sum
// and a count of values, so that money averages round exactly.
func measureOutputs(fn Function, f *Field) []output {
	switch fn {
	case Sum:
		return []output{{term{Sum, f}, func(g *Group, v any) error { return setNumber(g.Sum, f, v, true) }}}
	case Min:
		return []output{{term{Min, f}, func(g *Group, v any) error { return setNumber(g.Min, f, v, false) }}}
	case Max:
		return []output{{term{Max, f}, func(g *Group, v any) error { return setNumber(g.Max, f, v, false) }}}
	}
	var sum any
	return []output{
		{term{Sum, f}, func(_ *Group, v any) error { sum = v; return nil }},
		{term{countValues, f}, func(g *Group, v any) error { return setAverage(g.Avg, f, sum, v) }},
	}
}

// addCondition adds a having condition.
func (q *Query) addCondition(c *Condition, path string) error {
	t, err := q.term(c.Aggregate, c.Field, c.Distinct, path)
	if err != nil {
		return err
	}
	ops := []struct {
		op    string
		value *string
	}{{">", c.Gt}, {">=", c.Gte}, {"<", c.Lt}, {"<=", c.Lte}, {"=", c.Eq}}
	compared := false
	for _, o := range ops {
		if o.value == nil {
			continue
		}
		v, err := t.parse(*o.value)
		if err != nil {
			return communs.InvalidField(path, "%s", err)
		}
		q.having = append(q.having, comparison{t, o.op, v})
		compared = true
	}
	if !compared {
		return communs.InvalidField(path, "give a comparison: gt, gte, lt, lte or eq")
	}
	return nil
}

// addOrdering adds an ORDER BY item.
func (q *Query) addOrdering(o *Order, path string) error {
	desc := o.Direction == entgql.OrderDirectionDesc
	switch {
	case o.Key != nil && o.Aggregate != nil:
		return communs.InvalidField(path, "order on a key or on an aggregate, not both")
	case o.Key != nil:
		f, err := q.entity.groupField(*o.Key, path+".key")
		if err != nil {
			return err
		}
		if !slices.Contains(q.keys, f) {
			return communs.InvalidField(path+".key", "%s is not in groupBy", *o.Key)
		}
		q.order = append(q.order, ordering{key: f, desc: desc})
	case o.Aggregate != nil:
		t, err := q.term(*o.Aggregate, o.Field, o.Distinct, path)
		if err != nil {
			return err
		}
		q.order = append(q.order, ordering{term: &t, desc: desc})
	default:
		return communs.InvalidField(path, "give a key or an aggregate to order on")
	}
	return nil
}

// term checks that fn suits the field named.
func (q *Query) term(fn Function, field, distinct *Name, path string) (term, error) {
	switch fn {
	case Count:
		if field != nil || distinct != nil {
			return term{}, communs.InvalidField(path, "COUNT counts rows: give no field")
		}
		return term{fn: Count}, nil
	case CountDistinct:
		if distinct == nil || field != nil {
			return term{}, communs.InvalidField(path, "COUNT_DISTINCT takes a group field in distinct")
		}
		f, err := q.entity.distinctField(*distinct, path+".distinct")
		return term{CountDistinct, f}, err
	case Sum, Avg, Min, Max:
		if field == nil || distinct != nil {
			return term{}, communs.InvalidField(path, "%s takes a numeric field in field", fn)
		}
		f, err := q.entity.measure(*field, path+".field")
		return term{fn, f}, err
	}
	return term{}, communs.InvalidField(path, "unknown aggregate %s", fn)
}

// parse reads a value compared with the term: counts are whole numbers,
// money is in euros, like the API's Money.
func (t term) parse(s string) (any, error) {
	switch {
	case t.fn == Count || t.fn == CountDistinct:
		return strconv.ParseInt(s, 10, 64)
	case t.field.Kind == Money:
		return money.Parse(s)
	case t.field.Kind == Int && t.fn != Avg:
		return strconv.ParseInt(s, 10, 64)
	}
	return strconv.ParseFloat(s, 64)
}
