package charging

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestSplitExamples(t *testing.T) {
	t.Parallel()
	p := func(id string, w int64) Participant { return Participant{ID: id, Weight: w} }
	tests := []struct {
		name  string
		total int64
		ps    []Participant
		want  []int64
	}{
		{"thirds, tie to the smallest id", 100, []Participant{p("c", 1), p("a", 1), p("b", 1)}, []int64{33, 34, 33}},
		{"thirds of a credit mirror", -100, []Participant{p("c", 1), p("a", 1), p("b", 1)}, []int64{-33, -34, -33}},
		{"two cents over three", 2, []Participant{p("b", 1), p("c", 1), p("a", 1)}, []int64{1, 0, 1}},
		{"largest remainder wins over id", 10, []Participant{p("a", 1), p("b", 2)}, []int64{3, 7}},
		{"zero weight gets nothing", 7, []Participant{p("a", 0), p("b", 3), p("c", 0)}, []int64{0, 7, 0}},
		{"one participant takes all", -12345, []Participant{p("x", 42)}, []int64{-12345}},
		{"zero total", 0, []Participant{p("a", 1), p("b", 0)}, []int64{0, 0}},
		{"zero total, nobody", 0, nil, []int64{}},
		{"zero total, zero weights", 0, []Participant{p("a", 0)}, []int64{0}},
		{"one cent, many equal weights", 1, []Participant{p("m3", 5), p("m1", 5), p("m2", 5)}, []int64{0, 1, 0}},
		{"exact division", 900, []Participant{p("a", 1), p("b", 2), p("c", 6)}, []int64{100, 200, 600}},
		{"days of a year", 36500, []Participant{p("a", 365), p("b", 1)}, []int64{36400, 100}},
		{"max int64 total", math.MaxInt64, []Participant{p("a", 1), p("b", 1)}, []int64{math.MaxInt64/2 + 1, math.MaxInt64 / 2}},
		{"min int64 total", math.MinInt64, []Participant{p("a", 1), p("b", 1)}, []int64{math.MinInt64 / 2, math.MinInt64 / 2}},
		{"min int64 total, one", math.MinInt64, []Participant{p("a", 3)}, []int64{math.MinInt64}},
		{"huge weights (W beyond 64 bits)", 10,
			[]Participant{p("a", math.MaxInt64), p("b", math.MaxInt64), p("c", math.MaxInt64), p("d", 1)},
			[]int64{4, 3, 3, 0}},
		{"huge weights and total", math.MaxInt64,
			[]Participant{p("a", math.MaxInt64), p("b", math.MaxInt64), p("c", math.MaxInt64-1)},
			nil /* checked by checkSplit only */},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Split(tt.total, tt.ps)
			if err != nil {
				t.Fatal(err)
			}
			checkSplit(t, tt.total, tt.ps, got)
			if tt.want == nil {
				return
			}
			amounts := make([]int64, len(got))
			for i, s := range got {
				amounts[i] = s.Amount
			}
			if !slices.Equal(amounts, tt.want) {
				t.Errorf("Split(%d) = %v, want %v", tt.total, amounts, tt.want)
			}
		})
	}
}

func TestSplitErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		total int64
		ps    []Participant
		want  error
	}{
		{"nobody", 100, nil, ErrNoParticipant},
		{"nobody, credit", -1, []Participant{}, ErrNoParticipant},
		{"all weights zero", 5, []Participant{{"a", 0}, {"b", 0}}, ErrNoParticipant},
		{"negative weight", 5, []Participant{{"a", 2}, {"b", -1}}, ErrNegativeWeight},
		{"negative weight, zero total", 0, []Participant{{"a", -1}}, ErrNegativeWeight},
		{"duplicate id", 5, []Participant{{"a", 2}, {"a", 1}}, ErrDuplicateParticipant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Split(tt.total, tt.ps)
			if !errors.Is(err, tt.want) || got != nil {
				t.Errorf("Split(%d, %v) = %v, %v; want error %v", tt.total, tt.ps, got, err, tt.want)
			}
		})
	}
}

