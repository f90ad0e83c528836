package membership

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"communs"
	"communs/ent"
	"communs/ent/account"
	"communs/ent/member"
	"communs/ent/notification"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/schema/schematype"
	"communs/ent/subscription"
	"communs/ent/usagedeclaration"
	"communs/ent/usagedeclarationline"
	"communs/ent/usagedeclarationrevision"
)

// declarationScene is two members, A and B, with their people, and three
// resources: A subscribes to dui and mail, not to wifi.
type declarationScene struct {
	*usageFixture
	staff, adminA, staffA, staffB context.Context
	a, b                          *ent.Member
	dui, mail, wifi               *ent.Resource
}

func newDeclarationScene(t *testing.T) *declarationScene {
	t.Helper()
	f := newUsageFixture(t)
	s := &declarationScene{usageFixture: f}
	s.a = f.member(t, "Association A", member.CategoryACTIVE, "contact@a.example")
	s.b = f.member(t, "Association B", member.CategoryUSER, "")
	s.staff = f.as(t, "staff@gsm.example", "gsm_staff", nil)
	s.adminA = f.as(t, "admin@a.example", "member_admin", s.a)
	s.staffA = f.as(t, "staff@a.example", "member_staff", s.a)
	s.staffB = f.as(t, "staff@b.example", "member_staff", s.b)
	s.dui = f.resource(t, "DUI", "Dossier de l'usager", resource.UsageUnitPLACES, resource.AllocationKeyPRO_RATA)
	s.mail = f.resource(t, "MAIL", "Messagerie", resource.UsageUnitMAILBOXES, resource.AllocationKeyPRO_RATA)
	s.wifi = f.resource(t, "WIFI", "Wi-Fi", resource.UsageUnitDEVICES, resource.AllocationKeyEQUAL)
	f.subscribe(t, s.a, s.dui, onDay(2025, 1, 1))
	if _, err := f.svc.Catalogue.RequestSubscription(s.adminA, s.a.ID, s.mail.ID); err != nil { // REQUESTED: declarable
		t.Fatal(err)
	}
	return s
}

// revisions returns the declaration's revisions, in order, as the system.
func (s *declarationScene) revisions(t *testing.T, id pulid.ID) []*ent.UsageDeclarationRevision {
	t.Helper()
	revs, err := s.client.UsageDeclarationRevision.Query().
		Where(usagedeclarationrevision.DeclarationID(id)).
		Order(ent.Asc(usagedeclarationrevision.FieldRevision)).All(s.sys)
	if err != nil {
		t.Fatal(err)
	}
	return revs
}

// lines returns the declaration's current lines as "CODE=quantity", sorted.
func (s *declarationScene) lines(t *testing.T, id pulid.ID) []string {
	t.Helper()
	ls, err := s.client.UsageDeclarationLine.Query().
		Where(usagedeclarationline.DeclarationID(id)).WithResource().All(s.sys)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		out = append(out, fmt.Sprintf("%s=%d", l.Edges.Resource.Code, l.Quantity))
	}
	slices.Sort(out)
	return out
}

// snapshot renders a revision's lines like lines does.
func (s *declarationScene) snapshot(lines []schematype.DeclaredQuantity) []string {
	codes := map[pulid.ID]string{s.dui.ID: "DUI", s.mail.ID: "MAIL", s.wifi.ID: "WIFI"}
	var out []string
	for _, l := range lines {
		out = append(out, fmt.Sprintf("%s=%d", codes[l.ResourceID], l.Quantity))
	}
	slices.Sort(out)
	return out
}

