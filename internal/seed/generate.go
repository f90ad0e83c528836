package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/costentry"
	"communs/ent/member"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/subscription"
	"communs/ent/usagedeclaration"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// Scale is the size of a generated year.
type Scale struct {
	// Members and Resources are the numbers of members and resources
	// created; both at least 1.
	Members, Resources int
	// PerMember is the number of resources each member subscribes to and
	// declares a quantity for: 1 to Resources; 0 means min(20, Resources).
	PerMember int
	// Year is the fiscal year of the costs and declarations, 2000 to 2100.
	Year int
}

// GeneratedCounts are the rows Generate created.
type GeneratedCounts struct {
	Members          int
	Resources        int
	Subscriptions    int
	DeclarationLines int
	CostEntries      int
}

// generateBatch is the number of rows of one CreateBulk; every batch is
// committed in a transaction of its own.
const generateBatch = 1000

// Generate fills an EMPTY database with a deterministic synthetic year, for
// timing the charge cycle at scale (the year-end benchmark of
// internal/charging, communs seed --generate). It is meant for empty
// databases only, never for real data: it refuses (CONFLICT) a database
// that already has members.
//
// The data only depends on sc (the random source has a fixed seed):
// resources alternate EQUAL and PRO_RATA, every tenth is DIRECT; every
// member subscribes to sc.PerMember resources and declares a quantity for
// each in a VALIDATED declaration of sc.Year. Each EQUAL or PRO_RATA
// resource has two common BUDGETED and two common ACTUAL cost entries, a
// DIRECT one a BUDGETED and an ACTUAL entry per subscriber. A tenth of the
// subscriptions start in the middle of the year.
//
// Rows are written in batches of 1000, each batch in a transaction of its
// own, so that a large year does not make one huge transaction; after a
// failure the rows already committed stay, and the database should be
// recreated. progress, which may be nil, is called after each batch with
// the stage ("resources", "members", "subscriptions", "declarations",
// "declaration lines", "cost entries"), the rows of that stage written so
// far and their total.
//
// Generate acts as the platform itself (viewer.SystemContext), whatever
// viewer ctx carries.
func Generate(ctx context.Context, client *ent.Client, sc Scale, progress func(stage string, done, total int)) (GeneratedCounts, error) {
	switch {
	case sc.Members < 1:
		return GeneratedCounts{}, communs.InvalidField("members", "at least 1 member, not %d", sc.Members)
	case sc.Resources < 1:
		return GeneratedCounts{}, communs.InvalidField("resources", "at least 1 resource, not %d", sc.Resources)
	case sc.PerMember == 0:
		sc.PerMember = min(20, sc.Resources)
	case sc.PerMember < 0 || sc.PerMember > sc.Resources:
		return GeneratedCounts{}, communs.InvalidField("perMember",
			"between 1 and the number of resources (%d) subscriptions per member, not %d", sc.Resources, sc.PerMember)
	}
	if sc.Year < 2000 || sc.Year > 2100 {
		return GeneratedCounts{}, communs.InvalidField("year", "a fiscal year between 2000 and 2100, not %d", sc.Year)
	}
	if progress == nil {
		progress = func(string, int, int) {}
	}
	ctx = viewer.SystemContext(ctx)

	switch exists, err := client.Member.Query().Exist(ctx); {
	case err != nil:
		return GeneratedCounts{}, fmt.Errorf("seed: generate: %w", err)
	case exists:
		return GeneratedCounts{}, communs.Errorf(communs.ECONFLICT,
			"the database already has members: a synthetic year is generated into an empty database only")
	}

	g := &generator{client: client, sc: sc, progress: progress,
		rng: rand.New(rand.NewPCG(2026, 42))}
	counts, err := g.run(ctx)
	if err != nil {
		return counts, fmt.Errorf("seed: generate %s: %w", g.stage, err)
	}
	return counts, nil
}

// generator holds the state of one Generate.
type generator struct {
	client   *ent.Client
	sc       Scale
	progress func(stage string, done, total int)
	rng      *rand.Rand
	stage    string // the stage being written, for errors
}

// inBatches runs fn for [lo, hi) slices of n items, each in a transaction,
// and reports progress after each.
func (g *generator) inBatches(ctx context.Context, stage string, n int, fn func(ctx context.Context, tx *ent.Client, lo, hi int) error) error {
	g.stage = stage
	for lo := 0; lo < n; lo += generateBatch {
		hi := min(lo+generateBatch, n)
		if err := txn.Run(ctx, g.client, func(ctx context.Context, tx *ent.Client) error {
			return fn(ctx, tx, lo, hi)
		}); err != nil {
			return err
		}
		g.progress(stage, hi, n)
	}
	return nil
}

