package charging

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/charge"
	"communs/ent/costentry"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/schema/schematype"
	"communs/ent/subscription"
	"communs/ent/usagedeclaration"
	"communs/ent/usagedeclarationline"
	"communs/ent/usagedeclarationrevision"
	"communs/internal/viewer"
)

// planCosts plans a step of the cost-price cycle:
//
//   - Q1, Q2, Q3: each member's PROVISION = Provision(share, q), where the
//     share is the member's part of the resource's BUDGETED cost of the
//     year: the common entries (no member) split by Weights on the
//     subscriptions of the year (DIRECT resources have none), plus the
//     member's own direct entries.
//   - YEAR_END: each member's REGULARIZATION = its share of the ACTUAL cost
//     (computed the same way) minus the provisions charged for the
//     resource and year; the declarations used are LOCKED.
//
// An amount with no participant is reported in Unallocated and charged to
// nobody. progress is called after each resource.
func planCosts(ctx context.Context, tx *ent.Client, year int, step Step, progress func(done, total int)) (*plan, error) {
	c := &costPlanner{tx: tx, year: year, step: step, plan: &plan{}}
	resources, err := tx.Resource.Query().Order(ent.Asc(resource.FieldCode), ent.Asc(resource.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.loadDeclarations(ctx); err != nil {
		return nil, err
	}
	if step == StepYearEnd {
		if c.provisions, err = provisionsCharged(ctx, tx, year); err != nil {
			return nil, err
		}
		c.plan.after = c.lockDeclarations
	}
	for i, res := range resources {
		if err := c.resource(ctx, res); err != nil {
			return nil, fmt.Errorf("resource %s: %w", res.Code, err)
		}
		if progress != nil {
			progress(i+1, len(resources))
		}
	}
	return c.plan, nil
}

// costPlanner holds the state of planCosts.
type costPlanner struct {
	tx   *ent.Client
	year int
	step Step
	plan *plan
	// declarations of the year usable for PRO_RATA (VALIDATED or LOCKED),
	// by member, loaded once.
	decls map[pulid.ID]*ent.UsageDeclaration
	// quantities by declaration id and resource id.
	quantities map[pulid.ID]map[pulid.ID]int64
	// used are the declarations that weighed in this execution.
	used map[pulid.ID]*ent.UsageDeclaration
	// provisions charged by resource and member (year end only).
	provisions map[pulid.ID]map[string]int64
}

func (c *costPlanner) loadDeclarations(ctx context.Context) error {
	decls, err := c.tx.UsageDeclaration.Query().
		Where(usagedeclaration.Year(c.year),
			usagedeclaration.StatusIn(usagedeclaration.StatusVALIDATED, usagedeclaration.StatusLOCKED)).
		All(ctx)
	if err != nil {
		return err
	}
	c.decls = make(map[pulid.ID]*ent.UsageDeclaration, len(decls))
	c.quantities = make(map[pulid.ID]map[pulid.ID]int64, len(decls))
	c.used = make(map[pulid.ID]*ent.UsageDeclaration)
	for _, d := range decls {
		c.decls[d.MemberID] = d
		c.quantities[d.ID] = make(map[pulid.ID]int64)
	}
	if len(decls) == 0 {
		return nil
	}
	// One query for the year's lines rather than an IN list of every
	// declaration: the list would exceed the bind parameter limits.
	lines, err := c.tx.UsageDeclarationLine.Query().
		Where(usagedeclarationline.HasDeclarationWith(usagedeclaration.Year(c.year),
			usagedeclaration.StatusIn(usagedeclaration.StatusVALIDATED, usagedeclaration.StatusLOCKED))).
		All(ctx)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if q := c.quantities[l.DeclarationID]; q != nil {
			q[l.ResourceID] = l.Quantity
		}
	}
	return nil
}

// provisionsCharged sums the PROVISION lines of the year by resource and
// member, in one query.
func provisionsCharged(ctx context.Context, tx *ent.Client, year int) (map[pulid.ID]map[string]int64, error) {
	var rows []struct {
		ResourceID pulid.ID      `json:"resource_id"`
		MemberID   string        `json:"member_id"`
		Sum        sql.NullInt64 `json:"sum"`
	}
	err := tx.Charge.Query().
		Where(charge.FiscalYear(year), charge.KindEQ(charge.KindPROVISION), charge.ResourceIDNotNil()).
		GroupBy(charge.FieldResourceID, charge.FieldMemberID).
		Aggregate(ent.Sum(charge.FieldAmount)).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make(map[pulid.ID]map[string]int64)
	for _, r := range rows {
		if out[r.ResourceID] == nil {
			out[r.ResourceID] = make(map[string]int64)
		}
		out[r.ResourceID][r.MemberID] += r.Sum.Int64
	}
	return out, nil
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

func (c *costPlanner) resource(ctx context.Context, res *ent.Resource) error {
	basis := costentry.BasisBUDGETED
	if c.step == StepYearEnd {
		basis = costentry.BasisACTUAL
	}
	sh, err := c.split(ctx, res, basis)
	if err != nil {
		return err
	}
	if q := c.step.quarter(); q > 0 {
		label := fmt.Sprintf("Provision %s %d — %s (%d/4 de la quote-part du coût budgété)", c.step, c.year, res.Name, q)
		for _, id := range sortedKeys(sh.byMember) {
			s := sh.byMember[id]
			c.target(res, id, charge.KindPROVISION, Provision(s.amount, q), label, s, sh.totalWeight)
		}
		return nil
	}
	actual := make([]Share, 0, len(sh.byMember))
	for _, id := range sortedKeys(sh.byMember) {
		actual = append(actual, Share{ID: string(id), Amount: sh.byMember[id].amount})
	}
	label := fmt.Sprintf("Régularisation %d — %s (quote-part du coût réel moins provisions)", c.year, res.Name)
	for _, reg := range Regularizations(actual, c.provisions[res.ID]) {
		id := pulid.ID(reg.ID)
		s := sh.byMember[id]
		if s == nil {
			s = &memberShare{}
		}
		c.target(res, id, charge.KindREGULARIZATION, reg.Amount, label, s, sh.totalWeight)
	}
	return nil
}

// target adds what a member should be charged for the resource, with the
// basis that explains it.
func (c *costPlanner) target(res *ent.Resource, memberID pulid.ID, kind charge.Kind, amount int64, label string, s *memberShare, totalWeight int64) {
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
		basis.Note = fmt.Sprintf("quote-part du coût réel %d − provisions appelées %d", s.amount, s.amount-amount)
	}
	resourceID := res.ID
	c.plan.targets = append(c.plan.targets, target{
		memberID: memberID, resourceID: &resourceID, kind: kind,
		amount: amount, label: label, basis: basis,
	})
}

// split computes each member's share of the resource's costs on basis.
// Amounts nobody can bear are added to the plan's Unallocated.
func (c *costPlanner) split(ctx context.Context, res *ent.Resource, basis costentry.Basis) (*shares, error) {
	entries, err := c.tx.CostEntry.Query().
		Where(costentry.ResourceID(res.ID), costentry.FiscalYear(c.year), costentry.BasisEQ(basis)).
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
		c.unallocated(res, basis, common, "ressource à clé DIRECT : coûts communs sans membre désigné")
		return sh, nil
	}
	subs, err := c.subscribers(ctx, res, key)
	if err != nil {
		return nil, err
	}
	participants, err := Weights(key, c.year, subs)
	if err != nil {
		return nil, err
	}
	split, err := Split(common, participants)
	if errors.Is(err, ErrNoParticipant) {
		c.unallocated(res, basis, common, "aucun participant pondéré (aucun abonné, ou aucune quantité déclarée)")
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
			if d := c.decls[pulid.ID(s.ID)]; d != nil {
				m.declaration = d
				c.used[d.ID] = d
			}
		}
	}
	return sh, nil
}

