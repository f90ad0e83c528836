package graph

import (
	"context"
	"reflect"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"communs/ent"
	"communs/ent/schema/pulid"
	"communs/graph/model"
	"communs/internal/charging"
)

// batch loads a field of a list's rows for all of them at once: the first
// row to ask fetches the keys of every row of its list, which the field
// context holds, and the others read the result. It needs no timing and
// no concurrency: gqlgen may marshal the rows one after the other
// (graph/leanexec) or side by side.
type batch[K comparable, V any] struct {
	fetch func(ctx context.Context, keys []K) (map[K]V, error)
	key   func(row any) (K, bool) // the key a list's row holds, if any

	mu     sync.Mutex
	rounds map[*graphql.FieldContext]*batchRound[K, V]
}

// batchRound is the fetch of one list's keys.
type batchRound[K comparable, V any] struct {
	once    sync.Once
	fetched map[K]bool
	values  map[K]V
	err     error
}

// load returns the value of key (the zero value when fetch has none).
func (b *batch[K, V]) load(ctx context.Context, key K) (V, error) {
	list := enclosingList(graphql.GetFieldContext(ctx))
	round := b.round(list)
	round.once.Do(func() {
		keys := b.keys(list, key)
		round.fetched = make(map[K]bool, len(keys))
		for _, k := range keys {
			round.fetched[k] = true
		}
		round.values, round.err = b.fetch(ctx, keys)
	})
	if round.err == nil && !round.fetched[key] {
		// The list's rows do not hold the key: the field is deeper in
		// them (a member's single service request, say).
		values, err := b.fetch(ctx, []K{key})
		return values[key], err
	}
	return round.values[key], round.err
}

// round returns the fetch of list's keys, a new one when list is nil.
func (b *batch[K, V]) round(list *graphql.FieldContext) *batchRound[K, V] {
	if list == nil {
		return &batchRound[K, V]{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rounds == nil {
		b.rounds = map[*graphql.FieldContext]*batchRound[K, V]{}
	}
	if b.rounds[list] == nil {
		b.rounds[list] = &batchRound[K, V]{}
	}
	return b.rounds[list]
}

// keys returns key and those the other rows of list hold.
func (b *batch[K, V]) keys(list *graphql.FieldContext, key K) []K {
	keys := []K{key}
	if list == nil {
		return keys
	}
	rows := reflect.ValueOf(list.Result)
	if rows.Kind() != reflect.Slice {
		return keys
	}
	for i := range rows.Len() {
		if k, ok := b.key(rows.Index(i).Interface()); ok && k != key {
			keys = append(keys, k)
		}
	}
	return keys
}

// enclosingList returns the field context of the nearest list fc is in
// (the parent of a row's, which has an index), nil when there is none.
func enclosingList(fc *graphql.FieldContext) *graphql.FieldContext {
	for ; fc != nil; fc = fc.Parent {
		if fc.Index != nil {
			return fc.Parent
		}
	}
	return nil
}

// batches are the batches of one GraphQL operation, in its context.
type batches struct {
	spent *batch[pulid.ID, model.ServiceSpent]
}

type batchesKey struct{}

// withBatches gives each operation its batches.
func (r *Resolver) withBatches(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(context.WithValue(ctx, batchesKey{}, &batches{
		spent: &batch[pulid.ID, model.ServiceSpent]{fetch: r.fetchSpent, key: serviceRequestID},
	}))
}

// spent is the time spent on the service request id and what it amounts
// to, loaded with the other rows of the operation.
func (r *Resolver) spent(ctx context.Context, id pulid.ID) (model.ServiceSpent, error) {
	if b, ok := ctx.Value(batchesKey{}).(*batches); ok {
		return b.spent.load(ctx, id)
	}
	all, err := r.fetchSpent(ctx, []pulid.ID{id})
	return all[id], err
}

// serviceRequestID is the key of a list's row that is a service request
// or its edge.
func serviceRequestID(row any) (pulid.ID, bool) {
	switch row := row.(type) {
	case *ent.ServiceRequest:
		if row != nil {
			return row.ID, true
		}
	case *ent.ServiceRequestEdge:
		if row != nil && row.Node != nil {
			return row.Node.ID, true
		}
	}
	return "", false
}

// fetchSpent reads the time and the charges of the service requests ids:
// two queries, whatever their number.
func (r *Resolver) fetchSpent(ctx context.Context, ids []pulid.ID) (map[pulid.ID]model.ServiceSpent, error) {
	actuals, err := r.membership.ServiceRequests.Actuals(ctx, ids)
	if err != nil {
		return nil, err
	}
	billed, err := charging.Billed(ctx, r.db(ctx), ids)
	if err != nil {
		return nil, err
	}
	spent := make(map[pulid.ID]model.ServiceSpent, len(ids))
	for _, id := range ids {
		spent[id] = model.ServiceSpent{Minutes: actuals[id].Minutes, Amount: actuals[id].Amount, Billed: billed[id]}
	}
	return spent, nil
}

// withOverrun completes what was spent on sr with how it stands against
// the estimate: the overrun, the billing ceiling, and whether billing
// stopped there (charging.BillingCeiling).
func withOverrun(sr *ent.ServiceRequest, spent model.ServiceSpent) *model.ServiceSpent {
	if sr.EstimatedAmount == nil {
		return &spent
	}
	ceiling := charging.BillingCeiling(*sr.EstimatedAmount)
	spent.Overrun = max(spent.Amount-*sr.EstimatedAmount, 0)
	spent.Ceiling = &ceiling
	spent.BillingStopped = spent.Amount > ceiling
	return &spent
}
