package charging

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/charge"
	"communs/ent/chargerun"
	"communs/ent/costentry"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/schema/schematype"
	"communs/ent/subscription"
	"communs/ent/usagedeclaration"
	"communs/ent/usagedeclarationline"
	"communs/ent/usagedeclarationrevision"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// Step is a step of the charge cycle handled by RunStep.
type Step string

// The steps of the cost-price cycle built so far (SERVICES and FEES are not).
const (
	StepQ1      Step = "Q1"
	StepQ2      Step = "Q2"
	StepQ3      Step = "Q3"
	StepYearEnd Step = "YEAR_END"
)

// quarter returns 1, 2 or 3 for a provision step, 0 for the year end and
// -1 for anything else.
func (s Step) quarter() int {
	switch s {
	case StepQ1:
		return 1
	case StepQ2:
		return 2
	case StepQ3:
		return 3
	case StepYearEnd:
		return 0
	}
	return -1
}

// RunResult is what one execution of a step did.
type RunResult struct {
	Run *ent.ChargeRun
	// Created is the number of charge lines added by this execution,
	// AlreadyThere the number of lines the step would have added that an
	// earlier execution had already added (same idempotency key).
	Created, AlreadyThere int
	// Total is the sum of the lines added by this execution.
	Total int64
	// Unallocated lists the amounts nobody could be charged for.
	Unallocated []Unallocated
	// MissingDeclarations lists the PRO_RATA subscribers who weighed 0
	// because they have no VALIDATED or LOCKED declaration of the year (or
	// no line for the resource in it).
	MissingDeclarations []MissingDeclaration
}

// Unallocated is an amount of a resource that no member was charged.
type Unallocated struct {
	ResourceID   pulid.ID
	ResourceName string
	Amount       int64
	Reason       string
}

// MissingDeclaration is a PRO_RATA subscriber without a usable quantity.
type MissingDeclaration struct {
	MemberID     pulid.ID
	ResourceID   pulid.ID
	ResourceName string
	Reason       string
}

// IdempotencyKey is the unique key of the charge line of a member and
// resource for a step: running a step twice adds nothing.
func IdempotencyKey(year int, step Step, kind charge.Kind, memberID, resourceID pulid.ID) string {
	return fmt.Sprintf("%d/%s/%s/%s/%s", year, step, kind, memberID, resourceID)
}

// RunStep runs one step of the cycle for a fiscal year, in one
// transaction, as the platform (the audit trail names the person in ctx).
//
//   - Q1, Q2, Q3: each member's PROVISION = Provision(share, q), where the
//     share is the member's part of the resource's BUDGETED cost of the
//     year: the common entries (no member) split by Weights on the
//     subscriptions of the year (DIRECT resources have none), plus the
//     member's own direct entries.
//   - YEAR_END: each member's REGULARIZATION = its share of the ACTUAL cost
//     (computed the same way) minus the provisions already charged for the
//     resource and year; the declarations used are LOCKED.
//
// Lines whose key already exists are skipped, and zero amounts are not
// written. An amount with no participant is reported in Unallocated and
// charged to nobody. One ChargeRun row records the execution: COMPLETED
// with the count and total, or, when the work fails and is rolled back,
// FAILED with the error (written after the rollback). progress, if not
// nil, is called after each resource.
func RunStep(ctx context.Context, client *ent.Client, year int, step Step, startedBy string, progress func(done, total int)) (*RunResult, error) {
	if year < 2000 || year > 2100 {
		return nil, communs.InvalidField("year", "a fiscal year between 2000 and 2100")
	}
	if step.quarter() < 0 {
		return nil, communs.InvalidField("step", "one of Q1, Q2, Q3, YEAR_END")
	}
	ctx = viewer.SystemContext(ctx)
	var res *RunResult
	err := txn.Run(ctx, client, func(ctx context.Context, tx *ent.Client) error {
		r := &runner{tx: tx, year: year, step: step, res: &RunResult{}}
		run, err := tx.ChargeRun.Create().
			SetFiscalYear(year).SetStep(chargerun.Step(step)).SetStartedBy(startedBy).
			Save(ctx)
		if err != nil {
			return err
		}
		r.run = run
		if err := r.all(ctx, progress); err != nil {
			return err
		}
		r.res.Run, err = tx.ChargeRun.UpdateOne(run).
			SetStatus(chargerun.StatusCOMPLETED).
			SetFinishedAt(time.Now().UTC()).
			SetChargeCount(r.res.Created).
			SetTotal(r.res.Total).
			Save(ctx)
		if err != nil {
			return err
		}
		res = r.res
		return nil
	})
	if err != nil {
		msg := err.Error()
		if ent.TxFromContext(ctx) == nil {
			// The work was rolled back: the failure is recorded on its own.
			_ = client.ChargeRun.Create().
				SetFiscalYear(year).SetStep(chargerun.Step(step)).SetStartedBy(startedBy).
				SetStatus(chargerun.StatusFAILED).SetFinishedAt(time.Now().UTC()).
				SetError(msg).Exec(ctx)
		}
		return nil, fmt.Errorf("charge run %d %s: %w", year, step, err)
	}
	return res, nil
}

