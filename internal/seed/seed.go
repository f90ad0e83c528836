// Package seed loads demonstration data: a groupement of 51 fictional
// member organisations modelled on the reference GSM's published figures,
// its catalogue, subscriptions, the costs and usage declarations of fiscal
// year 2026, and two service requests.
//
// The data is deterministic (fixed dates, identifiers derived from names)
// and loading it is idempotent: rows are looked up by their natural keys
// (member SIREN, category and resource codes, member and resource of a
// subscription, …) and only the missing ones are created. A row that is
// found is left as it is, together with the rows that belong to it (a
// member's category history, a declaration's lines and revision, a service
// request's time entries).
package seed

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"communs/ent"
	"communs/ent/costentry"
	"communs/ent/member"
	"communs/ent/membercategorychange"
	"communs/ent/resource"
	"communs/ent/resourcecategory"
	"communs/ent/schema/pulid"
	"communs/ent/schema/schematype"
	"communs/ent/servicerequest"
	"communs/ent/subscription"
	"communs/ent/usagedeclaration"
	"communs/ent/usagedeclarationrevision"
	"communs/internal/viewer"
)

// Summary counts the rows of each kind in the database once the demo data is
// loaded (demo rows and any others), and how many this run added.
type Summary struct {
	FiscalYear int

	Members         int
	Founders        int
	ActiveMembers   int
	UserMembers     int
	CategoryChanges int

	ResourceCategories int
	Resources          int
	Subscriptions      int
	CostEntries        int

	Declarations         int
	DeclarationLines     int
	DeclarationRevisions int

	ServiceRequests int
	TimeEntries     int

	Payments int

	// Added is the number of rows this run created; 0 when the demo data
	// was already there.
	Added int
}

// String is a one-paragraph message for the command line.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Demo data (fiscal year %d): %d members (%d founders, %d active, %d users) with %d category changes; "+
		"%d resources in %d catalogue categories; %d subscriptions; %d cost entries; "+
		"%d usage declarations (%d lines, %d revisions); %d service requests with %d time entries; %d payments.",
		s.FiscalYear, s.Members, s.Founders, s.ActiveMembers, s.UserMembers, s.CategoryChanges,
		s.Resources, s.ResourceCategories, s.Subscriptions, s.CostEntries,
		s.Declarations, s.DeclarationLines, s.DeclarationRevisions, s.ServiceRequests, s.TimeEntries, s.Payments)
	if s.Added == 0 {
		b.WriteString(" Nothing was added: the demo data was already loaded.")
	} else {
		fmt.Fprintf(&b, " This run added %d rows.", s.Added)
	}
	return b.String()
}

