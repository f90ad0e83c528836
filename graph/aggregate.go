package graph

import (
	"context"
	"errors"

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"

	"communs/ent"
	"communs/ent/privacy"
	"communs/ent/schema"
	"communs/ent/schema/pulid"
	"communs/internal/aggregate"
	"communs/internal/viewer"
)

// aggregate answers <entities>Aggregate on the ent type typ: the
// aggregates the query selects, grouped in one SQL statement over the rows
// where selects and the viewer may read, with the rows of the keys loaded
// (through the privacy rules: a row the viewer may not read is null).
func (r *Resolver) aggregate(ctx context.Context, typ string, where any, groupBy []aggregate.Name,
	having []*aggregate.Condition, orderBy []*aggregate.Order, first *int) ([]*aggregate.Group, error) {
	entity := ent.Aggregations[typ]
	request := selectedAggregates(ctx, typ)
	request.GroupBy, request.Having, request.OrderBy, request.First = groupBy, having, orderBy, first
	q, err := aggregate.Plan(entity, request)
	if err != nil {
		return nil, err
	}
	v := viewer.FromContext(ctx)
	visible := func(typ string) func(*sql.Selector) { return schema.VisibleRows(v, typ) }
	var rows []string
	if err := r.client.AggregateScan(ctx, typ, where, q.Modifier(visible), &rows); err != nil {
		return nil, err
	}
	groups, err := q.Decode(rows)
	if err != nil {
		return nil, err
	}
	return groups, r.loadKeys(ctx, entity, groups)
}

// selectedAggregates reads from the query which aggregates to compute: the
// distinct counts and measures its groups select.
func selectedAggregates(ctx context.Context, typ string) aggregate.Request {
	var request aggregate.Request
	op := graphql.GetOperationContext(ctx)
	group := []string{typ + "AggregateGroup"}
	for _, f := range graphql.CollectFieldsCtx(ctx, group) {
		var keys *[]string
		switch f.Name {
		case "countDistinct":
			if field, ok := f.ArgumentMap(op.Variables)["field"].(string); ok {
				request.Distinct = append(request.Distinct, aggregate.Name(field))
			}
			continue
		case "sum":
			keys = &request.Sum
		case "avg":
			keys = &request.Avg
		case "min":
			keys = &request.Min
		case "max":
			keys = &request.Max
		default:
			continue
		}
		for _, m := range graphql.CollectFields(op, f.Selections, nil) {
			if m.Name != "__typename" {
				*keys = append(*keys, m.Name)
			}
		}
	}
	return request
}

// servableOrNil is n, or nil when there is no such row or its module is
// switched off.
func servableOrNil(r *Resolver, n ent.Noder) any {
	if n == nil || r.servable(n) != nil {
		return nil
	}
	return n
}

// loadKeys replaces the ids of the groups' Ref keys by their rows.
func (r *Resolver) loadKeys(ctx context.Context, entity *aggregate.Entity, groups []*aggregate.Group) error {
	for _, f := range entity.GroupBy {
		if f.Kind != aggregate.Ref {
			continue
		}
		var ids []pulid.ID
		for _, g := range groups {
			if id, ok := g.Keys[f.Key].(string); ok {
				ids = append(ids, pulid.ID(id))
			}
		}
		if len(ids) == 0 {
			continue
		}
		rows, err := r.client.AggregateKeyRows(ctx, f.Ref, ids)
		if err != nil && !errors.Is(err, privacy.Deny) { // denied: every key is null
			return err
		}
		for _, g := range groups {
			if id, ok := g.Keys[f.Key].(string); ok {
				g.Keys[f.Key] = servableOrNil(r, rows[pulid.ID(id)])
			}
		}
	}
	return nil
}
