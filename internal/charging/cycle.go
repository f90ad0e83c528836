package charging

import (
	"cmp"
	"slices"
)

// The yearly cycle of a resource (DESIGN, "The cost-price engine"):
//
//   - at the end of Q1, Q2 and Q3 each member is charged a provision, a
//     quarter of its share of the BUDGETED annual cost (the share is
//     computed with Split on the weights known at that date);
//   - at the year end the regularisation is the member's share of the
//     ACTUAL annual cost minus the provisions already charged; a negative
//     regularisation is a credit.
//
// Whatever the budget, the weights at each quarter and the rounding of the
// provisions, a member is charged exactly its share of the actual cost over
// the year, so Σ charges = Σ actual costs for every resource.

// Provision returns the provision of quarter q (1, 2 or 3) for a member
// whose share of the budgeted annual cost is share.
//
// Rounding: the provisions are the differences of the cumulative quarters
// C(q) = trunc(share·q/4), rounded toward zero:
//
//	Provision(share, q) = C(q) − C(q−1)
//
// so that
//   - after q quarters the member has been asked C(q), within one cent of
//     the exact q/4 of its share and never beyond it in absolute value (a
//     member is never charged ahead of the elapsed fraction; a credit is
//     never granted ahead either);
//   - each provision is within one cent of share/4;
//   - the fourth quarter, share − C(3), is not a provision: it is left to
//     the year-end regularisation, so the three provisions plus that
//     remainder reproduce share exactly;
//   - Provision(−s, q) = −Provision(s, q): credits mirror charges.
//
// For example a share of 10 cents gives 2, 3, 2 (cumulative 2, 5, 7) and
// leaves 3; a share of 1 cent gives 0, 0, 0 and leaves 1.
//
// Any other quarter returns 0 (there is no provision to charge; the year
// end recovers whatever was not provisioned). No intermediate product
// overflows, for any int64 share.
func Provision(share int64, quarter int) int64 {
	if quarter < 1 || quarter > 3 {
		return 0
	}
	q := int64(quarter)
	return cumulativeQuarters(share, q) - cumulativeQuarters(share, q-1)
}

// cumulativeQuarters is trunc(share·q/4) for 0 ≤ q ≤ 3 without overflow:
// with share = 4a + b (Go's division truncates, so b has the sign of share
// and |b| ≤ 3), share·q/4 = a·q + b·q/4 where both terms have the same sign,
// hence trunc(share·q/4) = a·q + trunc(b·q/4), and |a·q| ≤ 3·2^61 fits.
func cumulativeQuarters(share, q int64) int64 {
	a, b := share/4, share%4
	return a*q + b*q/4
}

// Regularization returns the year-end regularisation: the member's share of
// the actual annual cost minus the provisions already charged to it for
// the resource and year. A negative result is a credit.
func Regularization(actualShare int64, provisionsCharged int64) int64 {
	return actualShare - provisionsCharged
}

// Regularizations computes the year-end regularisation of every member of
// one resource and year: actual are the shares of the actual cost (from
// Split), charged the provisions already charged per member id. Members
// charged provisions who have no actual share (they left, or their
// subscription was cancelled) are included with a zero weight and get their
// provisions back as a credit; members with an actual share and no
// provision owe their whole share. The result is sorted by member id, and
// Σ (charged + regularisations) = Σ actual, exactly.
func Regularizations(actual []Share, charged map[string]int64) []Share {
	out := make([]Share, 0, len(actual)+len(charged))
	inActual := make(map[string]struct{}, len(actual))
	for _, s := range actual {
		inActual[s.ID] = struct{}{}
		out = append(out, Share{ID: s.ID, Weight: s.Weight, Amount: Regularization(s.Amount, charged[s.ID])})
	}
	for id, c := range charged {
		if _, ok := inActual[id]; !ok {
			out = append(out, Share{ID: id, Amount: Regularization(0, c)})
		}
	}
	slices.SortFunc(out, func(a, b Share) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