// runner holds one execution's state.
type runner struct {
	tx   *ent.Client
	year int
	step Step
	run  *ent.ChargeRun
	res  *RunResult
	// declarations of the year usable for PRO_RATA (VALIDATED or LOCKED),
	// by member, loaded once.
	decls map[pulid.ID]*ent.UsageDeclaration
	// quantities by declaration id and resource id.
	quantities map[pulid.ID]map[pulid.ID]int64
	// used are the declarations that weighed in this execution.
	used map[pulid.ID]*ent.UsageDeclaration
	// charged holds the idempotency keys of the step's lines already
	// written, loaded once rather than looked up line by line.
	charged map[string]bool
}

func (r *runner) all(ctx context.Context, progress func(done, total int)) error {
	resources, err := r.tx.Resource.Query().Order(ent.Asc(resource.FieldCode), ent.Asc(resource.FieldID)).All(ctx)
	if err != nil {
		return err
	}
	if err := r.loadDeclarations(ctx); err != nil {
		return err
	}
	if err := r.loadCharged(ctx); err != nil {
		return err
	}
	for i, res := range resources {
		if err := r.resource(ctx, res); err != nil {
			return fmt.Errorf("resource %s: %w", res.Code, err)
		}
		if progress != nil {
			progress(i+1, len(resources))
		}
	}
	if r.step == StepYearEnd {
		return r.lockDeclarations(ctx)
	}
	return nil
}

func (r *runner) loadDeclarations(ctx context.Context) error {
	decls, err := r.tx.UsageDeclaration.Query().
		Where(usagedeclaration.Year(r.year),
			usagedeclaration.StatusIn(usagedeclaration.StatusVALIDATED, usagedeclaration.StatusLOCKED)).
		All(ctx)
	if err != nil {
		return err
	}
	r.decls = make(map[pulid.ID]*ent.UsageDeclaration, len(decls))
	r.quantities = make(map[pulid.ID]map[pulid.ID]int64, len(decls))
	r.used = make(map[pulid.ID]*ent.UsageDeclaration)
	ids := make([]pulid.ID, len(decls))
	for i, d := range decls {
		r.decls[d.MemberID] = d
		r.quantities[d.ID] = make(map[pulid.ID]int64)
		ids[i] = d.ID
	}
	if len(ids) == 0 {
		return nil
	}
	lines, err := r.tx.UsageDeclarationLine.Query().
		Where(usagedeclarationline.DeclarationIDIn(ids...)).All(ctx)
	if err != nil {
		return err
	}
	for _, l := range lines {
		r.quantities[l.DeclarationID][l.ResourceID] = l.Quantity
	}
	return nil
}

// memberShare is one member's part of a resource's cost on one basis.
type memberShare struct {
	amount      int64
	weight      int64 // the member's weight in the common split, if any
	costEntries []pulid.ID
	declaration *ent.UsageDeclaration
}

// shares is the result of splitting a resource's costs on one basis.
type shares struct {
	byMember    map[pulid.ID]*memberShare
	totalWeight int64
	total       int64 // Σ cost entries, common and direct
}

func (r *runner) resource(ctx context.Context, res *ent.Resource) error {
	basis := costentry.BasisBUDGETED
	if r.step == StepYearEnd {
		basis = costentry.BasisACTUAL
	}
	sh, err := r.split(ctx, res, basis)
	if err != nil {
		return err
	}
	if r.step != StepYearEnd {
		q := r.step.quarter()
		for _, id := range sortedIDs(sh.byMember) {
			s := sh.byMember[id]
			amount := Provision(s.amount, q)
			label := fmt.Sprintf("Provision %s %d — %s (%d/4 de la quote-part du coût budgété)", r.step, r.year, res.Name, q)
			if err := r.charge(ctx, res, id, charge.KindPROVISION, amount, label, s, sh.totalWeight); err != nil {
				return err
			}
		}
		return nil
	}
	provisions, err := r.provisions(ctx, res.ID)
	if err != nil {
		return err
	}
	actual := make([]Share, 0, len(sh.byMember))
	for _, id := range sortedIDs(sh.byMember) {
		actual = append(actual, Share{ID: string(id), Amount: sh.byMember[id].amount})
	}
	for _, reg := range Regularizations(actual, provisions) {
		id := pulid.ID(reg.ID)
		s := sh.byMember[id]
		if s == nil {
			s = &memberShare{}
		}
		label := fmt.Sprintf("Régularisation %d — %s (quote-part du coût réel moins provisions)", r.year, res.Name)
		if err := r.charge(ctx, res, id, charge.KindREGULARIZATION, reg.Amount, label, s, sh.totalWeight); err != nil {
			return err
		}
	}
	return nil
}

