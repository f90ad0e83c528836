package graph

import (
	"communs/ent"
	"context"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"communs/ent/schema/pulid"
	"communs/graph/model"
	"communs/internal/charging"
)

// batchWindow is how long the first load of a batch waits for the loads
// of the other rows of the same page: gqlgen resolves the fields of a
// list's items concurrently, so they all arrive within it.
const batchWindow = 2 * time.Millisecond

// batch turns the loads by key of the concurrent resolvers of one request
// into one fetch of all their keys, so that a field of a list's items
// costs a query per page rather than per row.
type batch[K comparable, V any] struct {
	fetch  func(ctx context.Context, keys []K) (map[K]V, error)
	window time.Duration // batchWindow when zero

	mu      sync.Mutex
	pending *batchRound[K, V]
}

// batchRound is one fetch: the keys it gathers, then its result.
type batchRound[K comparable, V any] struct {
	keys   []K
	done   chan struct{}
	values map[K]V
	err    error
}

// load returns the value of key (the zero value when fetch has none).
func (b *batch[K, V]) load(ctx context.Context, key K) (V, error) {
	b.mu.Lock()
	round := b.pending
	if round == nil {
		round = &batchRound[K, V]{done: make(chan struct{})}
		b.pending = round
		window := b.window
		if window == 0 {
			window = batchWindow
		}
		time.AfterFunc(window, func() {
			b.mu.Lock()
			b.pending = nil
			b.mu.Unlock()
			round.values, round.err = b.fetch(ctx, round.keys)
			close(round.done)
		})
	}
	round.keys = append(round.keys, key)
	b.mu.Unlock()
	select {
	case <-round.done:
		return round.values[key], round.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// batches are the batches of one GraphQL operation, in its context.
type batches struct {
	spent *batch[pulid.ID, model.ServiceSpent]
}

type batchesKey struct{}

// withBatches gives each operation its batches.
func (r *Resolver) withBatches(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(context.WithValue(ctx, batchesKey{}, &batches{
		spent: &batch[pulid.ID, model.ServiceSpent]{fetch: r.fetchSpent},
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
