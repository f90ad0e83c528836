package seed

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"communs/ent"
	"communs/ent/costentry"
	"communs/ent/member"
	"communs/ent/membercategorychange"
	"communs/ent/resource"
	"communs/ent/schema/schematype"
	"communs/ent/subscription"
	"communs/ent/usagedeclaration"
	"communs/internal/store"
	"communs/internal/store/storetest"
	"communs/internal/validate"
	"communs/internal/viewer"
)

// seeded returns a copy of the demo data, loaded once per test process
// into an empty database, and the summary of that load.
func seeded(t *testing.T) (*ent.Client, Summary) {
	t.Helper()
	db := storetest.OpenFilled(t, "demo", func(ctx context.Context, db *store.DB) error {
		var progress bytes.Buffer
		sum, err := Demo(ctx, db.Client, &progress)
		if err != nil {
			return fmt.Errorf("Demo: %w", err)
		}
		if !strings.Contains(progress.String(), "seed: members") {
			return fmt.Errorf("progress = %q, want a line per step", progress.String())
		}
		demoSummary = sum
		return nil
	})
	return db.Client, demoSummary
}

// demoSummary is the summary of the load of the demo template (seeded).
var demoSummary Summary

func TestDemoMembers(t *testing.T) {
	t.Parallel()
	client, sum := seeded(t)
	ctx := viewer.SystemContext(t.Context()) // reads pass row isolation

	if sum.Members != 51 || sum.Founders != 3 || sum.ActiveMembers != 17 || sum.UserMembers != 31 {
		t.Errorf("members = %d (%d/%d/%d), want 51 (3 founders, 17 active, 31 users)",
			sum.Members, sum.Founders, sum.ActiveMembers, sum.UserMembers)
	}
	all := client.Member.Query().WithSubscriptions().AllX(ctx)
	regions := map[string]bool{}
	federations, withoutSubscription := 0, 0
	for _, m := range all {
		if m.Siren == nil || validate.SIREN(*m.Siren) != nil {
			t.Errorf("%s: invalid SIREN %v", m.Name, m.Siren)
		}
		if m.FinessEj != nil && validate.SIREN(*m.FinessEj) != nil { // same Luhn rule on 9 digits
			t.Errorf("%s: FINESS %s fails its check digit", m.Name, *m.FinessEj)
		}
		if m.Rna != nil && validate.RNA(*m.Rna) != nil {
			t.Errorf("%s: invalid RNA %s", m.Name, *m.Rna)
		}
		if m.ContactEmail == nil || !strings.HasSuffix(*m.ContactEmail, ".example") {
			t.Errorf("%s: contact e-mail %v is not at a fictional domain", m.Name, m.ContactEmail)
		}
		if m.VatSubjectPercent < 0 || m.VatSubjectPercent > 20 {
			t.Errorf("%s: VAT share %v%% is not eligible", m.Name, m.VatSubjectPercent)
		}
		if y := m.JoinedOn.Year(); y < 2014 || y > 2025 {
			t.Errorf("%s: joined in %d", m.Name, y)
		}
		if m.Region == "" || m.City == "" || len(m.PostalCode) != 5 || m.RepresentativeName == "" {
			t.Errorf("%s: incomplete address or representative", m.Name)
		}
		regions[m.Region] = true
		if m.IsFederation {
			federations++
		}
		if m.Category == member.CategoryACTIVE && len(m.Edges.Subscriptions) == 0 {
			t.Errorf("ACTIVE member %s has no subscription", m.Name)
		}
		if len(m.Edges.Subscriptions) == 0 {
			withoutSubscription++
		}
		for _, s := range m.Edges.Subscriptions {
			if s.RequestedOn.Before(m.JoinedOn) || (s.StartsOn != nil && s.StartsOn.Before(m.JoinedOn)) {
				t.Errorf("%s: subscription before joining", m.Name)
			}
		}
	}
	if len(regions) < 8 || federations < 2 {
		t.Errorf("%d regions and %d federations, want a spread", len(regions), federations)
	}
	if withoutSubscription < 2 || withoutSubscription > 4 {
		t.Errorf("%d members without any subscription, want a couple", withoutSubscription)
	}
	activeWithSubs := client.Member.Query().
		Where(member.CategoryEQ(member.CategoryACTIVE), member.HasSubscriptions()).
		CountX(ctx)
	if activeWithSubs != 17 {
		t.Errorf("%d ACTIVE members with subscriptions, want 17", activeWithSubs)
	}

	// Every member enters its category at joining; two were promoted later.
	if n := client.Member.Query().Where(member.Not(member.HasCategoryChanges())).CountX(ctx); n != 0 {
		t.Errorf("%d members without category history", n)
	}
	promotions := client.MemberCategoryChange.Query().
		Where(membercategorychange.FromCategoryEQ(membercategorychange.FromCategoryUSER),
			membercategorychange.ToCategoryEQ(membercategorychange.ToCategoryACTIVE)).
		WithMember().AllX(ctx)
	if len(promotions) != 2 {
		t.Fatalf("%d USER→ACTIVE changes, want 2", len(promotions))
	}
	for _, p := range promotions {
		if !p.EffectiveOn.After(p.Edges.Member.JoinedOn) || p.Edges.Member.Category != member.CategoryACTIVE {
			t.Errorf("promotion of %s on %s is inconsistent", p.Edges.Member.Name, p.EffectiveOn)
		}
	}
}

