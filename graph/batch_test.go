package graph

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// countingBatch is a batch over rows that are ints, whose value is ten
// times the key, and the number of fetches it made.
func countingBatch() (*batch[int, int], *atomic.Int32) {
	var fetches atomic.Int32
	return &batch[int, int]{
		fetch: func(_ context.Context, keys []int) (map[int]int, error) {
			fetches.Add(1)
			out := map[int]int{}
			for _, k := range keys {
				out[k] = k * 10
			}
			return out, nil
		},
		key: func(row any) (int, bool) { k, ok := row.(int); return k, ok },
	}, &fetches
}

// rowContext is the context of a field of row i of list, as gqlgen makes
// it: the list's field context holds the rows, the row's its index.
func rowContext(ctx context.Context, list *graphql.FieldContext, i int) context.Context {
	ctx = graphql.WithFieldContext(ctx, list)
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{})
}

// TestBatchFetchesAListOnce: the loads of the rows of a list are one
// fetch, whether the rows are marshalled one after the other or side by
// side, and a field outside any list is fetched alone.
func TestBatchFetchesAListOnce(t *testing.T) {
	rows := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	for _, concurrent := range []bool{false, true} {
		b, fetches := countingBatch()
		list := &graphql.FieldContext{Result: rows}
		var wg sync.WaitGroup
		for i, key := range rows {
			load := func() {
				if v, err := b.load(rowContext(t.Context(), list, i), key); err != nil || v != key*10 {
					t.Errorf("load(%d) = %d, %v", key, v, err)
				}
			}
			if concurrent {
				wg.Go(load)
			} else {
				load()
			}
		}
		wg.Wait()
		if n := fetches.Load(); n != 1 {
			t.Errorf("concurrent %v: %d fetches for one list, want 1", concurrent, n)
		}
		if v, err := b.load(t.Context(), 42); err != nil || v != 420 || fetches.Load() != 2 {
			t.Errorf("a load outside a list: %d, %v after %d fetches", v, err, fetches.Load())
		}
	}
}

// TestBatchRowsWithoutTheKey: when the list's rows do not hold the keys
// (the field is deeper in them), each load gets its own value.
func TestBatchRowsWithoutTheKey(t *testing.T) {
	b, _ := countingBatch()
	list := &graphql.FieldContext{Result: []string{"a", "b"}}
	for i, key := range []int{3, 4} {
		if v, err := b.load(rowContext(t.Context(), list, i), key); err != nil || v != key*10 {
			t.Errorf("load(%d) = %d, %v", key, v, err)
		}
	}
}
