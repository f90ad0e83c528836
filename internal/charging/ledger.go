package charging

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"communs/ent"
	"communs/ent/callforfunds"
	"communs/ent/charge"
	"communs/ent/schema/pulid"
	"communs/ent/schema/schematype"
	"communs/internal/money"
	"communs/internal/payments"
)

// The ledger is append-only: a step never changes a line, it adds the
// difference between what a slot should hold and what it holds.
//
// A slot is what one step charges one member for one subject (a resource,
// a service request, or nothing for the fee) under one kind. Each line of
// a slot has the key "<slot>#<n>", n counting from 1. A step computes the
// target of every slot and writes target − Σ lines of the slot when it is
// not zero; slots the step no longer produces have a target of zero and are
// reversed. So running a step twice adds nothing, and running it again
// after the costs, declarations, time or fee changed adds exactly the
// corrections.
//
// A correction made by hand (CorrectCharge, on service and fee lines) is
// kept by later runs as long as the slot's target allows it: a reduction
// never takes the slot below zero, and a slot no longer due is brought to
// zero, corrections included.

// target is what a slot of the step should sum to.
type target struct {
	memberID         pulid.ID
	resourceID       *pulid.ID
	serviceRequestID *pulid.ID
	kind             charge.Kind
	amount           int64
	label            string
	basis            schematype.ChargeBasis
	// explanation is the basis in words (see explain.go).
	explanation string
}

func (t *target) slot(year int, step Step) string {
	subject := "-"
	switch {
	case t.resourceID != nil:
		subject = string(*t.resourceID)
	case t.serviceRequestID != nil:
		subject = string(*t.serviceRequestID)
	}
	return fmt.Sprintf("%d/%s/%s/%s/%s", year, step, t.kind, t.memberID, subject)
}

// slotState is what the ledger holds in a slot.
type slotState struct {
	sum   int64 // of the step's own lines
	lines int
	// corrections is the sum of the corrections made by hand to its lines.
	corrections int64
	// sample is a line of the slot, to reverse a slot no longer produced.
	sample *ent.Charge
}

// ledgerSlots loads the state of every slot of the step in one query.
func ledgerSlots(ctx context.Context, tx *ent.Client, year int, step Step) (map[string]*slotState, error) {
	lines, err := tx.Charge.Query().
		Where(charge.FiscalYear(year), charge.PeriodEQ(charge.Period(step)), charge.CorrectsIDIsNil()).
		Select(charge.FieldIdempotencyKey, charge.FieldAmount, charge.FieldMemberID,
			charge.FieldResourceID, charge.FieldServiceRequestID, charge.FieldKind).
		All(ctx)
	if err != nil {
		return nil, err
	}
	slots := make(map[string]*slotState, len(lines))
	slotOf := make(map[pulid.ID]*slotState, len(lines))
	for _, l := range lines {
		slot, _, _ := strings.Cut(l.IdempotencyKey, "#")
		s := slots[slot]
		if s == nil {
			s = &slotState{sample: l}
			slots[slot] = s
		}
		s.sum += l.Amount
		s.lines++
		slotOf[l.ID] = s
	}
	corrections, err := tx.Charge.Query().
		Where(charge.FiscalYear(year), charge.PeriodEQ(charge.Period(step)), charge.CorrectsIDNotNil()).
		Select(charge.FieldCorrectsID, charge.FieldAmount).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range corrections {
		if s := slotOf[*c.CorrectsID]; s != nil {
			s.corrections += c.Amount
		}
	}
	return slots, nil
}

// keptCorrection is the part of the corrections made by hand that a slot
// of the given target keeps: none once nothing is due, and never more of a
// reduction than the target.
func keptCorrection(target, corrections int64) int64 {
	switch {
	case target <= 0:
		return 0
	case corrections < 0:
		return max(corrections, -target)
	}
	return corrections
}

// pendingLine is a line to write.
type pendingLine struct {
	target
	key string
}

// reconcile compares the targets with the ledger's slots and returns the
// lines to write, and how many targets the ledger already held.
func reconcile(year int, step Step, targets []target, slots map[string]*slotState) (lines []pendingLine, held int) {
	seen := make(map[string]bool, len(targets))
	add := func(t target, slot string) {
		s := slots[slot]
		if s == nil {
			s = &slotState{}
		}
		delta := t.amount + keptCorrection(t.amount, s.corrections) - (s.sum + s.corrections)
		if delta == 0 {
			if s.lines > 0 {
				held++
			}
			return
		}
		t.amount = delta
		if s.lines > 0 {
			t.basis.Note = strings.TrimSpace(fmt.Sprintf("%s (correction : %s déjà appelés sur %d ligne(s))",
				t.basis.Note, money.Format(s.sum), s.lines))
			t.explanation = strings.TrimSpace(fmt.Sprintf("%s ; déjà appelé %s : ligne de %s",
				t.explanation, money.French(s.sum+s.corrections), money.French(delta)))
		}
		lines = append(lines, pendingLine{target: t, key: slot + "#" + strconv.Itoa(s.lines+1)})
	}
	for _, t := range targets {
		slot := t.slot(year, step)
		seen[slot] = true
		add(t, slot)
	}
	for _, slot := range sortedKeys(slots) {
		s := slots[slot]
		if seen[slot] || s.sum+s.corrections == 0 {
			continue
		}
		add(target{
			memberID: s.sample.MemberID, resourceID: s.sample.ResourceID,
			serviceRequestID: s.sample.ServiceRequestID, kind: s.sample.Kind,
			label:       fmt.Sprintf("Annulation %s %d — plus dû", step, year),
			basis:       schematype.ChargeBasis{Note: "le calcul de l'étape ne produit plus cette ligne"},
			explanation: "Plus dû : le calcul de l'étape ne produit plus cette ligne",
		}, slot)
	}
	slices.SortStableFunc(lines, func(a, b pendingLine) int { return cmp.Compare(a.memberID, b.memberID) })
	return lines, held
}