// refSplit is an independent oracle of the largest-remainder method,
// entirely on math/big.
func refSplit(total int64, ps []Participant) []int64 {
	t := new(big.Int).Abs(big.NewInt(total))
	w := new(big.Int)
	for _, p := range ps {
		w.Add(w, big.NewInt(p.Weight))
	}
	out := make([]int64, len(ps))
	if w.Sign() == 0 {
		return out
	}
	q := make([]*big.Int, len(ps))
	r := make([]*big.Int, len(ps))
	left := new(big.Int).Set(t)
	for i, p := range ps {
		q[i], r[i] = new(big.Int).QuoRem(new(big.Int).Mul(t, big.NewInt(p.Weight)), w, new(big.Int))
		left.Sub(left, q[i])
	}
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := r[b].Cmp(r[a]); c != 0 {
			return c
		}
		return cmp.Compare(ps[a].ID, ps[b].ID)
	})
	for _, i := range order[:left.Int64()] {
		q[i].Add(q[i], big.NewInt(1))
	}
	for i := range out {
		if total < 0 {
			q[i].Neg(q[i])
		}
		out[i] = q[i].Int64()
	}
	return out
}

// checkSplit checks every guarantee of Split on one result.
func checkSplit(tb testing.TB, total int64, ps []Participant, shares []Share) {
	tb.Helper()
	if len(shares) != len(ps) {
		tb.Fatalf("%d shares for %d participants", len(shares), len(ps))
	}
	w := new(big.Int)
	for _, p := range ps {
		w.Add(w, big.NewInt(p.Weight))
	}
	sum := new(big.Int)
	want := refSplit(total, ps)
	for i, s := range shares {
		if s.ID != ps[i].ID || s.Weight != ps[i].Weight {
			tb.Fatalf("share %d is %+v for participant %+v", i, s, ps[i])
		}
		sum.Add(sum, big.NewInt(s.Amount))
		if s.Amount != want[i] {
			tb.Fatalf("share of %s = %d, oracle %d (total %d)", s.ID, s.Amount, want[i], total)
		}
		if ps[i].Weight == 0 && s.Amount != 0 {
			tb.Fatalf("zero weight %s got %d", s.ID, s.Amount)
		}
		if (total > 0 && s.Amount < 0) || (total < 0 && s.Amount > 0) {
			tb.Fatalf("share %d of %s has the wrong sign for total %d", s.Amount, s.ID, total)
		}
		if w.Sign() > 0 {
			// |amount − total·w/W| < 1  ⇔  |amount·W − total·w| < W
			d := new(big.Int).Mul(big.NewInt(s.Amount), w)
			d.Sub(d, new(big.Int).Mul(big.NewInt(total), big.NewInt(ps[i].Weight)))
			if d.Abs(d).Cmp(w) >= 0 {
				tb.Fatalf("share %d of %s is a cent or more away from %d·%d/%s", s.Amount, s.ID, total, ps[i].Weight, w)
			}
		}
	}
	if !sum.IsInt64() || sum.Int64() != total {
		tb.Fatalf("Σ shares = %s, want %d", sum, total)
	}
	checkMonotone(tb, shares)
}

// checkMonotone: a larger weight never gets fewer cents (in absolute value).
func checkMonotone(tb testing.TB, shares []Share) {
	tb.Helper()
	abs := func(a int64) uint64 {
		if a < 0 {
			return -uint64(a)
		}
		return uint64(a)
	}
	sorted := slices.Clone(shares)
	slices.SortFunc(sorted, func(a, b Share) int { return cmp.Compare(a.Weight, b.Weight) })
	var prevMax, groupMax uint64
	for i, s := range sorted {
		if i > 0 && s.Weight != sorted[i-1].Weight {
			prevMax, groupMax = max(prevMax, groupMax), 0
		}
		if abs(s.Amount) < prevMax {
			tb.Fatalf("weight %d got %d cents, less than a smaller weight's %d", s.Weight, abs(s.Amount), prevMax)
		}
		groupMax = max(groupMax, abs(s.Amount))
	}
}

