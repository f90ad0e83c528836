package graph

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBatchFetchesConcurrentLoadsOnce: the loads of the rows of a page,
// made concurrently as gqlgen makes them, are one fetch.
func TestBatchFetchesConcurrentLoadsOnce(t *testing.T) {
	var fetches atomic.Int32
	// A long window: the test's goroutines may start slowly on a busy machine.
	b := &batch[int, int]{window: 200 * time.Millisecond, fetch: func(_ context.Context, keys []int) (map[int]int, error) {
		fetches.Add(1)
		out := map[int]int{}
		for _, k := range keys {
			out[k] = k * 10
		}
		return out, nil
	}}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if v, err := b.load(t.Context(), i); err != nil || v != i*10 {
				t.Errorf("load(%d) = %d, %v", i, v, err)
			}
		})
	}
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d fetches for one page, want 1", n)
	}
	if v, err := b.load(t.Context(), 7); err != nil || v != 70 || fetches.Load() != 2 {
		t.Errorf("a later load: %d, %v after %d fetches", v, err, fetches.Load())
	}
}
