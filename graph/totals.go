package graph

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"

	"entgo.io/ent/dialect/sql"

	"communs/ent"
	"communs/ent/charge"
	"communs/ent/chargetotal"
	"communs/ent/predicate"
	"communs/internal/aggregate"
)

// totalsReader reads an entity's aggregates from its running totals.
type totalsReader struct {
	totals *aggregate.Totals
	// filters are the where input's fields that only name kept columns:
	// a Go field of the input whose name starts with one of them (FiscalYear,
	// FiscalYearIn…) reads the same on the totals.
	filters []string
	// predicate is the where input's predicate, nil when it is empty.
	predicate func(where any) (func(*sql.Selector), error)
	scan      func(ctx context.Context, client *ent.Client, filter, modify func(*sql.Selector), rows *[]string) error
}

// totalsOf are the running totals the aggregates read when they can, by
// entity: the charges' (internal/chargetotals), a few thousand rows for a
// year of a million charges.
var totalsOf = map[string]totalsReader{
	"Charge": {
		totals: &aggregate.Totals{
			Columns: []string{charge.FieldFiscalYear, charge.FieldResourceID, charge.FieldKind,
				charge.FieldPeriod, charge.FieldCreatedAt},
			Count: chargetotal.FieldChargeCount,
			Min:   map[string]string{charge.FieldAmount: chargetotal.FieldAmountMin},
			Max:   map[string]string{charge.FieldAmount: chargetotal.FieldAmountMax},
		},
		filters: []string{"FiscalYear", "ResourceID", "Kind", "Period"},
		predicate: func(where any) (func(*sql.Selector), error) {
			p, err := where.(*ent.ChargeWhereInput).P()
			if errors.Is(err, ent.ErrEmptyChargeWhereInput) {
				return nil, nil
			}
			return p, err
		},
		scan: func(ctx context.Context, client *ent.Client, filter, modify func(*sql.Selector), rows *[]string) error {
			q := client.ChargeTotal.Query()
			if filter != nil {
				q.Where(predicate.ChargeTotal(filter))
			}
			return q.Modify(modify).Scan(ctx, rows)
		},
	},
}

// filter is where as a predicate on the totals (nil: every total), false
// when where filters on anything else (a creation time, an edge, a
// member…).
func (t totalsReader) filter(where any) (func(*sql.Selector), bool) {
	input := reflect.ValueOf(where)
	if input.IsNil() {
		return nil, true
	}
	fields := input.Elem()
	for i := range fields.NumField() {
		name := fields.Type().Field(i).Name
		kept := slices.ContainsFunc(t.filters, func(prefix string) bool { return strings.HasPrefix(name, prefix) })
		if !kept && !fields.Field(i).IsZero() {
			return nil, false
		}
	}
	p, err := t.predicate(where)
	return p, err == nil
}
