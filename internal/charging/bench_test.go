package charging

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"communs/internal/seed"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

// BenchmarkYearEnd times the YEAR_END step of a year whose Q1, Q2 and Q3
// provisions were already charged. Each iteration builds a fresh database
// (untimed), so run it with -benchtime 1x:
//
//	COMMUNS_BENCH_MEMBERS=10000 COMMUNS_BENCH_RESOURCES=200 \
//	  go test ./internal/charging -run XXX -bench BenchmarkYearEnd -benchtime 1x -timeout 60m
//
// COMMUNS_TEST_DATABASE_URL selects PostgreSQL (see storetest). The scale
// defaults to 200 members × 20 resources so that CI stays short; every
// member subscribes to min(20, resources) resources and declares a
// quantity for each of them in a VALIDATED declaration.
//
// Custom metrics: charges/op (lines written by YEAR_END), gen-s (untimed
// generation of the data), q123-s (untimed Q1..Q3), peak-heap-MB (highest
// HeapInuse sampled every 20 ms during YEAR_END) and sys-MB (runtime Sys
// after the run).
func BenchmarkYearEnd(b *testing.B) {
	members := benchEnv(b, "COMMUNS_BENCH_MEMBERS", 200)
	resources := benchEnv(b, "COMMUNS_BENCH_RESOURCES", 20)
	perMember := min(20, resources)
	const year = 2026
	b.Logf("scale: %d members × %d resources, %d subscriptions per member", members, resources, perMember)

	var charges, peak uint64
	var genTime, q123Time time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		client := storetest.Open(b).Client
		ctx := viewer.SystemContext(context.Background())
		start := time.Now()
		counts, err := seed.Generate(ctx, client, seed.Scale{Members: members, Resources: resources, PerMember: perMember, Year: year}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %+v", counts)
		genTime += time.Since(start)
		start = time.Now()
		for _, step := range []Step{StepQ1, StepQ2, StepQ3} {
			s := time.Now()
			res, err := RunStep(ctx, client, Request{Year: year, Step: step, StartedBy: "bench", Today: afterYear(year)})
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: %d charges in %s", step, res.Created, time.Since(s).Round(time.Millisecond))
		}
		q123Time += time.Since(start)
		runtime.GC()

		stop := make(chan struct{})
		var wg sync.WaitGroup
		var iterPeak atomic.Uint64
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > iterPeak.Load() {
					iterPeak.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		s := time.Now()
		b.StartTimer()
		res, err := RunStep(ctx, client, Request{Year: year, Step: StepYearEnd, StartedBy: "bench", Today: afterYear(year)})
		b.StopTimer()
		close(stop)
		wg.Wait()
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("YEAR_END: %d charges, %d missing declarations, %d unallocated in %s",
			res.Created, len(res.MissingDeclarations), len(res.Unallocated), time.Since(s).Round(time.Millisecond))
		charges += uint64(res.Created)
		peak = max(peak, iterPeak.Load())
		b.StartTimer()
	}
	b.StopTimer()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	n := float64(b.N)
	b.ReportMetric(float64(charges)/n, "charges/op")
	b.ReportMetric(genTime.Seconds()/n, "gen-s")
	b.ReportMetric(q123Time.Seconds()/n, "q123-s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(ms.Sys)/(1<<20), "sys-MB")
}

func benchEnv(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}