// checkSplitInvariance checks that Split does not depend on the order of
// the participants and mirrors negative totals.
func checkSplitInvariance(tb testing.TB, rng *rand.Rand, total int64, ps []Participant, shares []Share) {
	tb.Helper()
	byID := make(map[string]int64, len(shares))
	for _, s := range shares {
		byID[s.ID] = s.Amount
	}
	shuffled := slices.Clone(ps)
	if rng != nil {
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	} else {
		slices.Reverse(shuffled)
	}
	again, err := Split(total, shuffled)
	if err != nil {
		tb.Fatal(err)
	}
	for _, s := range again {
		if byID[s.ID] != s.Amount {
			tb.Fatalf("after shuffling, %s gets %d instead of %d", s.ID, s.Amount, byID[s.ID])
		}
	}
	if total == math.MinInt64 {
		return // −total does not exist
	}
	neg, err := Split(-total, ps)
	if err != nil {
		tb.Fatal(err)
	}
	for i, s := range neg {
		if s.Amount != -shares[i].Amount {
			tb.Fatalf("Split(%d) gives %s %d but Split(%d) gives %d", -total, s.ID, s.Amount, total, shares[i].Amount)
		}
	}
}

// randomParticipants draws participants with ids in no particular order and
// weights from several regimes: small (many ties), days, large, zero.
func randomParticipants(rng *rand.Rand, n int) []Participant {
	regime := rng.IntN(5)
	ps := make([]Participant, n)
	for i := range ps {
		var w int64
		switch regime {
		case 0:
			w = rng.Int64N(4) // many ties and zeros
		case 1:
			w = 1 + rng.Int64N(366) // days
		case 2:
			w = rng.Int64N(1_000_000_000_001) // up to 10^12
		case 3:
			w = (1 + rng.Int64N(500)) * (1 + rng.Int64N(366)) // quantity × days
		default:
			if rng.IntN(3) == 0 {
				w = 0
			} else {
				w = rng.Int64N(math.MaxInt64 / 4) // W beyond 64 bits quickly
			}
		}
		ps[i] = Participant{ID: fmt.Sprintf("MBR%08x", rng.Uint32()) + fmt.Sprint(i), Weight: w}
	}
	return ps
}

func randomTotal(rng *rand.Rand) int64 {
	var t int64
	switch rng.IntN(6) {
	case 0:
		t = rng.Int64N(10)
	case 1:
		t = rng.Int64N(100_000)
	case 2:
		t = rng.Int64N(1_000_000_000_001) // up to 10^12 cents
	case 3:
		t = rng.Int64()
	case 4:
		return []int64{math.MaxInt64, math.MinInt64, math.MinInt64 + 1, 1, -1}[rng.IntN(5)]
	default:
		t = rng.Int64N(1_000_000)
	}
	if rng.IntN(3) == 0 {
		t = -t
	}
	return t
}

