package charging

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"communs/ent"
	"communs/ent/costentry"
	"communs/ent/member"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/subscription"
	"communs/ent/usagedeclaration"
	"communs/internal/store/storetest"
	"communs/internal/txn"
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
		benchYear(b, ctx, client, year, members, resources, perMember)
		genTime += time.Since(start)
		start = time.Now()
		for _, step := range []Step{StepQ1, StepQ2, StepQ3} {
			s := time.Now()
			res, err := RunStep(ctx, client, year, step, "bench", nil)
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
		res, err := RunStep(ctx, client, year, StepYearEnd, "bench", nil)
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

// benchBatch is the number of rows of one CreateBulk; every batch is
// committed in a transaction of its own.
const benchBatch = 1000

// inBatches runs fn for [lo, hi) slices of n items, each in a transaction.
func inBatches(b *testing.B, ctx context.Context, client *ent.Client, n int, fn func(ctx context.Context, tx *ent.Client, lo, hi int) error) {
	b.Helper()
	for lo := 0; lo < n; lo += benchBatch {
		hi := min(lo+benchBatch, n)
		if err := txn.Run(ctx, client, func(ctx context.Context, tx *ent.Client) error {
			return fn(ctx, tx, lo, hi)
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchYear fills an empty database, deterministically: resources
// alternate EQUAL and PRO_RATA, every tenth is DIRECT; each has two common
// BUDGETED and two common ACTUAL cost entries, a DIRECT one a BUDGETED and
// an ACTUAL entry per subscriber. A tenth of the subscriptions start in
// the middle of the year.
func benchYear(b *testing.B, ctx context.Context, client *ent.Client, year, members, resources, perMember int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(2026, 42))
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

	resIDs := make([]pulid.ID, resources)
	keys := make([]resource.AllocationKey, resources)
	inBatches(b, ctx, client, resources, func(ctx context.Context, tx *ent.Client, lo, hi int) error {
		bulk := make([]*ent.ResourceCreate, 0, hi-lo)
		for i := lo; i < hi; i++ {
			key := resource.AllocationKeyEQUAL
			switch {
			case i%10 == 9:
				key = resource.AllocationKeyDIRECT
			case i%2 == 1:
				key = resource.AllocationKeyPRO_RATA
			}
			keys[i] = key
			bulk = append(bulk, tx.Resource.Create().SetCode(fmt.Sprintf("R%04d", i)).
				SetName(fmt.Sprintf("Ressource %d", i)).SetKind(resource.KindSOFTWARE).
				SetUsageUnit(resource.UsageUnitACCOUNTS).SetAllocationKey(key))
		}
		rows, err := tx.Resource.CreateBulk(bulk...).Save(ctx)
		for i, r := range rows {
			resIDs[lo+i] = r.ID
		}
		return err
	})

	memIDs := make([]pulid.ID, members)
	inBatches(b, ctx, client, members, func(ctx context.Context, tx *ent.Client, lo, hi int) error {
		bulk := make([]*ent.MemberCreate, 0, hi-lo)
		for i := lo; i < hi; i++ {
			bulk = append(bulk, tx.Member.Create().SetName(fmt.Sprintf("Association %05d", i)).
				SetCategory(member.CategoryACTIVE).SetJoinedOn(date(2015+rng.IntN(10), 1, 1)))
		}
		rows, err := tx.Member.CreateBulk(bulk...).Save(ctx)
		for i, r := range rows {
			memIDs[lo+i] = r.ID
		}
		return err
	})

	// subs[m] are the resource indexes member m subscribes to.
	subs := make([][]int, members)
	for m := range subs {
		subs[m] = rng.Perm(resources)[:perMember]
	}
	type pair struct{ m, r int }
	pairs := make([]pair, 0, members*perMember)
	for m, rs := range subs {
		for _, r := range rs {
			pairs = append(pairs, pair{m, r})
		}
	}
	inBatches(b, ctx, client, len(pairs), func(ctx context.Context, tx *ent.Client, lo, hi int) error {
		bulk := make([]*ent.SubscriptionCreate, 0, hi-lo)
		for _, p := range pairs[lo:hi] {
			from := date(2020+rng.IntN(6), time.Month(1+rng.IntN(12)), 1)
			if rng.IntN(10) == 0 {
				from = date(year, time.Month(2+rng.IntN(10)), 1)
			}
			bulk = append(bulk, tx.Subscription.Create().SetMemberID(memIDs[p.m]).
				SetResourceID(resIDs[p.r]).SetStatus(subscription.StatusACTIVE).
				SetRequestedOn(from.AddDate(0, -1, 0)).SetStartsOn(from))
		}
		return tx.Subscription.CreateBulk(bulk...).Exec(ctx)
	})

	declIDs := make([]pulid.ID, members)
	validated := time.Date(year+1, time.January, 15, 0, 0, 0, 0, time.UTC)
	inBatches(b, ctx, client, members, func(ctx context.Context, tx *ent.Client, lo, hi int) error {
		bulk := make([]*ent.UsageDeclarationCreate, 0, hi-lo)
		for i := lo; i < hi; i++ {
			bulk = append(bulk, tx.UsageDeclaration.Create().SetMemberID(memIDs[i]).SetYear(year).
				SetStatus(usagedeclaration.StatusVALIDATED).SetValidatedAt(validated))
		}
		rows, err := tx.UsageDeclaration.CreateBulk(bulk...).Save(ctx)
		for i, r := range rows {
			declIDs[lo+i] = r.ID
		}
		return err
	})
	inBatches(b, ctx, client, len(pairs), func(ctx context.Context, tx *ent.Client, lo, hi int) error {
		bulk := make([]*ent.UsageDeclarationLineCreate, 0, hi-lo)
		for _, p := range pairs[lo:hi] {
			bulk = append(bulk, tx.UsageDeclarationLine.Create().SetDeclarationID(declIDs[p.m]).
				SetResourceID(resIDs[p.r]).SetQuantity(1+rng.Int64N(500)))
		}
		return tx.UsageDeclarationLine.CreateBulk(bulk...).Exec(ctx)
	})

	type cost struct {
		r      int
		basis  costentry.Basis
		member *pulid.ID
	}
	var costs []cost
	for r := range resources {
		if keys[r] == resource.AllocationKeyDIRECT {
			continue
		}
		for _, basis := range []costentry.Basis{costentry.BasisBUDGETED, costentry.BasisACTUAL} {
			costs = append(costs, cost{r, basis, nil}, cost{r, basis, nil})
		}
	}
	for _, p := range pairs {
		if keys[p.r] == resource.AllocationKeyDIRECT {
			costs = append(costs, cost{p.r, costentry.BasisBUDGETED, &memIDs[p.m]},
				cost{p.r, costentry.BasisACTUAL, &memIDs[p.m]})
		}
	}
	inBatches(b, ctx, client, len(costs), func(ctx context.Context, tx *ent.Client, lo, hi int) error {
		bulk := make([]*ent.CostEntryCreate, 0, hi-lo)
		for _, c := range costs[lo:hi] {
			amount := 100 + rng.Int64N(5000)
			if c.member == nil {
				amount = int64(members) * (50_000 + rng.Int64N(200_000))
			}
			costType := costentry.CostTypeMAINTENANCE
			if rng.IntN(2) == 0 {
				costType = costentry.CostTypeUSAGE
			}
			bulk = append(bulk, tx.CostEntry.Create().SetResourceID(resIDs[c.r]).SetFiscalYear(year).
				SetCostType(costType).SetBasis(c.basis).SetAmount(amount).
				SetLabel("coût "+string(c.basis)).SetNillableMemberID(c.member))
		}
		return tx.CostEntry.CreateBulk(bulk...).Exec(ctx)
	})
	b.Logf("generated %d members, %d resources, %d subscriptions, %d declaration lines, %d cost entries",
		members, resources, len(pairs), len(pairs), len(costs))
}
