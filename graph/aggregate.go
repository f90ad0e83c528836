package graph

import (
	"context"
	"errors"
	"strconv"

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
	return r.group(ctx, ctx, typ, where, aggregate.Request{GroupBy: groupBy, Having: having, OrderBy: orderBy, First: first})
}

// activityStatistics answers activitiesAggregate: statistics over the
// scope the user-record module gives (not the files the viewer reads), in
// groups of at least its floor of persons.
func (r *Resolver) activityStatistics(ctx context.Context, where *ent.ActivityWhereInput, groupBy []aggregate.Name,
	having []*aggregate.Condition, orderBy []*aggregate.Order, first *int) ([]*aggregate.Group, error) {
	scope, minPersons, err := r.userrecord.StatisticsScope(ctx, where)
	if err != nil {
		return nil, err
	}
	if scope != nil {
		if where == nil {
			where = &ent.ActivityWhereInput{}
		}
		where.AddPredicates(scope)
	}
	if minPersons > 0 {
		person, floor := aggregate.Name("PERSON"), strconv.Itoa(minPersons)
		having = append(having, &aggregate.Condition{Aggregate: aggregate.CountDistinct, Distinct: &person, Gte: &floor})
	}
	request := aggregate.Request{GroupBy: groupBy, Having: having, OrderBy: orderBy, First: first}
	return r.group(ctx, viewer.SystemContext(ctx), "Activity", where, request)
}

// group runs request on typ, reading the rows as scan's viewer and the
// keys' rows as ctx's.
func (r *Resolver) group(ctx, scan context.Context, typ string, where any, request aggregate.Request) ([]*aggregate.Group, error) {
	entity := ent.Aggregations[typ]
	request.Distinct, request.Sum, request.Avg, request.Min, request.Max = selectedAggregates(ctx, typ)
	q, err := aggregate.Plan(entity, request)
	if err != nil {
		return nil, err
	}
	var rows []string
	if err := r.scanGroups(ctx, scan, typ, where, q, &rows); err != nil {
		return nil, err
	}
	groups, err := q.Decode(rows)
	if err != nil {
		return nil, err
	}
	return groups, r.loadKeys(ctx, entity, groups)
}

// scanGroups runs q on typ, over its running totals when they keep what q
// and where need and scan's viewer reads every row, over the rows
// otherwise.
func (r *Resolver) scanGroups(ctx, scan context.Context, typ string, where any, q *aggregate.Query, rows *[]string) error {
	if schema.VisibleRows(viewer.FromContext(scan), typ) == nil {
		if read, ok := totalsOf[typ]; ok && q.Fits(read.totals) {
			if filter, ok := read.filter(where); ok {
				return read.scan(scan, r.client, filter, q.TotalsModifier(read.totals), rows)
			}
		}
	}
	v := viewer.FromContext(ctx)
	visible := func(typ string) func(*sql.Selector) { return schema.VisibleRows(v, typ) }
	return r.client.AggregateScan(scan, typ, where, q.Modifier(visible), rows)
}

// selectedAggregates reads from the query which aggregates to compute:
// the fields whose distinct values its groups count, and the measures of
// their sum, avg, min and max.
func selectedAggregates(ctx context.Context, typ string) (distinct []aggregate.Name, sum, avg, min, max []string) {
	op := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{typ + "AggregateGroup"}) {
		var measures *[]string
		switch f.Name {
		case "countDistinct":
			if field, ok := f.ArgumentMap(op.Variables)["field"].(string); ok {
				distinct = append(distinct, aggregate.Name(field))
			}
			continue
		case "sum":
			measures = &sum
		case "avg":
			measures = &avg
		case "min":
			measures = &min
		case "max":
			measures = &max
		default:
			continue
		}
		for _, m := range graphql.CollectFields(op, f.Selections, nil) {
			if m.Name != "__typename" {
				*measures = append(*measures, m.Name)
			}
		}
	}
	return distinct, sum, avg, min, max
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