// callTerm is the time a member has to pay a call for funds.
const callTerm = 30 * 24 * time.Hour

// writeBatch is the number of rows of one INSERT: within the bind
// parameter limits of SQLite (32,766) and PostgreSQL (65,535).
const writeBatch = 1000

// posting is where lines are written: their year and period, the run
// they belong to or the line they correct, who writes them, and when the
// calls for funds are issued.
type posting struct {
	year      int
	period    charge.Period
	runID     *pulid.ID
	corrects  *pulid.ID
	createdBy string
	issued    time.Time
}

// writeLines writes the lines, grouped into one call for funds per member
// numbered AF-<year>-<n> without gaps, and returns the calls. Lines must
// be sorted by member.
func writeLines(ctx context.Context, tx *ent.Client, p posting, lines []pendingLine) ([]*ent.CallForFunds, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	year, runID := p.year, p.runID
	next, err := nextCallSequence(ctx, tx, year)
	if err != nil {
		return nil, err
	}
	var calls []*ent.CallForFundsCreate
	issued, due := p.issued, p.issued.Add(callTerm)
	groups := groupByMember(lines)
	for _, g := range groups {
		var total int64
		for _, l := range g {
			total += l.amount
		}
		calls = append(calls, tx.CallForFunds.Create().
			SetMemberID(g[0].memberID).SetNillableChargeRunID(runID).
			SetFiscalYear(year).SetSequence(next).SetNumber(CallNumber(year, next)).
			SetIssuedOn(issued).SetDueOn(due).SetTotal(total))
		next++
	}
	created := make([]*ent.CallForFunds, 0, len(calls))
	for lo := 0; lo < len(calls); lo += writeBatch {
		batch, err := tx.CallForFunds.CreateBulk(calls[lo:min(lo+writeBatch, len(calls))]...).Save(ctx)
		if err != nil {
			return nil, err
		}
		created = append(created, batch...)
	}
	bulk := make([]*ent.ChargeCreate, 0, writeBatch)
	flush := func() error {
		err := tx.Charge.CreateBulk(bulk...).Exec(ctx)
		bulk = bulk[:0]
		return err
	}
	for i, g := range groups {
		for _, l := range g {
			bulk = append(bulk, tx.Charge.Create().
				SetMemberID(l.memberID).SetNillableResourceID(l.resourceID).
				SetNillableServiceRequestID(l.serviceRequestID).
				SetNillableChargeRunID(runID).SetNillableCorrectsID(p.corrects).
				SetCallForFundsID(created[i].ID).
				SetKind(l.kind).SetFiscalYear(year).SetPeriod(p.period).
				SetAmount(l.amount).SetLabel(l.label).SetBasis(l.basis).SetExplanation(l.explanation).
				SetIdempotencyKey(l.key).SetCreatedBy(p.createdBy))
			if len(bulk) == writeBatch {
				if err := flush(); err != nil {
					return nil, err
				}
			}
		}
	}
	if len(bulk) > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	// Credits pay the new calls at once; a call that asks nothing is paid.
	return created, payments.SettleIssued(ctx, tx, created)
}

// CallNumber is the number of the seq-th call for funds of year.
func CallNumber(year, seq int) string { return fmt.Sprintf("AF-%d-%04d", year, seq) }

// nextCallSequence is the next free number of the year. Two transactions
// taking the same number cannot both commit (the pair is unique): the
// second fails and writes nothing, so the numbering has no gap.
func nextCallSequence(ctx context.Context, tx *ent.Client, year int) (int, error) {
	last, err := tx.CallForFunds.Query().Where(callforfunds.FiscalYear(year)).
		Order(ent.Desc(callforfunds.FieldSequence)).First(ctx)
	switch {
	case ent.IsNotFound(err):
		return 1, nil
	case err != nil:
		return 0, err
	}
	return last.Sequence + 1, nil
}

// groupByMember splits lines sorted by member into one group per member.
func groupByMember(lines []pendingLine) [][]pendingLine {
	var groups [][]pendingLine
	for lo := 0; lo < len(lines); {
		hi := lo + 1
		for hi < len(lines) && lines[hi].memberID == lines[lo].memberID {
			hi++
		}
		groups = append(groups, lines[lo:hi])
		lo = hi
	}
	return groups
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
