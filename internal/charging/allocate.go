package charging

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"time"
)

// Errors of the allocation functions. They are sentinels: callers test them
// with errors.Is; the returned errors wrap them with the offending id.
var (
	// ErrNoParticipant: a non-zero amount has nobody to be charged to (no
	// participant, or every weight is zero). The caller reports the amount
	// as unallocated; it is never silently dropped.
	ErrNoParticipant = errors.New("charging: no participant to allocate the amount to")
	// ErrNegativeWeight: a participant has a weight below zero.
	ErrNegativeWeight = errors.New("charging: negative weight")
	// ErrDuplicateParticipant: the same id appears twice in one split, so
	// the tie-break by id would not be a total order.
	ErrDuplicateParticipant = errors.New("charging: participant listed twice")
	// ErrNotWeighted: the allocation key does not weigh subscribers (DIRECT
	// costs go to the member named on the cost entry).
	ErrNotWeighted = errors.New("charging: allocation key is not weighted")
	// ErrUnknownKey: the allocation key is none of EQUAL, PRO_RATA, DIRECT.
	ErrUnknownKey = errors.New("charging: unknown allocation key")
	// ErrInvalidSubscriber: a subscriber line cannot be weighed (no member
	// id, no start date, a date that is not a midnight-UTC civil date, an end
	// before the start, a negative quantity).
	ErrInvalidSubscriber = errors.New("charging: invalid subscriber")
	// ErrOverflow: a weight does not fit in an int64.
	ErrOverflow = errors.New("charging: weight overflows int64")
)

// Participant takes part in a split with a weight.
type Participant struct {
	ID     string // member id: the deterministic tie-break
	Weight int64  // ≥ 0
}

// Share is one participant's part of an amount.
type Share struct {
	ID     string
	Amount int64 // cents
	Weight int64
}

// u128 is an unsigned 128-bit integer, used for the remainders of the
// largest-remainder method.
type u128 struct{ hi, lo uint64 }

func (a u128) cmp(b u128) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

func (a u128) isZero() bool { return a.hi == 0 && a.lo == 0 }