// Demo loads the demo data in one transaction and returns what the database
// holds afterwards. Running it again adds nothing. Short progress lines go
// to progress, which may be io.Discard or nil.
//
// Without a viewer in ctx, Demo acts as the platform itself
// (viewer.SystemContext), which row isolation lets through.
func Demo(ctx context.Context, client *ent.Client, progress io.Writer) (Summary, error) {
	if progress == nil {
		progress = io.Discard
	}
	if viewer.FromContext(ctx) == nil {
		ctx = viewer.SystemContext(ctx)
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("seed: begin transaction: %w", err)
	}
	l := &loader{
		db:         tx.Client(),
		members:    map[string]pulid.ID{},
		categories: map[string]pulid.ID{},
		resources:  map[string]pulid.ID{},
	}
	steps := []struct {
		name string
		run  func(context.Context) (added, present int, err error)
	}{
		{"members", l.loadMembers},
		{"catalogue", l.loadCatalogue},
		{"subscriptions", l.loadSubscriptions},
		{"cost entries", l.loadCosts},
		{"declarations", l.loadDeclarations},
		{"service requests", l.loadServiceRequests},
		{"applications", l.loadApplications},
		{"accounts", l.loadAccounts},
		{"payments", l.loadPayments},
	}
	for _, step := range steps {
		added, present, err := step.run(ctx)
		if err != nil {
			_ = tx.Rollback()
			return Summary{}, fmt.Errorf("seed: %s: %w", step.name, err)
		}
		l.rows += added
		fmt.Fprintf(progress, "seed: %-17s %3d created, %3d already there\n", step.name+":", added, present)
	}
	sum, err := count(ctx, l.db)
	if err != nil {
		_ = tx.Rollback()
		return Summary{}, fmt.Errorf("seed: count: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Summary{}, fmt.Errorf("seed: commit: %w", err)
	}
	sum.Added = l.rows
	return sum, nil
}

// loader creates the missing rows through a transactional client and
// remembers the ids of the rows the later steps refer to.
type loader struct {
	db         *ent.Client
	members    map[string]pulid.ID // by memberRow.key
	categories map[string]pulid.ID // by code
	resources  map[string]pulid.ID // by code
	rows       int                 // rows created so far, dependent rows included
}

// Each step returns how many of its entities it created and how many it
// found by their natural key. Rows that belong to an entity (a member's
// category history, a declaration's lines and revision, a service request's
// time entries) are created with it, counted in l.rows, and left alone when
// the entity is found.

func (l *loader) loadMembers(ctx context.Context) (added, present int, err error) {
	for i, m := range members {
		siren := sirenFor(m.name)
		id, err := l.db.Member.Query().Where(member.Siren(siren)).FirstID(ctx)
		switch {
		case err == nil:
			l.members[m.key] = id
			present++
			continue
		case !ent.IsNotFound(err):
			return added, present, err
		}
		create := l.db.Member.Create().
			SetName(m.name).
			SetSiren(siren).
			SetLegalForm(m.form).
			SetStreet(m.street).
			SetPostalCode(m.postal).
			SetCity(m.city).
			SetRegion(m.region).
			SetCategory(m.category).
			SetJoinedOn(day(m.joined)).
			SetVatSubjectPercent(m.vat).
			SetRepresentativeName(m.rep).
			SetRepresentativeFunction(m.repFunction).
			SetContactEmail(contactEmail(m)).
			SetIsFederation(m.federation)
		if rna := rnaFor(m); rna != "" {
			create.SetRna(rna)
		}
		if finess := finessFor(m); finess != "" {
			create.SetFinessEj(finess)
		}
		row, err := create.Save(ctx)
		if err != nil {
			return added, present, fmt.Errorf("%s (row %d): %w", m.name, i+1, err)
		}
		l.members[m.key] = row.ID
		added++
		for _, c := range categoryHistory(m) {
			err := l.db.MemberCategoryChange.Create().
				SetMemberID(row.ID).
				SetNillableFromCategory(c.from).
				SetToCategory(c.to).
				SetEffectiveOn(c.on).
				SetReason(c.reason).
				Exec(ctx)
			if err != nil {
				return added, present, fmt.Errorf("%s: category history: %w", m.name, err)
			}
			l.rows++
		}
	}
	return added, present, nil
}

type categoryChange struct {
	from   *membercategorychange.FromCategory
	to     membercategorychange.ToCategory
	on     time.Time
	reason string
}

// categoryHistory is the member's entry in its first category, then its
// promotion from USER to ACTIVE if it had one.
func categoryHistory(m memberRow) []categoryChange {
	reasons := map[member.Category]string{
		fdr: "Membre fondateur du groupement",
		act: "Adhésion comme membre actif",
		usr: "Adhésion comme membre utilisateur",
	}
	if m.promoted == "" {
		return []categoryChange{{
			to: membercategorychange.ToCategory(m.category), on: day(m.joined), reason: reasons[m.category],
		}}
	}
	wasUser := membercategorychange.FromCategoryUSER
	return []categoryChange{
		{to: membercategorychange.ToCategoryUSER, on: day(m.joined), reason: reasons[usr]},
		{from: &wasUser, to: membercategorychange.ToCategoryACTIVE, on: day(m.promoted),
			reason: "Admission comme membre actif par l'assemblée générale"},
	}
}

func (l *loader) loadCatalogue(ctx context.Context) (added, present int, err error) {
	for _, c := range categories {
		id, err := l.db.ResourceCategory.Query().Where(resourcecategory.Code(c.code)).FirstID(ctx)
		if err == nil {
			l.categories[c.code] = id
			present++
			continue
		} else if !ent.IsNotFound(err) {
			return added, present, err
		}
		create := l.db.ResourceCategory.Create().
			SetCode(c.code).
			SetName(c.name).
			SetDescription(c.description)
		if c.parent != "" {
			create.SetParentID(l.categories[c.parent])
		}
		row, err := create.Save(ctx)
		if err != nil {
			return added, present, fmt.Errorf("category %s: %w", c.code, err)
		}
		l.categories[c.code] = row.ID
		added++
	}
	for _, r := range resources {
		id, err := l.db.Resource.Query().Where(resource.Code(r.code)).FirstID(ctx)
		if err == nil {
			l.resources[r.code] = id
			present++
			continue
		} else if !ent.IsNotFound(err) {
			return added, present, err
		}
		row, err := l.db.Resource.Create().
			SetCode(r.code).
			SetName(r.name).
			SetDescription(r.description).
			SetKind(r.kind).
			SetUsageUnit(r.unit).
			SetAllocationKey(r.key).
			SetProcessesPersonalData(r.personal).
			SetProcessesHealthData(r.health).
			SetCategoryID(l.categories[r.category]).
			Save(ctx)
		if err != nil {
			return added, present, fmt.Errorf("resource %s: %w", r.code, err)
		}
		l.resources[r.code] = row.ID
		added++
	}
	return added, present, nil
}

func (l *loader) loadSubscriptions(ctx context.Context) (added, present int, err error) {
	for _, s := range subscriptions {
		memberID, resourceID := l.members[s.member], l.resources[s.resource]
		exists, err := l.db.Subscription.Query().
			Where(subscription.MemberID(memberID), subscription.ResourceID(resourceID)).
			Exist(ctx)
		if err != nil {
			return added, present, err
		}
		if exists {
			present++
			continue
		}
		create := l.db.Subscription.Create().
			SetMemberID(memberID).
			SetResourceID(resourceID).
			SetStatus(s.status)
		if s.status == requested {
			create.SetRequestedOn(day(s.on))
		} else {
			start := day(s.on)
			m, i := memberByKey(s.member)
			lead, leadEmail := projectLead(m, i)
			create.SetRequestedOn(start.AddDate(0, -2, 0)).
				SetStartsOn(start).
				SetConventionSignedOn(start.AddDate(0, 0, -14)).
				SetProjectLeadName(lead).
				SetProjectLeadEmail(leadEmail)
			if s.ends != "" {
				create.SetEndsOn(day(s.ends))
			}
		}
		if err := create.Exec(ctx); err != nil {
			return added, present, fmt.Errorf("%s → %s: %w", s.member, s.resource, err)
		}
		added++
	}
	return added, present, nil
}

// costEntry is one entry to ensure; memberKey is set for a DIRECT cost.
type costEntry struct {
	resource, memberKey, label string
	costType                   costentry.CostType
	basis                      costentry.Basis
	amount                     int64
}

// costEntries lists every entry of the fiscal year: each cost row gives a
// BUDGETED and an ACTUAL entry.
func costEntries() []costEntry {
	var out []costEntry
	add := func(res, memberKey, label string, t costentry.CostType, budget, actual int64) {
		out = append(out,
			costEntry{res, memberKey, label, t, costentry.BasisBUDGETED, budget},
			costEntry{res, memberKey, label, t, costentry.BasisACTUAL, actual})
	}
	for _, c := range commonCosts {
		add(c.resource, "", c.label, c.costType, c.budget, c.actual)
	}
	for _, c := range directCosts {
		add(c.resource, c.member, c.label, usage, c.budget, c.actual)
	}
	return out
}

func (l *loader) loadCosts(ctx context.Context) (added, present int, err error) {
	yearEnd := time.Date(fiscalYear, time.December, 31, 0, 0, 0, 0, time.UTC)
	for _, c := range costEntries() {
		query := l.db.CostEntry.Query().Where(
			costentry.ResourceID(l.resources[c.resource]),
			costentry.FiscalYear(fiscalYear),
			costentry.CostTypeEQ(c.costType),
			costentry.BasisEQ(c.basis),
			costentry.LabelEQ(c.label),
		)
		if c.memberKey == "" {
			query.Where(costentry.MemberIDIsNil())
		} else {
			query.Where(costentry.MemberID(l.members[c.memberKey]))
		}
		exists, err := query.Exist(ctx)
		if err != nil {
			return added, present, err
		}
		if exists {
			present++
			continue
		}
		create := l.db.CostEntry.Create().
			SetResourceID(l.resources[c.resource]).
			SetFiscalYear(fiscalYear).
			SetCostType(c.costType).
			SetBasis(c.basis).
			SetAmount(c.amount).
			SetLabel(c.label)
		if c.basis == costentry.BasisACTUAL {
			create.SetIncurredOn(yearEnd)
		}
		if c.memberKey != "" {
			// A direct cost rests on the member's subscription to the resource.
			sub, err := l.db.Subscription.Query().Where(subscription.MemberID(l.members[c.memberKey]),
				subscription.ResourceID(l.resources[c.resource])).OnlyID(ctx)
			if err != nil {
				return added, present, fmt.Errorf("%s of %s: %w", c.resource, c.memberKey, err)
			}
			create.SetMemberID(l.members[c.memberKey]).SetSubscriptionID(sub)
		}
		if err := create.Exec(ctx); err != nil {
			return added, present, fmt.Errorf("%s %s %s: %w", c.resource, c.costType, c.basis, err)
		}
		added++
	}
	return added, present, nil
}

// declaration is a member's fiche déclarative of the fiscal year.
type declaration struct {
	member memberRow
	status usagedeclaration.Status
	lines  []declaredLine
}

type declaredLine struct {
	resource string
	quantity int64
}

// declarations derives the fiche of every member that uses, during the
// fiscal year, a resource shared EQUAL or PRO_RATA: one line per such
// resource, in catalogue order.
func declarations() []declaration {
	yearStart := time.Date(fiscalYear, time.January, 1, 0, 0, 0, 0, time.UTC)
	yearEnd := time.Date(fiscalYear, time.December, 31, 0, 0, 0, 0, time.UTC)
	var out []declaration
	for _, m := range members {
		d := declaration{member: m, status: usagedeclaration.StatusVALIDATED}
		if s, ok := declarationStatus[m.key]; ok {
			d.status = s
		}
		for _, r := range resources {
			if r.key == direct {
				continue
			}
			for _, s := range subscriptions {
				if s.member != m.key || s.resource != r.code || s.status == requested ||
					day(s.on).After(yearEnd) || (s.ends != "" && day(s.ends).Before(yearStart)) {
					continue
				}
				d.lines = append(d.lines, declaredLine{r.code, quantity(r.unit, m.places)})
			}
		}
		if len(d.lines) > 0 {
			out = append(out, d)
		}
	}
	return out
}

func (l *loader) loadDeclarations(ctx context.Context) (added, present int, err error) {
	firstSubmission := time.Date(fiscalYear, time.January, 12, 9, 0, 0, 0, time.UTC)
	for i, d := range declarations() {
		memberID := l.members[d.member.key]
		exists, err := l.db.UsageDeclaration.Query().
			Where(usagedeclaration.MemberID(memberID), usagedeclaration.Year(fiscalYear)).
			Exist(ctx)
		if err != nil {
			return added, present, err
		}
		if exists {
			present++
			continue
		}
		create := l.db.UsageDeclaration.Create().
			SetMemberID(memberID).
			SetYear(fiscalYear).
			SetStatus(d.status).
			SetRevision(1)
		submitted := firstSubmission.AddDate(0, 0, i)
		switch d.status {
		case usagedeclaration.StatusSUBMITTED:
			create.SetSubmittedAt(submitted)
		case usagedeclaration.StatusVALIDATED:
			create.SetSubmittedAt(submitted).SetValidatedAt(submitted.AddDate(0, 0, 6).Add(5 * time.Hour))
		case usagedeclaration.StatusRETURNED:
			create.SetSubmittedAt(submitted).SetReturnComment(returnComment)
		}
		row, err := create.Save(ctx)
		if err != nil {
			return added, present, fmt.Errorf("%s: %w", d.member.name, err)
		}
		added++
		snapshot := make([]schematype.DeclaredQuantity, 0, len(d.lines))
		for _, line := range d.lines {
			resourceID := l.resources[line.resource]
			err := l.db.UsageDeclarationLine.Create().
				SetDeclarationID(row.ID).
				SetResourceID(resourceID).
				SetQuantity(line.quantity).
				Exec(ctx)
			if err != nil {
				return added, present, fmt.Errorf("%s, line %s: %w", d.member.name, line.resource, err)
			}
			l.rows++
			snapshot = append(snapshot, schematype.DeclaredQuantity{ResourceID: resourceID, Quantity: line.quantity})
		}
		err = l.db.UsageDeclarationRevision.Create().
			SetDeclarationID(row.ID).
			SetRevision(1).
			SetStatus(usagedeclarationrevision.Status(d.status)).
			SetLines(snapshot).
			SetComment(fmt.Sprintf("Fiche déclarative %d", fiscalYear)).
			Exec(ctx)
		if err != nil {
			return added, present, fmt.Errorf("%s, revision: %w", d.member.name, err)
		}
		l.rows++
	}
	return added, present, nil
}

func (l *loader) loadServiceRequests(ctx context.Context) (added, present int, err error) {
	for _, r := range serviceRequests {
		memberID := l.members[r.member]
		exists, err := l.db.ServiceRequest.Query().
			Where(servicerequest.MemberID(memberID), servicerequest.Title(r.title)).
			Exist(ctx)
		if err != nil {
			return added, present, err
		}
		if exists {
			present++
			continue
		}
		kind := servicerequest.KindSTARTUP
		if r.supplementary {
			kind = servicerequest.KindSUPPLEMENTARY
		}
		create := l.db.ServiceRequest.Create().
			SetMemberID(memberID).
			SetResourceID(l.resources[r.resource]).
			SetKind(kind).
			SetTitle(r.title).
			SetDescription(r.description).
			SetStatus(r.status).
			SetEstimatedMinutes(r.estimatedMinutes).
			SetEstimatedAmount(r.estimatedAmount)
		if r.agreedAt != "" {
			create.SetAgreedAt(instant(r.agreedAt)).SetAgreedBy(r.agreedBy)
		}
		row, err := create.Save(ctx)
		if err != nil {
			return added, present, fmt.Errorf("%s: %w", r.title, err)
		}
		added++
		for _, t := range r.time {
			err := l.db.TimeEntry.Create().
				SetServiceRequestID(row.ID).
				SetStaffName(t.staff).
				SetWorkedOn(day(t.on)).
				SetMinutes(t.minutes).
				SetHourlyRate(t.rate).
				SetNote(t.note).
				Exec(ctx)
			if err != nil {
				return added, present, fmt.Errorf("%s, time entry of %s: %w", r.title, t.on, err)
			}
			l.rows++
		}
	}
	return added, present, nil
}

// memberByKey returns the member row of the table and its position.
func memberByKey(key string) (memberRow, int) {
	for i, m := range members {
		if m.key == key {
			return m, i
		}
	}
	panic("seed: unknown member key in the demo tables: " + key)
}

// count reads what the database holds.
func count(ctx context.Context, db *ent.Client) (Summary, error) {
	s := Summary{FiscalYear: fiscalYear}
	counts := []struct {
		into  *int
		count func(context.Context) (int, error)
	}{
		{&s.Members, db.Member.Query().Count},
		{&s.Founders, db.Member.Query().Where(member.CategoryEQ(member.CategoryFOUNDER)).Count},
		{&s.ActiveMembers, db.Member.Query().Where(member.CategoryEQ(member.CategoryACTIVE)).Count},
		{&s.UserMembers, db.Member.Query().Where(member.CategoryEQ(member.CategoryUSER)).Count},
		{&s.CategoryChanges, db.MemberCategoryChange.Query().Count},
		{&s.ResourceCategories, db.ResourceCategory.Query().Count},
		{&s.Resources, db.Resource.Query().Count},
		{&s.Subscriptions, db.Subscription.Query().Count},
		{&s.CostEntries, db.CostEntry.Query().Count},
		{&s.Declarations, db.UsageDeclaration.Query().Count},
		{&s.DeclarationLines, db.UsageDeclarationLine.Query().Count},
		{&s.DeclarationRevisions, db.UsageDeclarationRevision.Query().Count},
		{&s.ServiceRequests, db.ServiceRequest.Query().Count},
		{&s.TimeEntries, db.TimeEntry.Query().Count},
		{&s.Payments, db.Payment.Query().Count},
	}
	for _, c := range counts {
		n, err := c.count(ctx)
		if err != nil {
			return Summary{}, err
		}
		*c.into = n
	}
	return s, nil
}