// split computes each member's share of the resource's costs on basis.
// Amounts nobody can bear are added to r.res.Unallocated.
func (r *runner) split(ctx context.Context, res *ent.Resource, basis costentry.Basis) (*shares, error) {
	entries, err := r.tx.CostEntry.Query().
		Where(costentry.ResourceID(res.ID), costentry.FiscalYear(r.year), costentry.BasisEQ(basis)).
		Order(ent.Asc(costentry.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	sh := &shares{byMember: make(map[pulid.ID]*memberShare)}
	get := func(id pulid.ID) *memberShare {
		s := sh.byMember[id]
		if s == nil {
			s = &memberShare{}
			sh.byMember[id] = s
		}
		return s
	}
	var common int64
	var commonIDs []pulid.ID
	for _, e := range entries {
		sh.total += e.Amount
		if e.MemberID != nil {
			s := get(*e.MemberID)
			s.amount += e.Amount
			s.costEntries = append(s.costEntries, e.ID)
			continue
		}
		common += e.Amount
		commonIDs = append(commonIDs, e.ID)
	}
	if common == 0 {
		return sh, nil
	}
	key := Key(res.AllocationKey)
	if key == KeyDirect {
		r.unallocated(res, common, fmt.Sprintf("coûts %s d'une ressource à clé DIRECT sans membre désigné", basis))
		return sh, nil
	}
	subs, err := r.subscribers(ctx, res, key)
	if err != nil {
		return nil, err
	}
	participants, err := Weights(key, r.year, subs)
	if err != nil {
		return nil, err
	}
	split, err := Split(common, participants)
	if errors.Is(err, ErrNoParticipant) {
		r.unallocated(res, common, fmt.Sprintf("coûts %s sans participant pondéré (aucun abonné, ou aucune quantité déclarée)", basis))
		return sh, nil
	}
	if err != nil {
		return nil, err
	}
	for _, p := range participants {
		sh.totalWeight += p.Weight
	}
	for _, s := range split {
		m := get(pulid.ID(s.ID))
		m.amount += s.Amount
		m.weight = s.Weight
		m.costEntries = append(m.costEntries, commonIDs...)
		if key == KeyProRata {
			if d := r.decls[pulid.ID(s.ID)]; d != nil {
				m.declaration = d
				r.used[d.ID] = d
			}
		}
	}
	return sh, nil
}

// subscribers returns the subscriptions of the resource in service during
// the year, with the declared quantity for PRO_RATA.
func (r *runner) subscribers(ctx context.Context, res *ent.Resource, key Key) ([]Subscriber, error) {
	first := time.Date(r.year, time.January, 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(r.year, time.December, 31, 0, 0, 0, 0, time.UTC)
	subs, err := r.tx.Subscription.Query().
		Where(subscription.ResourceID(res.ID),
			subscription.StatusIn(subscription.StatusACTIVE, subscription.StatusENDED),
			subscription.StartsOnNotNil(), subscription.StartsOnLTE(last),
			subscription.Or(subscription.EndsOnIsNil(), subscription.EndsOnGTE(first))).
		Order(ent.Asc(subscription.FieldMemberID), ent.Asc(subscription.FieldID)).
		All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Subscriber, 0, len(subs))
	reported := make(map[pulid.ID]bool)
	for _, s := range subs {
		line := Subscriber{MemberID: string(s.MemberID), From: s.StartsOn.UTC()}
		if s.EndsOn != nil {
			line.To = s.EndsOn.UTC()
		}
		if key == KeyProRata {
			d := r.decls[s.MemberID]
			q, ok := int64(0), false
			if d != nil {
				q, ok = r.quantities[d.ID][res.ID]
			}
			if !ok && !reported[s.MemberID] {
				reported[s.MemberID] = true
				reason := "aucune fiche déclarative validée pour l'année"
				if d != nil {
					reason = "la fiche déclarative validée ne déclare pas cette ressource"
				}
				r.res.MissingDeclarations = append(r.res.MissingDeclarations, MissingDeclaration{
					MemberID: s.MemberID, ResourceID: res.ID, ResourceName: res.Name, Reason: reason,
				})
			}
			line.Quantity = q
		}
		out = append(out, line)
	}
	return out, nil
}

func (r *runner) unallocated(res *ent.Resource, amount int64, reason string) {
	r.res.Unallocated = append(r.res.Unallocated, Unallocated{
		ResourceID: res.ID, ResourceName: res.Name, Amount: amount, Reason: reason,
	})
}

// provisions returns the provisions charged per member for the resource and
// year, by all executions so far.
func (r *runner) provisions(ctx context.Context, resourceID pulid.ID) (map[string]int64, error) {
	rows, err := r.tx.Charge.Query().
		Where(charge.ResourceID(resourceID), charge.FiscalYear(r.year), charge.KindEQ(charge.KindPROVISION)).
		All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64)
	for _, c := range rows {
		out[string(c.MemberID)] += c.Amount
	}
	return out, nil
}

// charge writes one line unless its key exists already or it is zero.
func (r *runner) charge(ctx context.Context, res *ent.Resource, memberID pulid.ID, kind charge.Kind, amount int64, label string, s *memberShare, totalWeight int64) error {
	if amount == 0 {
		return nil
	}
	key := IdempotencyKey(r.year, r.step, kind, memberID, res.ID)
	if r.charged[key] {
		r.res.AlreadyThere++
		return nil
	}
	basis := schematype.ChargeBasis{
		AllocationKey: string(res.AllocationKey),
		MemberWeight:  s.weight,
		BaseAmount:    s.amount,
		CostEntryIDs:  s.costEntries,
	}
	if s.weight > 0 {
		basis.TotalWeight = totalWeight
	}
	if s.declaration != nil {
		basis.DeclarationID = s.declaration.ID
		basis.DeclarationRevision = s.declaration.Revision
	}
	if kind == charge.KindREGULARIZATION {
		basis.Note = fmt.Sprintf("quote-part du coût réel %d − provisions déjà appelées %d", s.amount, s.amount-amount)
	}
	err := r.tx.Charge.Create().
		SetMemberID(memberID).
		SetResourceID(res.ID).
		SetChargeRunID(r.run.ID).
		SetKind(kind).
		SetFiscalYear(r.year).
		SetPeriod(charge.Period(r.step)).
		SetAmount(amount).
		SetLabel(label).
		SetBasis(basis).
		SetIdempotencyKey(key).
		Exec(ctx)
	if err != nil {
		return err
	}
	r.charged[key] = true
	r.res.Created++
	r.res.Total += amount
	return nil
}

// loadCharged reads the keys of the lines earlier executions of the step
// wrote.
func (r *runner) loadCharged(ctx context.Context) error {
	keys, err := r.tx.Charge.Query().
		Where(charge.FiscalYear(r.year), charge.PeriodEQ(charge.Period(r.step))).
		Select(charge.FieldIdempotencyKey).
		Strings(ctx)
	r.charged = make(map[string]bool, len(keys))
	for _, k := range keys {
		r.charged[k] = true
	}
	return err
}

// lockDeclarations moves the VALIDATED declarations used at the year end to
// LOCKED, with a revision snapshot as every status change has.
func (r *runner) lockDeclarations(ctx context.Context) error {
	now := time.Now().UTC()
	for _, id := range sortedIDs(r.used) {
		d := r.used[id]
		if d.Status != usagedeclaration.StatusVALIDATED {
			continue
		}
		n, err := r.tx.UsageDeclaration.Update().
			Where(usagedeclaration.ID(d.ID), usagedeclaration.StatusEQ(d.Status), usagedeclaration.Revision(d.Revision)).
			SetStatus(usagedeclaration.StatusLOCKED).SetRevision(d.Revision + 1).SetLockedAt(now).
			Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return communs.Errorf(communs.ECONFLICT, "the declaration %s changed during the charge run", d.ID)
		}
		lines := make([]schematype.DeclaredQuantity, 0, len(r.quantities[d.ID]))
		for rid, q := range r.quantities[d.ID] {
			lines = append(lines, schematype.DeclaredQuantity{ResourceID: rid, Quantity: q})
		}
		slices.SortFunc(lines, func(a, b schematype.DeclaredQuantity) int { return cmp.Compare(a.ResourceID, b.ResourceID) })
		var author *pulid.ID
		if v := viewer.FromContext(ctx); v != nil && v.AccountID != "" {
			author = &v.AccountID
		}
		err = r.tx.UsageDeclarationRevision.Create().
			SetDeclarationID(d.ID).
			SetRevision(d.Revision + 1).
			SetStatus(usagedeclarationrevision.StatusLOCKED).
			SetLines(lines).
			SetComment(fmt.Sprintf("verrouillée par la régularisation %d", r.year)).
			SetNillableAuthorID(author).
			Exec(ctx)
		if err != nil {
			return err
		}
	}
	return nil
}

func sortedIDs[V any](m map[pulid.ID]V) []pulid.ID {
	ids := make([]pulid.ID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b pulid.ID) int { return cmp.Compare(a, b) })
	return ids
}