func TestDeclarationPath(t *testing.T) {
	t.Parallel()
	s := newDeclarationScene(t)
	const year = 2026

	d, err := s.svc.Declarations.Save(s.staffA, s.a.ID, year,
		[]DeclaredLine{{s.dui.ID, 120}, {s.mail.ID, 35}}, "  première saisie ")
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != usagedeclaration.StatusDRAFT || d.Revision != 1 || d.Year != year || d.MemberID != s.a.ID {
		t.Fatalf("saved: %+v", d)
	}
	// A second save replaces the lines.
	d, err = s.svc.Declarations.Save(s.staffA, s.a.ID, year, []DeclaredLine{{s.dui.ID, 125}, {s.mail.ID, 35}}, "")
	if err != nil || d.Revision != 2 || d.Status != usagedeclaration.StatusDRAFT {
		t.Fatalf("second save: %v %+v", err, d)
	}
	d, err = s.svc.Declarations.Submit(s.staffA, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != usagedeclaration.StatusSUBMITTED || d.SubmittedAt == nil || !d.SubmittedAt.Equal(s.clock) {
		t.Fatalf("submitted: %+v", d)
	}
	_, err = s.svc.Declarations.Submit(s.staffA, d.ID)
	expectCode(t, err, communs.ECONFLICT)
	_, err = s.svc.Declarations.Save(s.staffA, s.a.ID, year, []DeclaredLine{{s.dui.ID, 1}}, "")
	expectCode(t, err, communs.ECONFLICT) // submitted: the groupement returns it first

	_, err = s.svc.Declarations.Return(s.staff, d.ID, "   ")
	expectField(t, err, "comment")
	d, err = s.svc.Declarations.Return(s.staff, d.ID, "Le nombre de places ne correspond pas à l'autorisation (130).")
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != usagedeclaration.StatusRETURNED || d.ReturnComment == nil || !strings.Contains(*d.ReturnComment, "130") {
		t.Fatalf("returned: %+v", d)
	}
	sent, err := s.client.Notification.Query().
		Where(notification.KindEQ(notification.KindDECLARATION_RETURNED)).All(s.sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || sent[0].Recipient != "contact@a.example" || *sent[0].MemberID != s.a.ID ||
		!strings.Contains(sent[0].Body, "autorisation (130)") || !strings.Contains(sent[0].Subject, "2026") {
		t.Fatalf("notification of the return: %+v", sent)
	}
	_, err = s.svc.Declarations.Submit(s.staffA, d.ID)
	expectCode(t, err, communs.ECONFLICT) // a returned declaration is corrected (saved) first
	_, err = s.svc.Declarations.Validate(s.staff, d.ID)
	expectCode(t, err, communs.ECONFLICT)

	d, err = s.svc.Declarations.Save(s.adminA, s.a.ID, year, []DeclaredLine{{s.mail.ID, 35}, {s.dui.ID, 130}}, "corrigé")
	if err != nil || d.Status != usagedeclaration.StatusDRAFT {
		t.Fatalf("corrected: %v %+v", err, d)
	}
	d, err = s.svc.Declarations.Submit(s.adminA, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.ReturnComment != nil {
		t.Errorf("the return comment stays after resubmission: %q", *d.ReturnComment)
	}
	d, err = s.svc.Declarations.Validate(s.staff, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != usagedeclaration.StatusVALIDATED || d.ValidatedAt == nil || d.Revision != 7 {
		t.Fatalf("validated: %+v", d)
	}
	_, err = s.svc.Declarations.Validate(s.staff, d.ID)
	expectCode(t, err, communs.ECONFLICT)
	_, err = s.svc.Declarations.Return(s.staff, d.ID, "trop tard")
	expectCode(t, err, communs.ECONFLICT)
	_, err = s.svc.Declarations.Save(s.staffA, s.a.ID, year, []DeclaredLine{{s.dui.ID, 1}}, "")
	expectCode(t, err, communs.ECONFLICT)

	if got, want := s.lines(t, d.ID), []string{"DUI=130", "MAIL=35"}; !slices.Equal(got, want) {
		t.Errorf("lines %v, want %v", got, want)
	}

	// The history: every change, with its status, lines, comment and author.
	accountOf := func(email string) pulid.ID {
		acc, err := s.client.Account.Query().Where(account.Email(email)).Only(s.sys)
		if err != nil {
			t.Fatal(err)
		}
		return acc.ID
	}
	staffA, adminA, staff := accountOf("staff@a.example"), accountOf("admin@a.example"), accountOf("staff@gsm.example")
	want := []struct {
		status  usagedeclarationrevision.Status
		lines   []string
		comment string
		author  pulid.ID
	}{
		{usagedeclarationrevision.StatusDRAFT, []string{"DUI=120", "MAIL=35"}, "première saisie", staffA},
		{usagedeclarationrevision.StatusDRAFT, []string{"DUI=125", "MAIL=35"}, "", staffA},
		{usagedeclarationrevision.StatusSUBMITTED, []string{"DUI=125", "MAIL=35"}, "", staffA},
		{usagedeclarationrevision.StatusRETURNED, []string{"DUI=125", "MAIL=35"}, "Le nombre de places ne correspond pas à l'autorisation (130).", staff},
		{usagedeclarationrevision.StatusDRAFT, []string{"DUI=130", "MAIL=35"}, "corrigé", adminA},
		{usagedeclarationrevision.StatusSUBMITTED, []string{"DUI=130", "MAIL=35"}, "", adminA},
		{usagedeclarationrevision.StatusVALIDATED, []string{"DUI=130", "MAIL=35"}, "", staff},
	}
	revs := s.revisions(t, d.ID)
	if len(revs) != len(want) {
		t.Fatalf("%d revisions, want %d", len(revs), len(want))
	}
	for i, r := range revs {
		w := want[i]
		if r.Revision != i+1 || r.Status != w.status || r.Amendment || r.Comment != w.comment ||
			r.AuthorID == nil || *r.AuthorID != w.author || !slices.Equal(s.snapshot(r.Lines), w.lines) {
			t.Errorf("revision %d: %d %s amendment=%v %q by %v %v; want %+v",
				i+1, r.Revision, r.Status, r.Amendment, r.Comment, r.AuthorID, s.snapshot(r.Lines), w)
		}
	}

	// The member reads its own history; another member's people see none of it.
	n, err := s.client.UsageDeclarationRevision.Query().Count(s.staffA)
	if err != nil || n != len(want) {
		t.Errorf("member A reads %d revisions (%v), want %d", n, err, len(want))
	}
	if n, _ := s.client.UsageDeclarationRevision.Query().Count(s.staffB); n != 0 {
		t.Errorf("member B reads %d of A's revisions", n)
	}
}

func TestDeclarationRefusals(t *testing.T) {
	t.Parallel()
	s := newDeclarationScene(t)
	const year = 2026
	cases := []struct {
		name  string
		ctx   context.Context
		lines []DeclaredLine
		year  int
		code  string
		field string
		msg   string
	}{
		{name: "unsubscribed resource", ctx: s.staffA, lines: []DeclaredLine{{s.dui.ID, 1}, {s.wifi.ID, 3}},
			code: communs.EINVALID, field: "lines[1].resourceId", msg: "the member does not subscribe to Wi-Fi"},
		{name: "negative quantity", ctx: s.staffA, lines: []DeclaredLine{{s.dui.ID, -1}},
			code: communs.EINVALID, field: "lines[0].quantity"},
		{name: "duplicate resource", ctx: s.staffA, lines: []DeclaredLine{{s.dui.ID, 1}, {s.mail.ID, 2}, {s.dui.ID, 3}},
			code: communs.EINVALID, field: "lines[2].resourceId"},
		{name: "unknown resource", ctx: s.staffA, lines: []DeclaredLine{{"RES01JZZZZZZZZZZZZZZZZZZZZZ", 1}},
			code: communs.EINVALID, field: "lines[0].resourceId"},
		{name: "year before the subscription", ctx: s.staffA, year: 2024, lines: []DeclaredLine{{s.dui.ID, 1}},
			code: communs.EINVALID, field: "lines[0].resourceId", msg: "does not subscribe to Dossier de l'usager in 2024"},
		{name: "request made after the year", ctx: s.staffA, year: 2025, lines: []DeclaredLine{{s.mail.ID, 1}},
			code: communs.EINVALID, field: "lines[0].resourceId"},
		{name: "year out of range", ctx: s.staffA, year: 1999, code: communs.EINVALID, field: "year"},
		{name: "another member's declaration", ctx: s.staffB, lines: []DeclaredLine{{s.dui.ID, 1}},
			code: communs.ENOTFOUND},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			y := year
			if c.year != 0 {
				y = c.year
			}
			_, err := s.svc.Declarations.Save(c.ctx, s.a.ID, y, c.lines, "")
			expectCode(t, err, c.code)
			if c.field != "" {
				expectField(t, err, c.field)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("message %q does not say %q", err, c.msg)
			}
		})
	}
	if n, _ := s.client.UsageDeclaration.Query().Count(s.sys); n != 0 {
		t.Fatalf("%d declarations after refused saves", n)
	}

	// An empty draft may be saved, not submitted.
	d, err := s.svc.Declarations.Save(s.staffA, s.a.ID, year, nil, "à compléter")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.svc.Declarations.Submit(s.staffA, d.ID)
	expectField(t, err, "lines")

	// Member B's people reach none of A's declaration.
	_, err = s.svc.Declarations.Submit(s.staffB, d.ID)
	expectCode(t, err, communs.ENOTFOUND)
	_, err = s.svc.Declarations.Save(s.staffB, s.a.ID, year, nil, "")
	expectCode(t, err, communs.ENOTFOUND)

	d, err = s.svc.Declarations.Save(s.staffA, s.a.ID, year, []DeclaredLine{{s.dui.ID, 0}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.Declarations.Submit(s.staffA, d.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.svc.Declarations.Submit(s.staffA, d.ID)
	expectCode(t, err, communs.ECONFLICT)
	_, err = s.svc.Declarations.Lock(s.sys, d.ID)
	expectCode(t, err, communs.ECONFLICT) // not validated yet
	_, err = s.svc.Declarations.Validate(s.staff, "DEC01JZZZZZZZZZZZZZZZZZZZZZ")
	expectCode(t, err, communs.ENOTFOUND)

	// B declares for itself, and only for what it subscribes to.
	_, err = s.svc.Declarations.Save(s.staffB, s.b.ID, year, []DeclaredLine{{s.dui.ID, 1}}, "")
	expectField(t, err, "lines[0].resourceId")
}

func TestDeclarationEndedSubscription(t *testing.T) {
	t.Parallel()
	s := newDeclarationScene(t)
	// A used the Wi-Fi from March to June 2025: its 2025 declaration counts
	// it, its 2026 one cannot.
	sub := s.subscribe(t, s.a, s.wifi, onDay(2025, 3, 1))
	if _, err := s.svc.Catalogue.EndSubscription(s.staff, sub.ID, onDay(2025, 6, 30)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.Declarations.Save(s.staffA, s.a.ID, 2025, []DeclaredLine{{s.wifi.ID, 12}, {s.dui.ID, 100}}, ""); err != nil {
		t.Fatal(err)
	}
	_, err := s.svc.Declarations.Save(s.staffA, s.a.ID, 2026, []DeclaredLine{{s.wifi.ID, 12}}, "")
	expectField(t, err, "lines[0].resourceId")
}

func TestDeclarationAmendment(t *testing.T) {
	t.Parallel()
	s := newDeclarationScene(t)
	const year = 2026
	d, err := s.svc.Declarations.Save(s.staffA, s.a.ID, year, []DeclaredLine{{s.dui.ID, 120}}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func(context.Context, pulid.ID) (*ent.UsageDeclaration, error){
		s.svc.Declarations.Submit, s.svc.Declarations.Validate, s.svc.Declarations.Lock,
	} {
		if d, err = step(s.staff, d.ID); err != nil {
			t.Fatal(err)
		}
	}
	if d.Status != usagedeclaration.StatusLOCKED || d.LockedAt == nil || d.Revision != 4 {
		t.Fatalf("locked: %+v", d)
	}
	// Locking again (a charge run run again) changes nothing.
	again, err := s.svc.Declarations.Lock(s.sys, d.ID)
	if err != nil || again.Revision != 4 || !again.LockedAt.Equal(*d.LockedAt) {
		t.Fatalf("lock again: %v %+v", err, again)
	}

	d, err = s.svc.Declarations.Save(s.staffA, s.a.ID, year, []DeclaredLine{{s.dui.ID, 140}, {s.mail.ID, 20}}, "ouverture d'un foyer en juin")
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != usagedeclaration.StatusLOCKED || d.Revision != 5 {
		t.Fatalf("amended: %+v", d)
	}
	revs := s.revisions(t, d.ID)
	var statuses []string
	for _, r := range revs {
		statuses = append(statuses, fmt.Sprintf("%d:%s:%v", r.Revision, r.Status, r.Amendment))
	}
	want := []string{"1:DRAFT:false", "2:SUBMITTED:false", "3:VALIDATED:false", "4:LOCKED:false", "5:LOCKED:true"}
	if !slices.Equal(statuses, want) {
		t.Fatalf("revisions %v, want %v", statuses, want)
	}
	last := revs[len(revs)-1]
	if got := s.snapshot(last.Lines); !slices.Equal(got, []string{"DUI=140", "MAIL=20"}) || last.Comment != "ouverture d'un foyer en juin" {
		t.Fatalf("amendment: %v %q", got, last.Comment)
	}
	if got := s.snapshot(revs[3].Lines); !slices.Equal(got, []string{"DUI=120"}) {
		t.Fatalf("the locked revision changed: %v", got)
	}
	if got := s.lines(t, d.ID); !slices.Equal(got, []string{"DUI=140", "MAIL=20"}) {
		t.Fatalf("lines after amendment: %v", got)
	}
	// A locked declaration is not submitted, returned or validated again.
	for _, step := range []func(context.Context, pulid.ID) (*ent.UsageDeclaration, error){
		s.svc.Declarations.Submit, s.svc.Declarations.Validate,
	} {
		_, err := step(s.staff, d.ID)
		expectCode(t, err, communs.ECONFLICT)
	}
	_, err = s.svc.Declarations.Return(s.staff, d.ID, "non")
	expectCode(t, err, communs.ECONFLICT)

	// After the year's regularisation the member still amends: the year
	// end run again charges the difference, as the revision says.
	s.completeYearEnd(t, year)
	d, err = s.svc.Declarations.Save(s.staffA, s.a.ID, year, []DeclaredLine{{s.dui.ID, 150}, {s.mail.ID, 20}}, "erreur de saisie")
	if err != nil || d.Status != usagedeclaration.StatusLOCKED || d.Revision != 6 {
		t.Fatalf("amendment after the year end: %v %+v", err, d)
	}
	revs = s.revisions(t, d.ID)
	if last := revs[len(revs)-1]; !last.Amendment || !strings.Contains(last.Comment, "erreur de saisie") ||
		!strings.Contains(last.Comment, "à régulariser") {
		t.Errorf("the amendment after the year end: %+v", last)
	}
}

func TestDeclarationConcurrentTransitions(t *testing.T) {
	t.Parallel()
	s := newDeclarationScene(t)
	d, err := s.svc.Declarations.Save(s.staffA, s.a.ID, 2026, []DeclaredLine{{s.dui.ID, 120}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.Declarations.Submit(s.staffA, d.ID); err != nil {
		t.Fatal(err)
	}
	// The groupement validates and returns at the same time: one wins.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); _, errs[0] = s.svc.Declarations.Validate(s.staff, d.ID) }()
	go func() { defer wg.Done(); _, errs[1] = s.svc.Declarations.Return(s.staff, d.ID, "à revoir") }()
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case communs.ErrorCode(err) != communs.ECONFLICT:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d concurrent transitions won, want 1: %v", ok, errs)
	}
	revs := s.revisions(t, d.ID)
	if len(revs) != 3 {
		t.Fatalf("%d revisions, want 3", len(revs))
	}
}

func TestRemindDeclarationsDue(t *testing.T) {
	t.Parallel()
	s := newDeclarationScene(t)
	const year = 2026
	// A: subscribes (ACTIVE), contact email. B: subscribes, no contact: its
	// administrators are written to. C: submitted already. D: suspended.
	// E: only a pending request. F: subscription ended in 2025.
	s.subscribe(t, s.b, s.dui, onDay(2026, 1, 1))
	s.as(t, "admin1@b.example", "member_admin", s.b)
	s.as(t, "admin2@b.example", "member_admin", s.b)
	c := s.member(t, "Association C", member.CategoryUSER, "contact@c.example")
	s.subscribe(t, c, s.dui, onDay(2025, 1, 1))
	staffC := s.as(t, "staff@c.example", "member_staff", c)
	dc, err := s.svc.Declarations.Save(staffC, c.ID, year, []DeclaredLine{{s.dui.ID, 10}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.Declarations.Submit(staffC, dc.ID); err != nil {
		t.Fatal(err)
	}
	d := s.member(t, "Association D", member.CategoryUSER, "contact@d.example")
	s.subscribe(t, d, s.dui, onDay(2025, 1, 1))
	if err := s.client.Member.UpdateOneID(d.ID).SetStatus(member.StatusSUSPENDED).Exec(s.sys); err != nil {
		t.Fatal(err)
	}
	e := s.member(t, "Association E", member.CategoryUSER, "contact@e.example")
	if _, err := s.svc.Catalogue.RequestSubscription(s.staff, e.ID, s.dui.ID); err != nil {
		t.Fatal(err)
	}
	g := s.member(t, "Association F", member.CategoryUSER, "contact@f.example")
	s.client.Subscription.Create().SetMemberID(g.ID).SetResourceID(s.dui.ID).
		SetStatus(subscription.StatusENDED).SetRequestedOn(onDay(2024, 1, 1)).
		SetStartsOn(onDay(2024, 1, 1)).SetEndsOn(onDay(2025, 12, 31)).ExecX(s.sys)
	// A's draft does not count as submitted.
	if _, err := s.svc.Declarations.Save(s.staffA, s.a.ID, year, []DeclaredLine{{s.dui.ID, 100}}, ""); err != nil {
		t.Fatal(err)
	}

	n, err := s.svc.Declarations.RemindDue(s.staff, year)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d members reminded, want 2 (A and B)", n)
	}
	sent, err := s.client.Notification.Query().
		Where(notification.KindEQ(notification.KindDECLARATION_DUE)).All(s.sys)
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, m := range sent {
		to = append(to, m.Recipient)
		if !strings.Contains(m.Subject, "2026") {
			t.Errorf("subject %q", m.Subject)
		}
	}
	slices.Sort(to)
	if want := []string{"admin1@b.example", "admin2@b.example", "contact@a.example"}; !slices.Equal(to, want) {
		t.Errorf("reminders sent to %v, want %v", to, want)
	}
	_, err = s.svc.Declarations.RemindDue(s.staff, 3000)
	expectField(t, err, "year")
}

func TestDeclarationReturnedToAdministrators(t *testing.T) {
	t.Parallel()
	s := newDeclarationScene(t)
	// B has no contact email: its administrators (not its other people,
	// nor a disabled administrator) hear of the return.
	s.subscribe(t, s.b, s.dui, onDay(2026, 1, 1))
	s.as(t, "admin@b.example", "member_admin", s.b)
	s.as(t, "former@b.example", "member_admin", s.b)
	if err := s.client.Account.Update().Where(account.Email("former@b.example")).
		SetStatus(account.StatusDISABLED).Exec(s.sys); err != nil {
		t.Fatal(err)
	}
	d, err := s.svc.Declarations.Save(s.staffB, s.b.ID, 2026, []DeclaredLine{{s.dui.ID, 10}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.Declarations.Submit(s.staffB, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.Declarations.Return(s.staff, d.ID, "Quantité manquante"); err != nil {
		t.Fatal(err)
	}
	sent, err := s.client.Notification.Query().All(s.sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || sent[0].Recipient != "admin@b.example" || sent[0].Kind != notification.KindDECLARATION_RETURNED {
		t.Fatalf("notifications: %+v", sent)
	}
}

func TestDeclarationSubmittedComplete(t *testing.T) {
	t.Parallel()
	s := newDeclarationScene(t)
	// A uses dui during 2026: a declaration leaving it out is refused,
	// one declaring it, even at 0, is submitted.
	d, err := s.svc.Declarations.Save(s.staffA, s.a.ID, 2026, []DeclaredLine{{s.mail.ID, 35}}, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.svc.Declarations.Submit(s.staffA, d.ID)
	expectField(t, err, "lines")
	if err == nil || !strings.Contains(err.Error(), "Dossier de l'usager") {
		t.Errorf("the refusal does not name the resource left out: %v", err)
	}
	if _, err := s.svc.Declarations.Save(s.staffA, s.a.ID, 2026, []DeclaredLine{{s.mail.ID, 35}, {s.dui.ID, 0}}, "pas encore utilisé"); err != nil {
		t.Fatal(err)
	}
	if d, err = s.svc.Declarations.Submit(s.staffA, d.ID); err != nil || d.Status != usagedeclaration.StatusSUBMITTED {
		t.Fatalf("complete declaration: %v %+v", err, d)
	}
}