func (g *generator) run(ctx context.Context) (GeneratedCounts, error) {
	sc, rng := g.sc, g.rng
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	counts := GeneratedCounts{}

	resIDs := make([]pulid.ID, sc.Resources)
	keys := make([]resource.AllocationKey, sc.Resources)
	err := g.inBatches(ctx, "resources", sc.Resources, func(ctx context.Context, tx *ent.Client, lo, hi int) error {
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
	if err != nil {
		return counts, err
	}
	counts.Resources = sc.Resources

	memIDs := make([]pulid.ID, sc.Members)
	err = g.inBatches(ctx, "members", sc.Members, func(ctx context.Context, tx *ent.Client, lo, hi int) error {
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
	if err != nil {
		return counts, err
	}
	counts.Members = sc.Members

	// subs[m] are the resource indexes member m subscribes to.
	subs := make([][]int, sc.Members)
	for m := range subs {
		subs[m] = rng.Perm(sc.Resources)[:sc.PerMember]
	}
	type pair struct{ m, r int }
	pairs := make([]pair, 0, sc.Members*sc.PerMember)
	for m, rs := range subs {
		for _, r := range rs {
			pairs = append(pairs, pair{m, r})
		}
	}
	subIDs := make([]pulid.ID, len(pairs))
	err = g.inBatches(ctx, "subscriptions", len(pairs), func(ctx context.Context, tx *ent.Client, lo, hi int) error {
		bulk := make([]*ent.SubscriptionCreate, 0, hi-lo)
		for _, p := range pairs[lo:hi] {
			from := date(2020+rng.IntN(6), time.Month(1+rng.IntN(12)), 1)
			if rng.IntN(10) == 0 {
				from = date(sc.Year, time.Month(2+rng.IntN(10)), 1)
			}
			bulk = append(bulk, tx.Subscription.Create().SetMemberID(memIDs[p.m]).
				SetResourceID(resIDs[p.r]).SetStatus(subscription.StatusACTIVE).
				SetRequestedOn(from.AddDate(0, -1, 0)).SetStartsOn(from))
		}
		rows, err := tx.Subscription.CreateBulk(bulk...).Save(ctx)
		for i, r := range rows {
			subIDs[lo+i] = r.ID
		}
		return err
	})
	if err != nil {
		return counts, err
	}
	counts.Subscriptions = len(pairs)

	declIDs := make([]pulid.ID, sc.Members)
	validated := time.Date(sc.Year+1, time.January, 15, 0, 0, 0, 0, time.UTC)
	err = g.inBatches(ctx, "declarations", sc.Members, func(ctx context.Context, tx *ent.Client, lo, hi int) error {
		bulk := make([]*ent.UsageDeclarationCreate, 0, hi-lo)
		for i := lo; i < hi; i++ {
			bulk = append(bulk, tx.UsageDeclaration.Create().SetMemberID(memIDs[i]).SetYear(sc.Year).
				SetStatus(usagedeclaration.StatusVALIDATED).SetValidatedAt(validated))
		}
		rows, err := tx.UsageDeclaration.CreateBulk(bulk...).Save(ctx)
		for i, r := range rows {
			declIDs[lo+i] = r.ID
		}
		return err
	})
	if err != nil {
		return counts, err
	}
	err = g.inBatches(ctx, "declaration lines", len(pairs), func(ctx context.Context, tx *ent.Client, lo, hi int) error {
		bulk := make([]*ent.UsageDeclarationLineCreate, 0, hi-lo)
		for _, p := range pairs[lo:hi] {
			bulk = append(bulk, tx.UsageDeclarationLine.Create().SetDeclarationID(declIDs[p.m]).
				SetResourceID(resIDs[p.r]).SetQuantity(1+rng.Int64N(500)))
		}
		return tx.UsageDeclarationLine.CreateBulk(bulk...).Exec(ctx)
	})
	if err != nil {
		return counts, err
	}
	counts.DeclarationLines = len(pairs)

	type cost struct {
		r                    int
		basis                costentry.Basis
		member, subscription *pulid.ID // a direct cost rests on the member's subscription
	}
	var costs []cost
	for r := range sc.Resources {
		if keys[r] == resource.AllocationKeyDIRECT {
			continue
		}
		for _, basis := range []costentry.Basis{costentry.BasisBUDGETED, costentry.BasisACTUAL} {
			costs = append(costs, cost{r, basis, nil, nil}, cost{r, basis, nil, nil})
		}
	}
	for i, p := range pairs {
		if keys[p.r] == resource.AllocationKeyDIRECT {
			costs = append(costs, cost{p.r, costentry.BasisBUDGETED, &memIDs[p.m], &subIDs[i]},
				cost{p.r, costentry.BasisACTUAL, &memIDs[p.m], &subIDs[i]})
		}
	}
	err = g.inBatches(ctx, "cost entries", len(costs), func(ctx context.Context, tx *ent.Client, lo, hi int) error {
		bulk := make([]*ent.CostEntryCreate, 0, hi-lo)
		for _, c := range costs[lo:hi] {
			amount := 100 + rng.Int64N(5000)
			if c.member == nil {
				amount = int64(sc.Members) * (50_000 + rng.Int64N(200_000))
			}
			costType := costentry.CostTypeMAINTENANCE
			if rng.IntN(2) == 0 {
				costType = costentry.CostTypeUSAGE
			}
			bulk = append(bulk, tx.CostEntry.Create().SetResourceID(resIDs[c.r]).SetFiscalYear(sc.Year).
				SetCostType(costType).SetBasis(c.basis).SetAmount(amount).
				SetLabel("coût "+string(c.basis)).SetNillableMemberID(c.member).SetNillableSubscriptionID(c.subscription))
		}
		return tx.CostEntry.CreateBulk(bulk...).Exec(ctx)
	})
	if err != nil {
		return counts, err
	}
	counts.CostEntries = len(costs)
	return counts, nil
}