// Split divides total cents between participants in proportion to their
// weights, by the largest-remainder method.
//
// Let T = |total| and W = Σ weights. Each participant first gets
// floor(T·w/W); the cents left over (fewer than the number of participants)
// go one each to the largest remainders T·w mod W, ties broken by id
// ascending. A negative total (a credit) is the mirror image: T is split as
// above and every share is negated, so Split(-t)[i] = -Split(t)[i] and the
// rounding never favours one sign.
//
// Guarantees: Σ shares = total exactly; each share is within one cent of its
// exact proportion total·w/W (strictly less than one cent away); a
// zero-weight participant gets 0; a larger weight never gets fewer cents (in
// absolute value) than a smaller one; the result for each id does not depend
// on the order of the input. Products are computed on 128 bits (math/bits),
// and on math/big when W itself exceeds 64 bits, so nothing overflows for
// any int64 total and weights.
//
// The shares are returned in the order of participants, one per
// participant, zero-weight ones included. A zero total gives zero shares
// (and no error, even with no participant). A non-zero total with no
// participant, or with every weight zero, is ErrNoParticipant. A negative
// weight is ErrNegativeWeight, an id listed twice ErrDuplicateParticipant.
func Split(total int64, participants []Participant) ([]Share, error) {
	seen := make(map[string]struct{}, len(participants))
	var wHi, wLo uint64 // W = Σ weights on 128 bits
	for _, p := range participants {
		if p.Weight < 0 {
			return nil, fmt.Errorf("%w: %q has weight %d", ErrNegativeWeight, p.ID, p.Weight)
		}
		if _, dup := seen[p.ID]; dup {
			return nil, fmt.Errorf("%w: %q", ErrDuplicateParticipant, p.ID)
		}
		seen[p.ID] = struct{}{}
		var carry uint64
		wLo, carry = bits.Add64(wLo, uint64(p.Weight), 0)
		wHi += carry
	}
	shares := make([]Share, len(participants))
	for i, p := range participants {
		shares[i] = Share{ID: p.ID, Weight: p.Weight}
	}
	if total == 0 {
		return shares, nil
	}
	if wHi == 0 && wLo == 0 {
		return nil, fmt.Errorf("%w: %d cents over %d participants of total weight 0",
			ErrNoParticipant, total, len(participants))
	}

	t := uint64(total) // |total| as an unsigned number: exact even for MinInt64
	if total < 0 {
		t = -t
	}
	quotients := make([]uint64, len(participants))
	remainders := make([]u128, len(participants))
	if wHi == 0 {
		// T·w < 2^64·W because T < 2^64 and w ≤ W, so the quotient fits in
		// 64 bits and Div64 does not panic.
		for i, p := range participants {
			hi, lo := bits.Mul64(t, uint64(p.Weight))
			q, r := bits.Div64(hi, lo, wLo)
			quotients[i], remainders[i] = q, u128{lo: r}
		}
	} else {
		// W ≥ 2^64 (many huge weights): fall back on math/big. The quotient
		// is at most T and the remainder is below W < 2^127.
		w := new(big.Int).Lsh(new(big.Int).SetUint64(wHi), 64)
		w.Or(w, new(big.Int).SetUint64(wLo))
		tb := new(big.Int).SetUint64(t)
		prod, q, r := new(big.Int), new(big.Int), new(big.Int)
		mask := new(big.Int).SetUint64(math.MaxUint64)
		for i, p := range participants {
			prod.Mul(tb, big.NewInt(p.Weight))
			q.QuoRem(prod, w, r)
			quotients[i] = q.Uint64()
			lo := new(big.Int).And(r, mask).Uint64()
			hi := new(big.Int).Rsh(r, 64).Uint64()
			remainders[i] = u128{hi: hi, lo: lo}
		}
	}

	var floors uint64
	for _, q := range quotients {
		floors += q // Σ floor(T·w/W) ≤ T: no overflow
	}
	if left := t - floors; left > 0 {
		// left = Σ remainders / W, and every remainder is below W, so more
		// than left participants have a positive remainder: the extra cents
		// never go to a zero remainder (hence never to a zero weight).
		var candidates []int
		for i, r := range remainders {
			if !r.isZero() {
				candidates = append(candidates, i)
			}
		}
		slices.SortFunc(candidates, func(a, b int) int {
			if c := remainders[b].cmp(remainders[a]); c != 0 {
				return c // larger remainder first
			}
			return cmp.Compare(participants[a].ID, participants[b].ID)
		})
		for _, i := range candidates[:left] {
			quotients[i]++
		}
	}
	for i, q := range quotients {
		if total < 0 {
			q = -q // two's complement: int64(-q) = -q, exact for q ≤ 2^63
		}
		shares[i].Amount = int64(q)
	}
	return shares, nil
}

// Key is a resource's allocation key.
type Key string

// The allocation keys (the values of Resource.allocation_key).
const (
	KeyEqual   Key = "EQUAL"    // each subscribed member the same, by days subscribed
	KeyProRata Key = "PRO_RATA" // by declared quantity × days subscribed
	KeyDirect  Key = "DIRECT"   // cost entries tied to one member: not weighted
)

// Subscriber is one subscription period of a member to a resource.
type Subscriber struct {
	MemberID string
	// From and To are civil dates (the Europe/Paris calendar day) stored as
	// midnight UTC, both inclusive. To may lie after the year end (it is
	// clipped) and From before the year start (clipped too). A zero To means
	// the subscription has no end yet: it runs to the end of the year.
	From, To time.Time
	// Quantity is the declared quantity (PRO_RATA only; ignored by EQUAL).
	Quantity int64
}

