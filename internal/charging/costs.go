package charging

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/charge"
	"communs/ent/costentry"
	"communs/ent/member"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/schema/schematype"
	"communs/ent/subscription"
	"communs/ent/usagedeclaration"
	"communs/ent/usagedeclarationline"
	"communs/ent/usagedeclarationrevision"
	"communs/internal/calendar"
	"communs/internal/money"
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
	if err := nameMissingMembers(ctx, tx, c.plan.report.MissingDeclarations); err != nil {
		return nil, err
	}
	return c.plan, nil
}

// nameMissingMembers fills in the names of the members to chase for their
// declaration, in batches within the bind parameter limits.
func nameMissingMembers(ctx context.Context, tx *ent.Client, missing []MissingDeclaration) error {
	var ids []pulid.ID
	for _, m := range missing {
		ids = append(ids, m.MemberID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	names := make(map[pulid.ID]string, len(ids))
	for lo := 0; lo < len(ids); lo += writeBatch {
		members, err := tx.Member.Query().Where(member.IDIn(ids[lo:min(lo+writeBatch, len(ids))]...)).
			Select(member.FieldName).All(ctx)
		if err != nil {
			return err
		}
		for _, m := range members {
			names[m.ID] = m.Name
		}
	}
	for i := range missing {
		missing[i].MemberName = names[missing[i].MemberID]
	}
	return nil
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
	// lastYear are the quantities of the year before, by member and
	// resource: the first default of a missing declaration.
	lastYear map[pulid.ID]map[pulid.ID]int64
	// used are the declarations that weighed in this execution.
	used map[pulid.ID]*ent.UsageDeclaration
	// provisions charged by resource and member (year end only).
	provisions map[pulid.ID]map[string]int64
}

func (c *costPlanner) loadDeclarations(ctx context.Context) error {
	var err error
	if c.decls, c.quantities, err = usableDeclarations(ctx, c.tx, c.year); err != nil {
		return err
	}
	lastDecls, lastQuantities, err := usableDeclarations(ctx, c.tx, c.year-1)
	if err != nil {
		return err
	}
	c.lastYear = make(map[pulid.ID]map[pulid.ID]int64, len(lastDecls))
	for memberID, d := range lastDecls {
		c.lastYear[memberID] = lastQuantities[d.ID]
	}
	c.used = make(map[pulid.ID]*ent.UsageDeclaration)
	return nil
}

// usableDeclarations loads the declarations of year the engine may use
// (VALIDATED or LOCKED), by member, and their quantities by declaration
// and resource.
func usableDeclarations(ctx context.Context, tx *ent.Client, year int) (map[pulid.ID]*ent.UsageDeclaration, map[pulid.ID]map[pulid.ID]int64, error) {
	usable := usagedeclaration.And(usagedeclaration.Year(year),
		usagedeclaration.StatusIn(usagedeclaration.StatusVALIDATED, usagedeclaration.StatusLOCKED))
	decls, err := tx.UsageDeclaration.Query().Where(usable).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	byMember := make(map[pulid.ID]*ent.UsageDeclaration, len(decls))
	quantities := make(map[pulid.ID]map[pulid.ID]int64, len(decls))
	for _, d := range decls {
		byMember[d.MemberID] = d
		quantities[d.ID] = make(map[pulid.ID]int64)
	}
	if len(decls) == 0 {
		return byMember, quantities, nil
	}
	// One query for the year's lines rather than an IN list of every
	// declaration: the list would exceed the bind parameter limits.
	lines, err := tx.UsageDeclarationLine.Query().
		Where(usagedeclarationline.HasDeclarationWith(usable)).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, l := range lines {
		if q := quantities[l.DeclarationID]; q != nil {
			q[l.ResourceID] = l.Quantity
		}
	}
	return byMember, quantities, nil
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
	// splitAmount is the common cost split between the subscribers;
	// direct the member's own direct entries, included in amount.
	splitAmount, direct int64
	// missing is set when the member was weighed on a default quantity.
	missing *MissingDeclaration
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
	if s.missing != nil {
		basis.DefaultQuantity = s.missing.DefaultQuantity
		basis.DefaultRule = string(s.missing.DefaultRule)
	}
	if kind == charge.KindREGULARIZATION {
		basis.Note = fmt.Sprintf("quote-part du coût réel %d − provisions appelées %d", s.amount, s.amount-amount)
	}
	share := shareText(res, s, totalWeight, kind == charge.KindREGULARIZATION)
	resourceID := res.ID
	c.plan.targets = append(c.plan.targets, target{
		memberID: memberID, resourceID: &resourceID, kind: kind,
		amount: amount, label: label, basis: basis,
		explanation: costExplanation(kind, c.step.quarter(), share, amount, s.amount-amount),
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
			s.direct += e.Amount
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
	subs, defaults, err := c.subscribers(ctx, res, key)
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
		m.splitAmount = common
		m.missing = defaults[pulid.ID(s.ID)]
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
// the year, with the declared quantity for PRO_RATA, and the subscribers
// weighed on a default quantity because they declared none, by member.
func (c *costPlanner) subscribers(ctx context.Context, res *ent.Resource, key Key) ([]Subscriber, map[pulid.ID]*MissingDeclaration, error) {
	first, last := calendar.YearBounds(c.year)
	subs, err := c.tx.Subscription.Query().
		Where(subscription.ResourceID(res.ID),
			subscription.StatusIn(subscription.StatusACTIVE, subscription.StatusENDED),
			subscription.StartsOnNotNil(), subscription.StartsOnLTE(last),
			subscription.Or(subscription.EndsOnIsNil(), subscription.EndsOnGTE(first))).
		Order(ent.Asc(subscription.FieldMemberID), ent.Asc(subscription.FieldID)).
		All(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := make([]Subscriber, len(subs))
	declared := make(map[pulid.ID]int64)
	var undeclared []pulid.ID
	for i, s := range subs {
		out[i] = Subscriber{MemberID: string(s.MemberID), From: s.StartsOn.UTC()}
		if s.EndsOn != nil {
			out[i].To = s.EndsOn.UTC()
		}
		if key != KeyProRata {
			continue
		}
		if q, ok := c.declared(s.MemberID, res.ID); ok {
			declared[s.MemberID] = q
		} else if !slices.Contains(undeclared, s.MemberID) {
			undeclared = append(undeclared, s.MemberID)
		}
	}
	if key != KeyProRata {
		return out, nil, nil
	}
	defaults := c.defaultQuantities(res, declared, undeclared)
	for i := range out {
		id := pulid.ID(out[i].MemberID)
		if d := defaults[id]; d != nil {
			out[i].Quantity = d.DefaultQuantity
		} else {
			out[i].Quantity = declared[id]
		}
	}
	return out, defaults, nil
}

// declared is the quantity of the resource in the member's usable
// declaration of the year, if it declares one.
func (c *costPlanner) declared(memberID, resourceID pulid.ID) (int64, bool) {
	d := c.decls[memberID]
	if d == nil {
		return 0, false
	}
	q, ok := c.quantities[d.ID][resourceID]
	return q, ok
}

// defaultQuantities weighs the subscribers who declared no quantity of the
// resource, so that nobody is charged nothing for lack of a declaration
// (the others would pay its share): its quantity of the year before; or
// else the average of the quantities declared this year (of last year's,
// when nobody declared this year), rounded half up; or else, when no
// quantity is known at all, 1 (each then weighs its days). The year end
// run again after the member declares charges the difference. Each is
// reported in the run.
func (c *costPlanner) defaultQuantities(res *ent.Resource, declared map[pulid.ID]int64, undeclared []pulid.ID) map[pulid.ID]*MissingDeclaration {
	if len(undeclared) == 0 {
		return nil
	}
	known := slices.Collect(maps.Values(declared))
	if len(known) == 0 {
		for _, id := range undeclared {
			if q, ok := c.lastYear[id][res.ID]; ok {
				known = append(known, q)
			}
		}
	}
	average, averageRule := int64(1), DefaultDays
	if len(known) > 0 {
		var sum int64
		for _, q := range known {
			sum += q
		}
		average, averageRule = money.Fraction(sum, 1, int64(len(known))), DefaultAverage
	}
	out := make(map[pulid.ID]*MissingDeclaration, len(undeclared))
	for _, id := range undeclared {
		m := &MissingDeclaration{MemberID: id, ResourceID: res.ID, ResourceName: res.Name,
			DefaultQuantity: average, DefaultRule: averageRule,
			Reason: "aucune fiche déclarative validée pour l'année"}
		if c.decls[id] != nil {
			m.Reason = "la fiche déclarative validée ne déclare pas cette ressource"
		}
		if q, ok := c.lastYear[id][res.ID]; ok {
			m.DefaultQuantity, m.DefaultRule = q, DefaultLastYear
		}
		out[id] = m
		c.plan.report.MissingDeclarations = append(c.plan.report.MissingDeclarations, *m)
	}
	return out
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
	reports, err := costReports(ctx, client, year)
	if err != nil {
		return nil, err
	}
	var out []Unallocated
	for _, r := range reports {
		out = append(out, r.Unallocated...)
	}
	return out, nil
}

// MissingDeclarations lists the PRO_RATA subscribers of the year the next
// run would weigh on a default quantity, on the budget or on the actual
// costs, once per member and resource. Nothing is written.
func MissingDeclarations(ctx context.Context, client *ent.Client, year int) ([]MissingDeclaration, error) {
	reports, err := costReports(ctx, client, year)
	if err != nil {
		return nil, err
	}
	type slot struct{ member, resource pulid.ID }
	seen := make(map[slot]bool)
	var out []MissingDeclaration
	for _, r := range reports {
		for _, m := range r.MissingDeclarations {
			if s := (slot{m.MemberID, m.ResourceID}); !seen[s] {
				seen[s] = true
				out = append(out, m)
			}
		}
	}
	slices.SortFunc(out, func(a, b MissingDeclaration) int {
		return cmp.Or(cmp.Compare(a.MemberName, b.MemberName), cmp.Compare(a.MemberID, b.MemberID),
			cmp.Compare(a.ResourceName, b.ResourceName))
	})
	return out, nil
}

// costReports plans, without writing, a provision step (the budget) and
// the year end (the actual costs), and returns what each would report.
func costReports(ctx context.Context, client *ent.Client, year int) ([]RunResult, error) {
	if err := checkFiscalYear(year); err != nil {
		return nil, err
	}
	ctx = viewer.SystemContext(ctx)
	var out []RunResult
	for _, step := range []Step{StepQ1, StepYearEnd} {
		p, err := planCosts(ctx, client, year, step, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, p.report)
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
