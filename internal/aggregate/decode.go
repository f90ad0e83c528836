package aggregate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"communs"
	"communs/internal/money"
)

// Group is one group of an answer.
type Group struct {
	// Keys holds the group's key per field of groupBy: the id of a
	// referenced row (the caller loads the row), an enum in its Go type, a
	// *Bucket, a bool, an int or a string; nil for rows without a value.
	Keys  map[string]any
	Count int
	// Sum, Avg, Min and Max hold the measures asked, by key: money in
	// int64 cents, other sums in int64, averages of integers in float64.
	Sum, Avg, Min, Max map[string]any
	distinct           map[Name]int
}

// CountDistinct is the number of distinct values of field in the group.
func (g *Group) CountDistinct(field Name) (int, error) {
	n, ok := g.distinct[field]
	if !ok {
		return 0, fmt.Errorf("the distinct count of %s was not computed", field)
	}
	return n, nil
}

// Decode reads the rows the modifier selected into groups. More groups
// than the limit are cut when the client asked for that many, refused
// otherwise.
func (q *Query) Decode(rows []string) ([]*Group, error) {
	if len(rows) > q.limit {
		if q.strict {
			return nil, communs.InvalidField("groupBy",
				"more than %d groups: narrow the filter, group by less, or give first to take the first groups in orderBy", q.limit)
		}
		rows = rows[:q.limit]
	}
	groups := make([]*Group, len(rows))
	for i, row := range rows {
		g, err := q.decodeRow(row)
		if err != nil {
			return nil, fmt.Errorf("aggregate: row %d of %s: %w", i, q.entity.Type, err)
		}
		groups[i] = g
	}
	return groups, nil
}

func (q *Query) decodeRow(row string) (*Group, error) {
	d := json.NewDecoder(bytes.NewReader([]byte(row)))
	d.UseNumber()
	var values []any
	if err := d.Decode(&values); err != nil {
		return nil, err
	}
	if len(values) != len(q.keys)+len(q.outputs) {
		return nil, fmt.Errorf("%d values for %d columns", len(values), len(q.keys)+len(q.outputs))
	}
	g := &Group{Keys: map[string]any{}, Sum: map[string]any{}, Avg: map[string]any{},
		Min: map[string]any{}, Max: map[string]any{}, distinct: map[Name]int{}}
	for i, f := range q.keys {
		key, err := keyValue(f, values[i])
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", f.Name, err)
		}
		g.Keys[f.Key] = key
	}
	// Outputs are set in order: an average's sum comes before its count.
	for i, o := range q.outputs {
		if err := o.set(g, values[len(q.keys)+i]); err != nil {
			return nil, fmt.Errorf("%s: %w", o.fn, err)
		}
	}
	return g, nil
}

// keyValue converts the SQL value of a key to its Go value.
func keyValue(f *Field, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch f.Kind {
	case Date, Time:
		start, err := time.Parse(time.DateOnly, fmt.Sprint(v))
		if err != nil {
			return nil, err
		}
		return newBucket(f.Unit, start), nil
	case Enum:
		return f.Enum(fmt.Sprint(v)), nil
	case Bool:
		switch v := v.(type) {
		case bool:
			return v, nil
		case json.Number: // SQLite stores booleans as 0 and 1
			return v.String() != "0", nil
		}
		return nil, fmt.Errorf("%v is not a boolean", v)
	case Int:
		n, err := integer(v)
		return int(n), err
	}
	return fmt.Sprint(v), nil // ids and strings
}

// integer reads a whole number.
func integer(v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%v is not a number", v)
	}
	return strconv.ParseInt(n.String(), 10, 64)
}

// setNumber stores a sum, minimum or maximum of f in m, nothing for SQL's
// NULL (no value in the group).
func setNumber(m map[string]any, f *Field, v any, sum bool) error {
	if v == nil {
		return nil
	}
	switch f.Kind {
	case Money:
		n, err := integer(v)
		m[f.Key] = n
		return err
	case Int:
		n, err := integer(v)
		if sum {
			m[f.Key] = n
		} else {
			m[f.Key] = int(n)
		}
		return err
	}
	x, ok := v.(json.Number)
	if !ok {
		return fmt.Errorf("%v is not a number", v)
	}
	f64, err := x.Float64()
	m[f.Key] = f64
	return err
}

// setAverage stores the average of f from its sum and count of values.
// Money averages are rounded half away from zero to the cent.
func setAverage(m map[string]any, f *Field, sum, count any) error {
	n, err := integer(count)
	if err != nil || n == 0 || sum == nil {
		return err
	}
	if f.Kind == Money {
		cents, err := integer(sum)
		m[f.Key] = money.Fraction(cents, 1, n)
		return err
	}
	total, err := strconv.ParseFloat(fmt.Sprint(sum), 64)
	m[f.Key] = total / float64(n)
	return err
}
