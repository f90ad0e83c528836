// Package budget bounds the rows one request may load. The request carries
// its budget in its context; an ent interceptor counts the rows each query
// returns against it, and limits each query to what remains (plus one row,
// to know it is exceeded), so that a query asking for more stops there
// instead of loading everything first.
package budget

import (
	"context"
	"reflect"
	"sync/atomic"

	entgo "entgo.io/ent"

	"communs"
	"communs/ent"
	"communs/ent/intercept"
)

// Rows is the row budget of one request.
type Rows struct {
	limit    int64
	loaded   atomic.Int64
	exceeded atomic.Bool
}

type key struct{}

// WithRows returns ctx carrying a budget of limit rows.
func WithRows(ctx context.Context, limit int) (context.Context, *Rows) {
	r := &Rows{limit: int64(limit)}
	return context.WithValue(ctx, key{}, r), r
}

// Exceeded tells whether a query of the request went past the budget.
func (r *Rows) Exceeded() bool { return r.exceeded.Load() }

// Loaded is the rows the request's queries loaded.
func (r *Rows) Loaded() int64 { return r.loaded.Load() }

// Error is the error of a request past its budget.
func (r *Rows) Error() error {
	return communs.Errorf(communs.ELIMIT,
		"the query would load more than %d rows: ask for smaller pages, fewer nested lists, or narrower filters", r.limit)
}

// Intercept makes client's queries count their rows against the budget of
// their request, where there is one.
func Intercept(client *ent.Client) {
	client.Intercept(ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			r, _ := ctx.Value(key{}).(*Rows)
			qc := entgo.QueryFromContext(ctx)
			if r == nil || qc == nil || qc.Op != entgo.OpQueryAll {
				return next.Query(ctx, q)
			}
			if r.exceeded.Load() {
				return nil, r.Error()
			}
			remaining := r.limit - r.loaded.Load()
			if qc.Limit == nil || int64(*qc.Limit) > remaining+1 {
				if iq, err := intercept.NewQuery(q); err == nil {
					iq.Limit(int(remaining + 1))
				}
			}
			v, err := next.Query(ctx, q)
			if err != nil {
				return v, err
			}
			if rows := reflect.ValueOf(v); rows.Kind() == reflect.Slice && r.loaded.Add(int64(rows.Len())) > r.limit {
				r.exceeded.Store(true)
				return nil, r.Error()
			}
			return v, nil
		})
	}))
}