// subscribers returns the subscriptions of the resource in service during
// the year, with the declared quantity for PRO_RATA.
func (c *costPlanner) subscribers(ctx context.Context, res *ent.Resource, key Key) ([]Subscriber, error) {
	first := time.Date(c.year, time.January, 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(c.year, time.December, 31, 0, 0, 0, 0, time.UTC)
	subs, err := c.tx.Subscription.Query().
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
			d := c.decls[s.MemberID]
			q, ok := int64(0), false
			if d != nil {
				q, ok = c.quantities[d.ID][res.ID]
			}
			if !ok && !reported[s.MemberID] {
				reported[s.MemberID] = true
				reason := "aucune fiche déclarative validée pour l'année"
				if d != nil {
					reason = "la fiche déclarative validée ne déclare pas cette ressource"
				}
				c.plan.report.MissingDeclarations = append(c.plan.report.MissingDeclarations, MissingDeclaration{
					MemberID: s.MemberID, ResourceID: res.ID, ResourceName: res.Name, Reason: reason,
				})
			}
			line.Quantity = q
		}
		out = append(out, line)
	}
	return out, nil
}

func (c *costPlanner) unallocated(res *ent.Resource, basis costentry.Basis, amount int64, reason string) {
	c.plan.report.Unallocated = append(c.plan.report.Unallocated, Unallocated{
		ResourceID: res.ID, ResourceName: res.Name, Basis: basis, Amount: amount, Reason: reason,
	})
}