func TestDemoSubscriptions(t *testing.T) {
	t.Parallel()
	client, _ := seeded(t)
	ctx := viewer.SystemContext(t.Context()) // reads pass row isolation

	published := map[string]int{
		gestusa: 4, gestetab: 5, sages: 1, gestactiv: 1,
		messagerie: 3, hebergement: 3, infogerance: 3, diagFlash: 10,
	}
	for code, want := range published {
		got := client.Subscription.Query().Where(subscription.HasResourceWith(resource.Code(code))).CountX(ctx)
		if got != want {
			t.Errorf("%s: %d subscriptions, want %d (published)", code, got, want)
		}
	}
	statuses := map[subscription.Status]int{}
	for _, s := range client.Subscription.Query().AllX(ctx) {
		statuses[s.Status]++
		switch s.Status {
		case subscription.StatusREQUESTED:
			if s.StartsOn != nil || s.ConventionSignedOn != nil {
				t.Errorf("requested subscription %s has a start or a convention", s.ID)
			}
		default:
			if s.StartsOn == nil || s.ConventionSignedOn == nil || s.ProjectLeadName == "" || s.ProjectLeadEmail == nil {
				t.Errorf("%s subscription %s lacks a start, a convention or a project lead", s.Status, s.ID)
			}
			if (s.Status == subscription.StatusENDED) != (s.EndsOn != nil) {
				t.Errorf("subscription %s: status %s with ends_on %v", s.ID, s.Status, s.EndsOn)
			}
		}
	}
	if statuses[subscription.StatusREQUESTED] < 2 || statuses[subscription.StatusENDED] < 1 ||
		statuses[subscription.StatusACTIVE] <= statuses[subscription.StatusREQUESTED]+statuses[subscription.StatusENDED] {
		t.Errorf("subscription statuses %v, want mostly ACTIVE with some REQUESTED and ENDED", statuses)
	}
}

func TestDemoCosts(t *testing.T) {
	t.Parallel()
	client, _ := seeded(t)
	ctx := viewer.SystemContext(t.Context()) // reads pass row isolation

	subscribed := client.Resource.Query().Where(resource.HasSubscriptions()).AllX(ctx)
	for _, r := range subscribed {
		entries := r.QueryCostEntries().Where(costentry.FiscalYear(fiscalYear)).AllX(ctx)
		var budget, actual int64
		for _, e := range entries {
			if (r.AllocationKey == resource.AllocationKeyDIRECT) != (e.MemberID != nil) {
				t.Errorf("%s: cost %q member_id = %v with key %s", r.Code, e.Label, e.MemberID, r.AllocationKey)
			}
			if e.Basis == costentry.BasisBUDGETED {
				budget += e.Amount
			} else {
				actual += e.Amount
			}
		}
		if budget == 0 || actual == 0 || budget == actual {
			t.Errorf("%s: budget %d, actual %d: want both, and different", r.Code, budget, actual)
		}
		if actual%100 == 0 {
			t.Errorf("%s: actual %d has no odd cents", r.Code, actual)
		}
	}
}