// Weights returns each subscriber's weight for the calendar year:
//
//   - EQUAL: the number of days the member is subscribed within the year.
//     Several periods of one member add up; days covered by two overlapping
//     periods of the same member count once (a member is one member, whatever
//     the number of subscription lines).
//   - PRO_RATA: Σ quantity × days subscribed within the year over the
//     member's lines (partial-year subscriptions weigh by days). A quantity
//     that changes mid-year is given as two periods, one per quantity; two
//     lines that overlap count both quantities over their common days.
//   - DIRECT: not weighted, ErrNotWeighted.
//
// Participants whose weight is zero (no day in the year, or a zero quantity)
// are left out. The result is sorted by member id. Invalid lines are
// ErrInvalidSubscriber; a weight beyond int64 is ErrOverflow.
func Weights(key Key, year int, subs []Subscriber) ([]Participant, error) {
	switch key {
	case KeyEqual, KeyProRata:
	case KeyDirect:
		return nil, fmt.Errorf("%w: %s", ErrNotWeighted, key)
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnknownKey, key)
	}
	first := dayNumber(time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC))
	last := dayNumber(time.Date(year, time.December, 31, 0, 0, 0, 0, time.UTC))

	type period struct{ from, to int64 } // day numbers, inclusive
	periods := make(map[string][]period)
	weights := make(map[string]int64)
	for i, s := range subs {
		if s.MemberID == "" {
			return nil, fmt.Errorf("%w: line %d has no member id", ErrInvalidSubscriber, i)
		}
		if s.From.IsZero() {
			return nil, fmt.Errorf("%w: %s has no start date", ErrInvalidSubscriber, s.MemberID)
		}
		if !isCivilDate(s.From) || (!s.To.IsZero() && !isCivilDate(s.To)) {
			return nil, fmt.Errorf("%w: %s: dates must be civil dates at midnight UTC", ErrInvalidSubscriber, s.MemberID)
		}
		from, to := dayNumber(s.From), last
		if !s.To.IsZero() {
			to = dayNumber(s.To)
			if to < from {
				return nil, fmt.Errorf("%w: %s ends before it starts", ErrInvalidSubscriber, s.MemberID)
			}
		}
		if key == KeyProRata && s.Quantity < 0 {
			return nil, fmt.Errorf("%w: %s declares a negative quantity", ErrInvalidSubscriber, s.MemberID)
		}
		from, to = max(from, first), min(to, last)
		if from > to {
			continue // no day within the year
		}
		if key == KeyEqual {
			periods[s.MemberID] = append(periods[s.MemberID], period{from, to})
			continue
		}
		hi, w := bits.Mul64(uint64(s.Quantity), uint64(to-from+1))
		sum, carry := bits.Add64(uint64(weights[s.MemberID]), w, 0)
		if hi != 0 || carry != 0 || sum > math.MaxInt64 {
			return nil, fmt.Errorf("%w: %s", ErrOverflow, s.MemberID)
		}
		weights[s.MemberID] = int64(sum)
	}
	for id, ps := range periods {
		// Union of the member's periods: sort by start, merge overlaps.
		slices.SortFunc(ps, func(a, b period) int { return cmp.Compare(a.from, b.from) })
		var days int64
		cur := ps[0]
		for _, p := range ps[1:] {
			if p.from <= cur.to+1 {
				cur.to = max(cur.to, p.to)
				continue
			}
			days += cur.to - cur.from + 1
			cur = p
		}
		weights[id] = days + cur.to - cur.from + 1
	}
	out := make([]Participant, 0, len(weights))
	for id, w := range weights {
		if w > 0 {
			out = append(out, Participant{ID: id, Weight: w})
		}
	}
	slices.SortFunc(out, func(a, b Participant) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// dayNumber is the number of days from 1970-01-01 to the UTC civil date of t.
func dayNumber(t time.Time) int64 {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// isCivilDate reports whether t is a calendar day at midnight UTC, the way
// dates are stored. Anything else (a Paris midnight converted to UTC is
// 22:00 or 23:00 the day before) would shift the day count silently.
func isCivilDate(t time.Time) bool {
	h, m, s := t.UTC().Clock()
	return h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0
}
