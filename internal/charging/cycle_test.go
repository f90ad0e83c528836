package charging

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestProvisionExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		share int64
		want  [3]int64
		rest  int64 // left to the year end
	}{
		{0, [3]int64{0, 0, 0}, 0},
		{1, [3]int64{0, 0, 0}, 1},
		{3, [3]int64{0, 1, 1}, 1},
		{4, [3]int64{1, 1, 1}, 1},
		{10, [3]int64{2, 3, 2}, 3},
		{100_00, [3]int64{25_00, 25_00, 25_00}, 25_00},
		{123_457, [3]int64{30_864, 30_864, 30_864}, 30_865},
		{-10, [3]int64{-2, -3, -2}, -3},
		{-1, [3]int64{0, 0, 0}, -1},
		{math.MaxInt64, [3]int64{math.MaxInt64 / 4, math.MaxInt64/4 + 1, math.MaxInt64/4 + 1}, math.MaxInt64/4 + 1},
		{math.MinInt64, [3]int64{math.MinInt64 / 4, math.MinInt64 / 4, math.MinInt64 / 4}, math.MinInt64 / 4},
	}
	for _, tt := range tests {
		var got [3]int64
		for q := 1; q <= 3; q++ {
			got[q-1] = Provision(tt.share, q)
		}
		if got != tt.want || tt.share-got[0]-got[1]-got[2] != tt.rest {
			t.Errorf("Provision(%d) = %v, rest %d; want %v, rest %d",
				tt.share, got, tt.share-got[0]-got[1]-got[2], tt.want, tt.rest)
		}
	}
	for _, q := range []int{-1, 0, 4, 5} {
		if p := Provision(1000, q); p != 0 {
			t.Errorf("Provision(1000, %d) = %d, want 0", q, p)
		}
	}
}

// checkProvisions checks the rounding of the provisions of one share.
func checkProvisions(tb testing.TB, share int64) {
	tb.Helper()
	s := big.NewInt(share)
	four := big.NewInt(4)
	cum := new(big.Int)
	for q := int64(1); q <= 3; q++ {
		p := Provision(share, int(q))
		if Provision(-share, int(q)) != -p && share != math.MinInt64 {
			tb.Fatalf("Provision(%d, %d) = %d is not the mirror of Provision(%d)", -share, q, Provision(-share, int(q)), share)
		}
		// |4p − share| < 4: each provision within a cent of a quarter.
		d := new(big.Int).Mul(big.NewInt(p), four)
		if d.Sub(d, s).Abs(d).Cmp(four) >= 0 {
			tb.Fatalf("Provision(%d, %d) = %d is a cent or more from a quarter", share, q, p)
		}
		// Cumulatively within a cent of q/4 of the share, never beyond it.
		cum.Add(cum, big.NewInt(p))
		exact := new(big.Int).Mul(s, big.NewInt(q)) // 4 × the exact cumulative
		c4 := new(big.Int).Mul(cum, four)
		gap := new(big.Int).Sub(exact, c4)
		if gap.Sign()*s.Sign() < 0 || new(big.Int).Abs(gap).Cmp(four) >= 0 {
			tb.Fatalf("after Q%d the provisions of %d add up to %s, exact %s/4", q, share, cum, exact)
		}
	}
	rest := new(big.Int).Sub(s, cum)
	if r := Regularization(share, cum.Int64()); big.NewInt(r).Cmp(rest) != 0 {
		tb.Fatalf("Regularization(%d, %s) = %d, want %s", share, cum, r, rest)
	}
}