// UnallocatedCosts reports the costs of the year that no member would
// bear: the BUDGETED costs as the provisions would split them today, and
// the ACTUAL costs as the year end would. Nothing is written.
func UnallocatedCosts(ctx context.Context, client *ent.Client, year int) ([]Unallocated, error) {
	if err := checkFiscalYear(year); err != nil {
		return nil, err
	}
	ctx = viewer.SystemContext(ctx)
	var out []Unallocated
	for _, step := range []Step{StepQ1, StepYearEnd} {
		p, err := planCosts(ctx, client, year, step, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, p.report.Unallocated...)
	}
	return out, nil
}

// lockBatch bounds the declarations locked by one UPDATE (and so the audit
// events its hook writes in one INSERT).
const lockBatch = 500

// lockDeclarations moves the VALIDATED declarations used at the year end to
// LOCKED, with a revision snapshot as every status change has, in batches.
func (c *costPlanner) lockDeclarations(ctx context.Context, tx *ent.Client) error {
	var toLock []*ent.UsageDeclaration
	for _, id := range sortedKeys(c.used) {
		if d := c.used[id]; d.Status == usagedeclaration.StatusVALIDATED {
			toLock = append(toLock, d)
		}
	}
	now := time.Now().UTC()
	var author *pulid.ID
	if v := viewer.FromContext(ctx); v != nil && v.AccountID != "" {
		author = &v.AccountID
	}
	comment := fmt.Sprintf("verrouillée par la régularisation %d", c.year)
	for lo := 0; lo < len(toLock); lo += lockBatch {
		batch := toLock[lo:min(lo+lockBatch, len(toLock))]
		ids := make([]pulid.ID, len(batch))
		revisions := make([]*ent.UsageDeclarationRevisionCreate, len(batch))
		for i, d := range batch {
			ids[i] = d.ID
			revisions[i] = tx.UsageDeclarationRevision.Create().
				SetDeclarationID(d.ID).SetRevision(d.Revision + 1).
				SetStatus(usagedeclarationrevision.StatusLOCKED).
				SetLines(c.snapshot(d.ID)).SetComment(comment).SetNillableAuthorID(author)
		}
		// Each declaration is still VALIDATED at the revision read: the
		// status condition catches a change made since.
		n, err := tx.UsageDeclaration.Update().
			Where(usagedeclaration.IDIn(ids...), usagedeclaration.StatusEQ(usagedeclaration.StatusVALIDATED)).
			SetStatus(usagedeclaration.StatusLOCKED).AddRevision(1).SetLockedAt(now).
			Save(ctx)
		if err != nil {
			return err
		}
		if n != len(batch) {
			return communs.Errorf(communs.ECONFLICT, "a declaration changed during the charge run; run the year end again")
		}
		if err := tx.UsageDeclarationRevision.CreateBulk(revisions...).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// snapshot is the declaration's lines as a revision records them.
func (c *costPlanner) snapshot(declarationID pulid.ID) []schematype.DeclaredQuantity {
	lines := make([]schematype.DeclaredQuantity, 0, len(c.quantities[declarationID]))
	for rid, q := range c.quantities[declarationID] {
		lines = append(lines, schematype.DeclaredQuantity{ResourceID: rid, Quantity: q})
	}
	slices.SortFunc(lines, func(a, b schematype.DeclaredQuantity) int { return cmp.Compare(a.ResourceID, b.ResourceID) })
	return lines
}
