package bench

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMeasureAlternatesTheSides checks that the API and the floor are
// measured in alternate slices, so that a busy moment of the machine
// falls on both, and that each side's requests, errors and server counts
// are summed over its own slices only.
func TestMeasureAlternatesTheSides(t *testing.T) {
	var mu sync.Mutex
	turns, last := 0, ""
	var served atomic.Int64 // requests the API's server has answered
	request := func(side string, err error) func(context.Context) error {
		return func(context.Context) error {
			mu.Lock()
			if side != last {
				turns, last = turns+1, side
			}
			mu.Unlock()
			time.Sleep(time.Millisecond)
			if side == "api" {
				served.Add(1)
			}
			return err
		}
	}
	cfg := Config{Duration: 500 * time.Millisecond, Warmup: 10 * time.Millisecond, Counters: func() Counts {
		n := float64(served.Load())
		return Counts{Statements: 2 * n, Requests: n}
	}}
	api, floor := measure(context.Background(), 2, cfg, "W0", request("api", nil), request("floor", errors.New("refused")))

	// The warm-ups (API, floor), then each slice of the API and the floor.
	if want := 2 + 2*rounds; turns != want {
		t.Errorf("the sides took %d turns, want %d", turns, want)
	}
	if api.Requests == 0 || floor.Requests == 0 {
		t.Fatalf("requests: API %d, floor %d", api.Requests, floor.Requests)
	}
	if api.Errors != 0 || floor.Errors != floor.Requests {
		t.Errorf("errors: API %d (want 0), floor %d (want %d)", api.Errors, floor.Errors, floor.Requests)
	}
	if api.StatementsPerRequest != 2 || floor.StatementsPerRequest != 0 {
		t.Errorf("statements per request: API %v (want 2), floor %v (want 0)", api.StatementsPerRequest, floor.StatementsPerRequest)
	}
	if api.P50 < time.Millisecond || api.P99 < api.P50 {
		t.Errorf("API latencies: p50 %v, p99 %v", api.P50, api.P99)
	}
}

// TestMeasureWithoutAFloor checks that a workload with no floor (the worst
// queries) is measured through the API alone.
func TestMeasureWithoutAFloor(t *testing.T) {
	cfg := Config{Duration: 50 * time.Millisecond, Warmup: time.Millisecond}
	api, floor := measure(context.Background(), 1, cfg, "X1", func(context.Context) error {
		time.Sleep(time.Millisecond)
		return nil
	}, nil)
	if api.Requests == 0 || floor.Requests != 0 || floor.PerSec != 0 {
		t.Errorf("API %d requests, floor %d requests at %v/s", api.Requests, floor.Requests, floor.PerSec)
	}
}