func TestDemoDeclarations(t *testing.T) {
	t.Parallel()
	client, sum := seeded(t)
	ctx := viewer.SystemContext(t.Context()) // reads pass row isolation

	if sum.Declarations == 0 || sum.DeclarationRevisions != sum.Declarations {
		t.Fatalf("%d declarations with %d revisions, want one revision each", sum.Declarations, sum.DeclarationRevisions)
	}
	decls := client.UsageDeclaration.Query().WithLines().WithRevisions().AllX(ctx)
	statuses := map[usagedeclaration.Status]int{}
	for _, d := range decls {
		statuses[d.Status]++
		if d.Year != fiscalYear || d.Revision != 1 || len(d.Edges.Revisions) != 1 {
			t.Fatalf("declaration %s: year %d revision %d with %d snapshots", d.ID, d.Year, d.Revision, len(d.Edges.Revisions))
		}
		rev := d.Edges.Revisions[0]
		if rev.Revision != 1 || string(rev.Status) != string(d.Status) || len(rev.Lines) != len(d.Edges.Lines) {
			t.Errorf("declaration %s: snapshot %+v does not match", d.ID, rev)
		}
		for _, line := range d.Edges.Lines {
			if !slices.ContainsFunc(rev.Lines, func(q schematype.DeclaredQuantity) bool {
				return q.ResourceID == line.ResourceID && q.Quantity == line.Quantity
			}) {
				t.Errorf("declaration %s: line %s×%d missing from the snapshot", d.ID, line.ResourceID, line.Quantity)
			}
			r := line.QueryResource().OnlyX(ctx)
			if r.AllocationKey == resource.AllocationKeyDIRECT || line.Quantity <= 0 {
				t.Errorf("declaration %s: line for %s (%s) quantity %d", d.ID, r.Code, r.AllocationKey, line.Quantity)
			}
			if r.UsageUnit == resource.UsageUnitPLACES && (line.Quantity < 20 || line.Quantity > 400) {
				t.Errorf("declaration %s: %d places", d.ID, line.Quantity)
			}
		}
		if (d.Status == usagedeclaration.StatusRETURNED) != (d.ReturnComment != nil) {
			t.Errorf("declaration %s: status %s with return comment %v", d.ID, d.Status, d.ReturnComment)
		}
		if (d.Status == usagedeclaration.StatusDRAFT) != (d.SubmittedAt == nil) {
			t.Errorf("declaration %s: status %s with submitted_at %v", d.ID, d.Status, d.SubmittedAt)
		}
	}
	if statuses[usagedeclaration.StatusRETURNED] != 1 || statuses[usagedeclaration.StatusDRAFT] < 2 ||
		statuses[usagedeclaration.StatusSUBMITTED] < 2 || statuses[usagedeclaration.StatusVALIDATED] < len(decls)/2 {
		t.Errorf("declaration statuses %v, want mostly VALIDATED, some SUBMITTED and DRAFT, one RETURNED", statuses)
	}
	if sum.ServiceRequests != 2 || sum.TimeEntries == 0 {
		t.Errorf("%d service requests with %d time entries", sum.ServiceRequests, sum.TimeEntries)
	}
}

func TestDemoIsIdempotent(t *testing.T) {
	t.Parallel()
	client, first := seeded(t)
	if first.Added == 0 {
		t.Fatal("the first run added nothing")
	}
	second, err := Demo(context.Background(), client, io.Discard)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if second.Added != 0 {
		t.Errorf("the second run added %d rows", second.Added)
	}
	first.Added = 0
	if second != first {
		t.Errorf("counts changed:\nfirst  %+v\nsecond %+v", first, second)
	}
	t.Log(second)
	if s := second.String(); !strings.Contains(s, "51 members (3 founders, 17 active, 31 users)") ||
		!strings.Contains(s, "Nothing was added") {
		t.Errorf("String() = %q", s)
	}
}

func TestTablesAreConsistent(t *testing.T) {
	t.Parallel()
	keys := map[string]bool{}
	sirens := map[string]string{}
	for _, m := range members {
		if keys[m.key] {
			t.Errorf("member key %s twice", m.key)
		}
		keys[m.key] = true
		s := sirenFor(m.name)
		if other, ok := sirens[s]; ok {
			t.Errorf("%s and %s share SIREN %s", m.name, other, s)
		}
		sirens[s] = m.name
		if (m.promoted != "") && m.category != act {
			t.Errorf("%s: promoted but not ACTIVE", m.name)
		}
	}
	codes := map[string]bool{}
	for _, r := range resources {
		codes[r.code] = true
	}
	pairs := map[string]bool{}
	for _, s := range subscriptions {
		if !keys[s.member] || !codes[s.resource] {
			t.Errorf("subscription %s → %s names an unknown member or resource", s.member, s.resource)
		}
		if pairs[s.member+s.resource] {
			t.Errorf("subscription %s → %s twice", s.member, s.resource)
		}
		pairs[s.member+s.resource] = true
	}
	for _, c := range directCosts {
		if !pairs[c.member+c.resource] {
			t.Errorf("direct cost of %s for %s without a subscription", c.resource, c.member)
		}
	}
	if luhnDigit("73282932") != "0" { // 732 829 320 is a known valid SIREN
		t.Errorf("luhnDigit(73282932) = %s", luhnDigit("73282932"))
	}
}