func TestProvisionProperties(t *testing.T) {
	t.Parallel()
	for _, s := range []int64{0, 1, 2, 3, 5, 7, -1, -2, -3, -7, math.MaxInt64, math.MaxInt64 - 1, math.MaxInt64 - 2,
		math.MaxInt64 - 3, math.MinInt64, math.MinInt64 + 1, math.MinInt64 + 2, math.MinInt64 + 3} {
		checkProvisions(t, s)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	for range 20_000 {
		checkProvisions(t, randomTotal(rng))
	}
}

func TestRegularizations(t *testing.T) {
	t.Parallel()
	actual := []Share{{ID: "B", Amount: 500, Weight: 2}, {ID: "A", Amount: 250, Weight: 1}, {ID: "D", Amount: 0, Weight: 0}}
	charged := map[string]int64{"A": 300, "B": 450, "C": 120}
	got := Regularizations(actual, charged)
	want := []Share{
		{ID: "A", Amount: -50, Weight: 1}, // a credit
		{ID: "B", Amount: 50, Weight: 2},
		{ID: "C", Amount: -120, Weight: 0}, // left: provisions given back
		{ID: "D", Amount: 0, Weight: 0},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Regularizations = %v, want %v", got, want)
	}
	if got := Regularizations(nil, nil); len(got) != 0 {
		t.Errorf("Regularizations(nil, nil) = %v", got)
	}
}

// ---- A whole simulated year ----

// simSub is one subscription period as it becomes known over the year.
type simSub struct {
	member   string
	from, to time.Time // to zero: open-ended
	known    time.Time // when the subscription is recorded
	endKnown time.Time // when its end is recorded (before, it looks open-ended)
	// cancelled, when not zero, is the date the request was withdrawn: from
	// then on it never existed.
	cancelled time.Time
}

// simRevision is one revision of a member's declared quantity for the year.
type simRevision struct {
	on  time.Time
	qty int64
}

type simResource struct {
	id             string
	key            Key
	budget, actual int64
	direct         string // DIRECT: the member the cost entries name ("" for none)
	subs           []simSub
	decls          map[string][]simRevision // PRO_RATA: revisions by date
}

type simYear struct {
	year      int
	members   []string
	resources []*simResource
}

// Steps of the cycle: end of Q1, Q2, Q3, then the year-end regularisation,
// when everything is known.
func stepDates(year int) [4]time.Time {
	return [4]time.Time{day(year, 3, 31), day(year, 6, 30), day(year, 9, 30), day(year+1, 1, 31)}
}

// generateYear draws a random year from seed.
func generateYear(seed uint64) *simYear {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	y := &simYear{year: 2024 + rng.IntN(9)} // 2024 and 2028 are leap years
	first := day(y.year, 1, 1)
	ndays := day(y.year, 12, 31).YearDay()
	someDay := func() time.Time { return first.AddDate(0, 0, rng.IntN(ndays)) }
	clampYear := func(t time.Time) time.Time {
		if t.Year() > y.year {
			return day(y.year, 12, 31)
		}
		return t
	}
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	seen := map[string]bool{}
	for len(y.members) < 5+rng.IntN(56) {
		id := []byte("MBR01J")
		for range 4 {
			id = append(id, alphabet[rng.IntN(len(alphabet))])
		}
		if !seen[string(id)] {
			seen[string(id)] = true
			y.members = append(y.members, string(id))
		}
	}
	slices.Sort(y.members)
	for r := range 1 + rng.IntN(12) {
		res := &simResource{id: fmt.Sprintf("RES%02d", r), decls: map[string][]simRevision{}}
		switch k := rng.IntN(10); {
		case k < 4:
			res.key = KeyEqual
		case k < 8:
			res.key = KeyProRata
		default:
			res.key = KeyDirect
		}
		switch rng.IntN(10) {
		case 0:
			res.budget = rng.Int64N(1_000_000_000_001) // up to 10^10 €
		case 1:
			res.budget = rng.Int64N(100) // a few cents
		default:
			res.budget = rng.Int64N(50_000_000)
		}
		switch rng.IntN(20) {
		case 0:
			res.actual = 0
		case 1:
			res.actual = -rng.Int64N(1_000_000) // refunds exceed costs: a credit
		case 2:
			res.actual = res.budget
		default:
			res.actual = max(0, res.budget+res.budget*(rng.Int64N(61)-30)/100+rng.Int64N(1000)-500)
		}
		y.resources = append(y.resources, res)
		if res.key == KeyDirect {
			if rng.IntN(5) > 0 {
				res.direct = y.members[rng.IntN(len(y.members))]
			}
			continue
		}
		if rng.IntN(7) == 0 {
			continue // nobody subscribes: the costs are unallocated
		}
		p := 0.1 + 0.9*rng.Float64() // how popular the resource is
		for _, m := range y.members {
			if rng.Float64() >= p {
				continue
			}
			// Successive periods: joins and leaves.
			start := someDay()
			if rng.IntN(5) == 0 {
				start = first.AddDate(0, 0, -1-rng.IntN(700)) // subscribed in an earlier year
			}
			periods := 1 + rng.IntN(3)
			for period := 0; period < periods && start.Year() <= y.year; period++ {
				s := simSub{member: m, from: start}
				s.known = start.AddDate(0, 0, rng.IntN(120)-60) // recorded in advance or late
				if s.known.Year() > y.year {
					s.known = day(y.year, 12, 31)
				}
				switch rng.IntN(5) {
				case 0, 1:
					// still running
				case 2:
					s.to = first.AddDate(1, 0, rng.IntN(400)) // ends after the year
				default:
					s.to = start.AddDate(0, 0, rng.IntN(200))
				}
				if !s.to.IsZero() {
					s.endKnown = clampYear(s.to.AddDate(0, 0, rng.IntN(90)-60))
					if s.endKnown.Before(s.known) {
						s.endKnown = s.known
					}
				}
				if rng.IntN(20) == 0 {
					s.cancelled = clampYear(s.known.AddDate(0, 0, 1+rng.IntN(150)))
				}
				res.subs = append(res.subs, s)
				if res.key == KeyEqual && rng.IntN(15) == 0 {
					// A duplicate, overlapping line for the same member.
					dup := s
					dup.from = s.from.AddDate(0, 0, rng.IntN(30))
					if !dup.to.IsZero() && dup.to.Before(dup.from) {
						dup.to = dup.from
					}
					res.subs = append(res.subs, dup)
				}
				if s.to.IsZero() {
					break
				}
				start = s.to.AddDate(0, 0, 2+rng.IntN(90)) // left, then came back
			}
			if res.key == KeyProRata {
				// The declaration, then amendments before the year end.
				on := first.AddDate(0, 0, rng.IntN(150)-30)
				var revs []simRevision
				for range 1 + rng.IntN(4) {
					qty := rng.Int64N(300)
					switch rng.IntN(10) {
					case 0:
						qty = 0
					case 1:
						qty = rng.Int64N(1_000_000)
					}
					revs = append(revs, simRevision{on: on, qty: qty})
					on = clampYear(on.AddDate(0, 0, 1+rng.IntN(120)))
				}
				res.decls[m] = revs
			}
		}
	}
	return y
}

// subscribersAt is what is known of a resource's subscribers at date d.
func (r *simResource) subscribersAt(d time.Time) []Subscriber {
	var out []Subscriber
	for _, s := range r.subs {
		if s.known.After(d) || (!s.cancelled.IsZero() && !s.cancelled.After(d)) {
			continue
		}
		sub := Subscriber{MemberID: s.member, From: s.from}
		if !s.to.IsZero() && !s.endKnown.After(d) {
			sub.To = s.to
		}
		for _, rev := range r.decls[s.member] {
			if !rev.on.After(d) {
				sub.Quantity = rev.qty // the latest revision known at d
			}
		}
		out = append(out, sub)
	}
	return out
}

// simLine is one line of the ledger.
type simLine struct {
	resource, member string
	kind             int // 1, 2, 3: provision of that quarter; 4: regularisation
	amount           int64
}

type yearResult struct {
	lines []simLine
	// budgetShares are the shares of the budget at each quarter, by
	// resource; actualShares the shares of the actual cost.
	budgetShares map[string][3][]Share
	actualShares map[string][]Share
	// unallocated: what a step could not allocate for lack of participant
	// (index 0..2: the quarters' budget, 3: the actual cost).
	unallocated map[string][4]int64
}

// runYear runs Q1, Q2, Q3 and the year end. With shuffle, the inputs to
// every call are shuffled first: the results must not change.
func runYear(tb testing.TB, y *simYear, shuffle *rand.Rand) *yearResult {
	tb.Helper()
	res := &yearResult{
		budgetShares: map[string][3][]Share{},
		actualShares: map[string][]Share{},
		unallocated:  map[string][4]int64{},
	}
	dates := stepDates(y.year)
	for _, r := range y.resources {
		participants := func(d time.Time) []Participant {
			if r.key == KeyDirect {
				if r.direct == "" {
					return nil
				}
				return []Participant{{ID: r.direct, Weight: 1}}
			}
			subs := r.subscribersAt(d)
			if shuffle != nil {
				shuffle.Shuffle(len(subs), func(i, j int) { subs[i], subs[j] = subs[j], subs[i] })
			}
			ps, err := Weights(r.key, y.year, subs)
			if err != nil {
				tb.Fatalf("%s: Weights: %v", r.id, err)
			}
			if shuffle != nil {
				shuffle.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
			}
			return ps
		}
		split := func(step int, total int64, ps []Participant) []Share {
			shares, err := Split(total, ps)
			if errors.Is(err, ErrNoParticipant) {
				u := res.unallocated[r.id]
				u[step] = total
				res.unallocated[r.id] = u
				return nil
			}
			if err != nil {
				tb.Fatalf("%s step %d: Split: %v", r.id, step+1, err)
			}
			slices.SortFunc(shares, func(a, b Share) int { return cmp.Compare(a.ID, b.ID) })
			return shares
		}
		charged := map[string]int64{}
		var budget [3][]Share
		for q := range 3 {
			budget[q] = split(q, r.budget, participants(dates[q]))
			for _, s := range budget[q] {
				if p := Provision(s.Amount, q+1); p != 0 {
					charged[s.ID] += p
					res.lines = append(res.lines, simLine{r.id, s.ID, q + 1, p})
				}
			}
		}
		res.budgetShares[r.id] = budget
		actual := split(3, r.actual, participants(dates[3]))
		res.actualShares[r.id] = actual
		for _, s := range Regularizations(actual, charged) {
			if s.Amount != 0 {
				res.lines = append(res.lines, simLine{r.id, s.ID, 4, s.Amount})
			}
		}
	}
	slices.SortFunc(res.lines, func(a, b simLine) int {
		return cmp.Or(cmp.Compare(a.resource, b.resource), cmp.Compare(a.member, b.member), cmp.Compare(a.kind, b.kind))
	})
	return res
}

// finalWeights is the oracle of the year-end weights, from the truth of
// the simulation and a day-by-day count (not from Weights).
func finalWeights(y *simYear, r *simResource) map[string]int64 {
	if r.key == KeyDirect {
		if r.direct == "" {
			return nil
		}
		return map[string]int64{r.direct: 1}
	}
	var subs []Subscriber
	for _, s := range r.subs {
		if !s.cancelled.IsZero() {
			continue
		}
		var qty int64
		if revs := r.decls[s.member]; len(revs) > 0 {
			qty = revs[len(revs)-1].qty
		}
		subs = append(subs, Subscriber{MemberID: s.member, From: s.from, To: s.to, Quantity: qty})
	}
	return bruteWeights(r.key, y.year, subs)
}

// checkYear checks the invariants of the cost-price engine on a year.
func checkYear(tb testing.TB, y *simYear, res *yearResult) {
	tb.Helper()
	var allCharged, allActual, allUnallocated big.Int
	for _, r := range y.resources {
		totals := map[string]int64{}
		var charged int64
		for _, l := range res.lines {
			if l.resource == r.id {
				totals[l.member] += l.amount
				charged += l.amount
			}
		}
		weights := finalWeights(y, r)
		var w int64
		for _, v := range weights {
			w += v
		}
		un := res.unallocated[r.id]
		allCharged.Add(&allCharged, big.NewInt(charged))
		allActual.Add(&allActual, big.NewInt(r.actual))
		allUnallocated.Add(&allUnallocated, big.NewInt(un[3]))

		// Provisions: the budget is split exactly at each quarter, and each
		// provision is a quarter of the share, to the cent.
		for q, shares := range res.budgetShares[r.id] {
			var sum int64
			for _, s := range shares {
				sum += s.Amount
				if d := 4*Provision(s.Amount, q+1) - s.Amount; d <= -4 || d >= 4 {
					tb.Fatalf("%s Q%d: provision of %s's share %d is not a quarter", r.id, q+1, s.ID, s.Amount)
				}
			}
			if sum+un[q] != r.budget || (un[q] != 0 && shares != nil) {
				tb.Fatalf("%s Q%d: budget %d, split %d, unallocated %d", r.id, q+1, r.budget, sum, un[q])
			}
		}

		if w == 0 {
			// Nobody at the year end: the actual cost is reported
			// unallocated, not lost, and nobody keeps a charge.
			if un[3] != r.actual {
				tb.Fatalf("%s has no participant: unallocated %d, actual %d", r.id, un[3], r.actual)
			}
			if r.actual != 0 {
				if _, err := Split(r.actual, nil); !errors.Is(err, ErrNoParticipant) {
					tb.Fatalf("%s: Split without participant = %v", r.id, err)
				}
			}
			for m, total := range totals {
				if total != 0 {
					tb.Fatalf("%s has no participant, yet %s is charged %d", r.id, m, total)
				}
			}
			continue
		}
		// Σ (provisions + regularisation) = Σ actual cost, exactly.
		if un[3] != 0 || charged != r.actual {
			tb.Fatalf("%s: charged %d, actual %d, unallocated %d", r.id, charged, r.actual, un[3])
		}
		// Each member's total is its actual share, within a cent of its
		// exact proportion; members without weight end at zero.
		for m, total := range totals {
			if _, ok := weights[m]; !ok && total != 0 {
				tb.Fatalf("%s: %s has no weight at the year end but is charged %d", r.id, m, total)
			}
		}
		for _, s := range res.actualShares[r.id] {
			if totals[s.ID] != s.Amount || weights[s.ID] != s.Weight {
				tb.Fatalf("%s: %s charged %d over the year, share %d (weight %d, oracle %d)",
					r.id, s.ID, totals[s.ID], s.Amount, s.Weight, weights[s.ID])
			}
		}
		wb := big.NewInt(w)
		for m, mw := range weights {
			d := new(big.Int).Mul(big.NewInt(totals[m]), wb)
			d.Sub(d, new(big.Int).Mul(big.NewInt(r.actual), big.NewInt(mw)))
			if d.Abs(d).Cmp(wb) >= 0 {
				tb.Fatalf("%s: %s charged %d, a cent or more from %d·%d/%d", r.id, m, totals[m], r.actual, mw, w)
			}
		}
	}
	// The groupement's result is zero, once the unallocated costs are
	// reported: nothing is lost, nothing is gained.
	if new(big.Int).Add(&allCharged, &allUnallocated).Cmp(&allActual) != 0 {
		tb.Fatalf("charged %s + unallocated %s ≠ actual %s", &allCharged, &allUnallocated, &allActual)
	}
}

// checkSeed simulates the year of seed three times (twice as is, once with
// every input shuffled) and checks the invariants and the determinism.
func checkSeed(tb testing.TB, seed uint64) {
	tb.Helper()
	y := generateYear(seed)
	first := runYear(tb, y, nil)
	checkYear(tb, y, first)
	if again := runYear(tb, generateYear(seed), nil); !reflect.DeepEqual(first, again) {
		tb.Fatalf("seed %d: two runs of the same year differ", seed)
	}
	shuffled := runYear(tb, y, rand.New(rand.NewPCG(seed, 1)))
	if !reflect.DeepEqual(first.lines, shuffled.lines) || !reflect.DeepEqual(first.unallocated, shuffled.unallocated) {
		tb.Fatalf("seed %d: the order of the inputs changed the charges", seed)
	}
}

func TestYearSimulation(t *testing.T) {
	t.Parallel()
	seeds := uint64(300)
	if testing.Short() {
		seeds = 30
	}
	var lines, credits, unallocated, refunds int
	for seed := range seeds {
		checkSeed(t, seed)
		res := runYear(t, generateYear(seed), nil)
		lines += len(res.lines)
		for _, l := range res.lines {
			if l.kind == 4 && l.amount < 0 {
				credits++
			}
		}
		for id, u := range res.unallocated {
			if u[3] != 0 {
				unallocated++
			}
			for _, l := range res.lines {
				if l.resource == id && l.kind == 4 && u[3] != 0 {
					refunds++
				}
			}
		}
	}
	// The generator reaches the interesting cases.
	if credits == 0 || unallocated == 0 || refunds == 0 {
		t.Errorf("%d lines, %d credits, %d unallocated costs, %d refunds of provisions", lines, credits, unallocated, refunds)
	}
	t.Logf("%d lines, %d credits, %d unallocated costs, %d refunds of provisions", lines, credits, unallocated, refunds)
}

func FuzzYear(f *testing.F) {
	for _, seed := range []uint64{0, 1, 2, 42, 2026, 2028, 261, math.MaxUint64} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		checkSeed(t, seed)
	})
}