func TestSplitProperties(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(2026, 261))
	runs := 3000
	if testing.Short() {
		runs = 300
	}
	for range runs {
		total := randomTotal(rng)
		ps := randomParticipants(rng, rng.IntN(60))
		shares, err := Split(total, ps)
		var w int64
		for _, p := range ps {
			if p.Weight > 0 {
				w = 1
			}
		}
		if total != 0 && w == 0 {
			if !errors.Is(err, ErrNoParticipant) {
				t.Fatalf("Split(%d, %v) = %v, want ErrNoParticipant", total, ps, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		checkSplit(t, total, ps, shares)
		checkSplitInvariance(t, rng, total, ps, shares)
	}
}

// TestSplitMonotoneInWeight raises one participant's weight and checks it
// never loses a cent.
func TestSplitMonotoneInWeight(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	for range 1000 {
		total := rng.Int64N(1_000_000)
		ps := randomParticipants(rng, 1+rng.IntN(20))
		i := rng.IntN(len(ps))
		ps[i].Weight = 1 + rng.Int64N(1000)
		before, err := Split(total, ps)
		if err != nil {
			t.Fatal(err)
		}
		// Other weights fixed, a larger weight for i: its cents can only
		// go up (its floor cannot fall; only participants whose floor fell
		// can overtake its remainder, and each adds a leftover cent).
		ps[i].Weight += 1 + rng.Int64N(1000)
		after, err := Split(total, ps)
		if err != nil {
			t.Fatal(err)
		}
		if after[i].Amount < before[i].Amount {
			t.Fatalf("raising %s's weight lowered its share from %d to %d", ps[i].ID, before[i].Amount, after[i].Amount)
		}
	}
}

// fuzzParticipants decodes participants from bytes: 5 bytes each, the first
// choosing the size of the weight.
func fuzzParticipants(data []byte) []Participant {
	var ps []Participant
	for i := 0; len(data) >= 5 && i < 256; i++ {
		v := int64(data[1])<<24 | int64(data[2])<<16 | int64(data[3])<<8 | int64(data[4])
		var w int64
		switch data[0] % 8 {
		case 0:
			w = 0
		case 1, 2, 3:
			w = v % 8 // ties
		case 4:
			w = v % 367
		case 5:
			w = v * 233 // up to ~10^12
		case 6:
			w = math.MaxInt64 - v
		default:
			w = v
		}
		// Distinct ids whose order is unrelated to the input order.
		ps = append(ps, Participant{ID: fmt.Sprintf("%08x", uint32(i)*2654435761), Weight: w})
		data = data[5:]
	}
	return ps
}

func FuzzSplit(f *testing.F) {
	f.Add(int64(100), []byte{1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1})
	f.Add(int64(-100), []byte{1, 0, 0, 0, 1, 1, 0, 0, 0, 2})
	f.Add(int64(1), []byte{4, 0, 0, 1, 109, 4, 0, 0, 1, 110, 0, 9, 9, 9, 9})
	f.Add(int64(math.MaxInt64), []byte{6, 0, 0, 0, 0, 6, 0, 0, 0, 1, 6, 0, 0, 0, 2})
	f.Add(int64(math.MinInt64), []byte{7, 255, 255, 255, 255, 5, 1, 2, 3, 4})
	f.Add(int64(1_000_000_000_000), []byte{5, 255, 255, 255, 255, 5, 0, 0, 0, 1})
	f.Add(int64(42), []byte{})
	f.Add(int64(0), []byte{0, 0, 0, 0, 0})
	f.Add(int64(7), []byte{0, 1, 2, 3, 4, 0, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, total int64, data []byte) {
		ps := fuzzParticipants(data)
		shares, err := Split(total, ps)
		positive := slices.ContainsFunc(ps, func(p Participant) bool { return p.Weight > 0 })
		if total != 0 && !positive {
			if !errors.Is(err, ErrNoParticipant) || shares != nil {
				t.Fatalf("Split(%d, %v) = %v, %v; want ErrNoParticipant", total, ps, shares, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		checkSplit(t, total, ps, shares)
		checkSplitInvariance(t, nil, total, ps, shares)
	})
}

func BenchmarkSplit10000(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	ps := make([]Participant, 10_000)
	for i := range ps {
		ps[i] = Participant{ID: fmt.Sprintf("MBR%016x", rng.Uint64()), Weight: 1 + rng.Int64N(1_000_000_000_000)}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Split(987_654_321_098, ps); err != nil {
			b.Fatal(err)
		}
	}
}

// day is a civil date at midnight UTC.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestWeightsDays(t *testing.T) {
	t.Parallel()
	open := time.Time{}
	tests := []struct {
		name string
		year int
		from time.Time
		to   time.Time
		want int64 // days; 0: left out
	}{
		{"whole common year", 2026, day(2026, 1, 1), day(2026, 12, 31), 365},
		{"whole leap year", 2028, day(2028, 1, 1), day(2028, 12, 31), 366},
		{"spanning the whole year", 2027, day(2020, 6, 1), day(2031, 1, 1), 365},
		{"spanning the whole leap year", 2028, day(2027, 12, 31), day(2029, 1, 1), 366},
		{"open-ended, started before", 2028, day(2025, 3, 3), open, 366},
		{"starting Dec 31", 2026, day(2026, 12, 31), open, 1},
		{"starting Dec 31, ending next year", 2028, day(2028, 12, 31), day(2029, 6, 30), 1},
		{"one day", 2026, day(2026, 5, 1), day(2026, 5, 1), 1},
		{"ending Jan 1", 2026, day(2025, 11, 1), day(2026, 1, 1), 1},
		{"February of a leap year", 2028, day(2028, 2, 1), day(2028, 2, 29), 29},
		{"February of a common year", 2026, day(2026, 2, 1), day(2026, 3, 1), 29},
		{"across Feb 29", 2028, day(2028, 2, 28), day(2028, 3, 1), 3},
		{"second half of a leap year", 2028, day(2028, 7, 1), open, 184},
		{"first quarter of a leap year", 2028, day(2027, 1, 1), day(2028, 3, 31), 91},
		{"entirely last year", 2026, day(2025, 1, 1), day(2025, 12, 31), 0},
		{"entirely next year", 2026, day(2027, 1, 1), open, 0},
		{"daylight saving days count once", 2026, day(2026, 3, 28), day(2026, 3, 30), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, key := range []Key{KeyEqual, KeyProRata} {
				got, err := Weights(key, tt.year, []Subscriber{{MemberID: "M", From: tt.from, To: tt.to, Quantity: 3}})
				if err != nil {
					t.Fatal(err)
				}
				var want []Participant
				if tt.want > 0 {
					w := tt.want
					if key == KeyProRata {
						w *= 3
					}
					want = []Participant{{ID: "M", Weight: w}}
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: Weights = %v, want %v", key, got, want)
				}
			}
		})
	}
}

func TestWeightsMembers(t *testing.T) {
	t.Parallel()
	subs := []Subscriber{
		{MemberID: "C", From: day(2028, 1, 1), To: day(2028, 1, 31), Quantity: 10},  // 31 days
		{MemberID: "A", From: day(2027, 5, 1), To: day(2028, 1, 10), Quantity: 2},   // 10 days
		{MemberID: "C", From: day(2028, 7, 1), To: day(2028, 7, 31), Quantity: 20},  // left and came back: 31 days
		{MemberID: "A", From: day(2028, 1, 5), To: day(2028, 1, 20), Quantity: 1},   // overlaps A's first line: 16 days
		{MemberID: "B", From: day(2028, 3, 1), To: time.Time{}, Quantity: 0},        // 306 days, nothing declared
		{MemberID: "D", From: day(2029, 1, 1), To: time.Time{}, Quantity: 5},        // next year
		{MemberID: "E", From: day(2028, 12, 31), To: day(2030, 1, 1), Quantity: 50}, // 1 day
	}
	eq, err := Weights(KeyEqual, 2028, subs)
	if err != nil {
		t.Fatal(err)
	}
	// A: Jan 1–20 once (overlap counted once) = 20; B 306; C 62; E 1.
	wantEq := []Participant{{"A", 20}, {"B", 306}, {"C", 62}, {"E", 1}}
	if !slices.Equal(eq, wantEq) {
		t.Errorf("EQUAL = %v, want %v", eq, wantEq)
	}
	pr, err := Weights(KeyProRata, 2028, subs)
	if err != nil {
		t.Fatal(err)
	}
	// A: 2·10 + 1·16 = 36; B declared 0: left out; C: 10·31 + 20·31 = 930; E: 50.
	wantPr := []Participant{{"A", 36}, {"C", 930}, {"E", 50}}
	if !slices.Equal(pr, wantPr) {
		t.Errorf("PRO_RATA = %v, want %v", pr, wantPr)
	}
	// The order of the lines does not matter.
	slices.Reverse(subs)
	if again, _ := Weights(KeyEqual, 2028, subs); !slices.Equal(again, wantEq) {
		t.Errorf("EQUAL reversed = %v", again)
	}
	if again, _ := Weights(KeyProRata, 2028, subs); !slices.Equal(again, wantPr) {
		t.Errorf("PRO_RATA reversed = %v", again)
	}
	// Adjacent periods merge without a gap or a double day.
	adj, _ := Weights(KeyEqual, 2026, []Subscriber{
		{MemberID: "A", From: day(2026, 1, 1), To: day(2026, 6, 30)},
		{MemberID: "A", From: day(2026, 7, 1), To: day(2026, 12, 31)},
		{MemberID: "A", From: day(2026, 3, 1), To: day(2026, 3, 1)},
	})
	if !slices.Equal(adj, []Participant{{"A", 365}}) {
		t.Errorf("adjacent periods = %v", adj)
	}
	if none, err := Weights(KeyEqual, 2026, nil); err != nil || len(none) != 0 {
		t.Errorf("no subscriber = %v, %v", none, err)
	}
}

func TestWeightsErrors(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	ok := Subscriber{MemberID: "A", From: day(2026, 1, 1), Quantity: 1}
	with := func(f func(*Subscriber)) []Subscriber { s := ok; f(&s); return []Subscriber{s} }
	tests := []struct {
		name string
		key  Key
		subs []Subscriber
		want error
	}{
		{"direct", KeyDirect, []Subscriber{ok}, ErrNotWeighted},
		{"unknown key", Key("BY_HEADCOUNT"), []Subscriber{ok}, ErrUnknownKey},
		{"empty key", Key(""), nil, ErrUnknownKey},
		{"no member", KeyEqual, with(func(s *Subscriber) { s.MemberID = "" }), ErrInvalidSubscriber},
		{"no start", KeyEqual, with(func(s *Subscriber) { s.From = time.Time{} }), ErrInvalidSubscriber},
		{"end before start", KeyEqual, with(func(s *Subscriber) { s.To = day(2025, 12, 31) }), ErrInvalidSubscriber},
		{"time of day", KeyEqual, with(func(s *Subscriber) { s.From = s.From.Add(time.Hour) }), ErrInvalidSubscriber},
		{"Paris midnight", KeyEqual, with(func(s *Subscriber) { s.From = time.Date(2026, 3, 1, 0, 0, 0, 0, paris) }), ErrInvalidSubscriber},
		{"negative quantity", KeyProRata, with(func(s *Subscriber) { s.Quantity = -1 }), ErrInvalidSubscriber},
		{"overflow", KeyProRata, with(func(s *Subscriber) { s.Quantity = math.MaxInt64 / 100 }), ErrOverflow},
		{"overflow over lines", KeyProRata, []Subscriber{
			{MemberID: "A", From: day(2026, 1, 1), To: day(2026, 1, 1), Quantity: math.MaxInt64 / 2},
			{MemberID: "A", From: day(2026, 2, 1), To: day(2026, 2, 1), Quantity: math.MaxInt64 / 2},
			{MemberID: "A", From: day(2026, 3, 1), To: day(2026, 3, 1), Quantity: 2},
		}, ErrOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Weights(tt.key, 2026, tt.subs)
			if !errors.Is(err, tt.want) || got != nil {
				t.Errorf("Weights = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	// A negative quantity does not matter to EQUAL; a UTC midnight in
	// another location is the same instant, hence accepted.
	s := with(func(s *Subscriber) { s.Quantity = -1; s.From = day(2026, 7, 1).In(paris) })
	if got, err := Weights(KeyEqual, 2026, s); err != nil || !slices.Equal(got, []Participant{{"A", 184}}) {
		t.Errorf("Weights = %v, %v", got, err)
	}
}

// bruteWeights counts day by day: the oracle of Weights.
func bruteWeights(key Key, year int, subs []Subscriber) map[string]int64 {
	days := make(map[string]map[int]bool)
	w := make(map[string]int64)
	first, last := day(year, 1, 1), day(year, 12, 31)
	for _, s := range subs {
		to := s.To
		if to.IsZero() || to.After(last) {
			to = last
		}
		for d := s.From; !d.After(to); d = d.AddDate(0, 0, 1) {
			if d.Before(first) {
				d = first.AddDate(0, 0, -1)
				continue
			}
			if key == KeyProRata {
				w[s.MemberID] += s.Quantity
				continue
			}
			if days[s.MemberID] == nil {
				days[s.MemberID] = make(map[int]bool)
			}
			if !days[s.MemberID][d.YearDay()] {
				days[s.MemberID][d.YearDay()] = true
				w[s.MemberID]++
			}
		}
	}
	for id, v := range w {
		if v == 0 {
			delete(w, id)
		}
	}
	return w
}

func TestWeightsAgainstDayCount(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(28, 2028))
	for range 400 {
		year := 2024 + rng.IntN(9)
		var subs []Subscriber
		for range rng.IntN(12) {
			from := day(year, 1, 1).AddDate(0, 0, rng.IntN(500)-70)
			var to time.Time
			if rng.IntN(4) > 0 {
				to = from.AddDate(0, 0, rng.IntN(400))
			}
			subs = append(subs, Subscriber{MemberID: fmt.Sprint("M", rng.IntN(5)), From: from, To: to, Quantity: rng.Int64N(4)})
		}
		for _, key := range []Key{KeyEqual, KeyProRata} {
			got, err := Weights(key, year, subs)
			if err != nil {
				t.Fatal(err)
			}
			want := bruteWeights(key, year, subs)
			if len(got) != len(want) {
				t.Fatalf("%s %d %v: Weights = %v, want %v", key, year, subs, got, want)
			}
			for i, p := range got {
				if want[p.ID] != p.Weight || (i > 0 && got[i-1].ID >= p.ID) {
					t.Fatalf("%s %d %v: Weights = %v, want %v", key, year, subs, got, want)
				}
			}
		}
	}
}
