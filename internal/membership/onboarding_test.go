package membership

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"communs"
	"communs/ent/charge"
	"communs/ent/member"
	"communs/ent/membershipapplication"
	"communs/ent/resource"
	"communs/ent/schema/schematype"
)

// checklist renders steps as "key:done@date" (date "-" when none).
func checklist(steps []OnboardingStep) string {
	var b strings.Builder
	for i, s := range steps {
		if i > 0 {
			b.WriteByte(' ')
		}
		on := "-"
		if s.DoneOn != nil {
			on = s.DoneOn.Format(time.DateOnly)
		}
		fmt.Fprintf(&b, "%s:%v@%s", s.Key, s.Done, on)
	}
	return b.String()
}

func TestOnboarding(t *testing.T) {
	t.Parallel()
	f := newUsageFixture(t)
	staff := f.as(t, "staff@gsm.example", "gsm_staff", nil)
	a := f.member(t, "Association A", member.CategoryACTIVE, "contact@a.example")
	reviewed := time.Date(2024, 8, 30, 22, 30, 0, 0, time.UTC) // 31 August in Paris
	f.client.MembershipApplication.Create().
		SetOrganisationName(a.Name).SetLegalForm("Association loi 1901").
		SetStreet("1 rue de la Paix").SetPostalCode("75002").SetCity("Paris").
		SetRepresentativeName("Jeanne Durand").SetRepresentativeFunction("Présidente").
		SetContactEmail("contact@a.example").SetRequestedCategory(membershipapplication.RequestedCategoryACTIVE).
		SetAppliedOn(onDay(2024, 6, 15)).SetSignerName("Jeanne Durand").SetSignedAt(onDay(2024, 6, 15)).
		SetNonProfit(true).SetVatSubjectPercent(5).
		SetStatus(membershipapplication.StatusAPPROVED).SetReviewedAt(reviewed).
		SetMember(a).ExecX(f.sys)
	admin := f.as(t, "admin@a.example", "member_admin", a)
	dui := f.resource(t, "DUI", "Dossier de l'usager", resource.UsageUnitPLACES, resource.AllocationKeyPRO_RATA)
	mail := f.resource(t, "MAIL", "Messagerie", resource.UsageUnitMAILBOXES, resource.AllocationKeyPRO_RATA)

	got, err := f.svc.Members.Onboarding(admin, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := "application:true@2024-06-15 approval:true@2024-08-31 cotisation:false@- " +
		"declaration:false@- contribution:false@-"; checklist(got.Steps) != want {
		t.Fatalf("new member:\n got %s\nwant %s", checklist(got.Steps), want)
	}
	if got.Member.ID != a.ID || len(got.Resources) != 0 {
		t.Fatalf("new member: %+v", got)
	}
	for _, s := range got.Steps {
		if s.Label == "" {
			t.Errorf("step %s has no label", s.Key)
		}
	}

	// Subscriptions: one requested, one activated with its convention and lead.
	subDUI, err := f.svc.Catalogue.RequestSubscription(admin, a.ID, dui.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.clock = f.clock.AddDate(0, 0, 1)
	if _, err := f.svc.Catalogue.RequestSubscription(admin, a.ID, mail.ID); err != nil {
		t.Fatal(err)
	}
	signed := onDay(2026, 3, 1)
	if _, err := f.svc.Catalogue.ActivateSubscription(staff, subDUI.ID, onDay(2026, 4, 1), &signed, "Claire Martin", nil); err != nil {
		t.Fatal(err)
	}

	// The year's steps: cotisation, declaration, contribution.
	f.clock = time.Date(2026, 4, 20, 23, 30, 0, 0, time.UTC) // 21 April in Paris
	d, err := f.svc.Declarations.Save(admin, a.ID, 2026, []DeclaredLine{{dui.ID, 130}, {mail.ID, 40}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Declarations.Submit(admin, d.ID); err != nil {
		t.Fatal(err)
	}
	for i, kind := range []charge.Kind{charge.KindMEMBERSHIP_FEE, charge.KindPROVISION} {
		period := charge.PeriodFEES
		if kind == charge.KindPROVISION {
			period = charge.PeriodQ1
		}
		f.client.Charge.Create().SetMemberID(a.ID).SetKind(kind).SetFiscalYear(2026).SetPeriod(period).
			SetAmount(50000).SetLabel(string(kind)).SetBasis(schematype.ChargeBasis{}).
			SetIdempotencyKey(fmt.Sprint("test-", i)).ExecX(f.sys)
	}
	// A charge of another year is not this year's.
	f.client.Charge.Create().SetMemberID(a.ID).SetKind(charge.KindREGULARIZATION).SetFiscalYear(2025).
		SetPeriod(charge.PeriodYEAR_END).SetAmount(100).SetLabel("2025").SetBasis(schematype.ChargeBasis{}).
		SetIdempotencyKey("test-2025").ExecX(f.sys)

	got, err = f.svc.Members.Onboarding(admin, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Charges carry the real time of their creation.
	createdOn := func(kind charge.Kind) string {
		c := f.client.Charge.Query().Where(charge.KindEQ(kind)).OnlyX(f.sys)
		return parisDay(&c.CreatedAt).Format(time.DateOnly)
	}
	if want := "application:true@2024-06-15 approval:true@2024-08-31 cotisation:true@" + createdOn(charge.KindMEMBERSHIP_FEE) +
		" declaration:true@2026-04-21 contribution:true@" + createdOn(charge.KindPROVISION); checklist(got.Steps) != want {
		t.Fatalf("member under way:\n got %s\nwant %s", checklist(got.Steps), want)
	}
	if len(got.Resources) != 2 {
		t.Fatalf("%d subscriptions on the checklist, want 2", len(got.Resources))
	}
	wantResources := []struct{ code, steps string }{
		{"DUI", "request:true@2026-03-02 convention:true@2026-03-01 projectLead:true@- activation:true@2026-04-01"},
		{"MAIL", "request:true@2026-03-03 convention:false@- projectLead:false@- activation:false@-"},
	}
	for i, w := range wantResources {
		r := got.Resources[i]
		if r.Subscription.Edges.Resource == nil || r.Subscription.Edges.Resource.Code != w.code || checklist(r.Steps) != w.steps {
			t.Errorf("subscription %d:\n got %v %s\nwant %s %s", i, r.Subscription.Edges.Resource, checklist(r.Steps), w.code, w.steps)
		}
	}
	if got.Resources[0].Steps[2].Label != "Chef de projet interne désigné" {
		t.Errorf("labels are in French: %q", got.Resources[0].Steps[2].Label)
	}

	// Ended subscriptions leave the checklist.
	if _, err := f.svc.Catalogue.EndSubscription(staff, got.Resources[1].Subscription.ID, f.clock); err != nil {
		t.Fatal(err)
	}
	got, err = f.svc.Members.Onboarding(staff, a.ID)
	if err != nil || len(got.Resources) != 1 {
		t.Fatalf("after ending one: %v, %d subscriptions", err, len(got.Resources))
	}

	// Another member's people do not read A's checklist.
	b := f.member(t, "Association B", member.CategoryUSER, "")
	_, err = f.svc.Members.Onboarding(f.as(t, "admin@b.example", "member_admin", b), a.ID)
	expectCode(t, err, communs.ENOTFOUND)
}

func TestOnboardingWithoutApplication(t *testing.T) {
	t.Parallel()
	f := newUsageFixture(t)
	// A USER member recorded without an application: no cotisation step.
	b := f.member(t, "Association B", member.CategoryUSER, "")
	got, err := f.svc.Members.Onboarding(f.as(t, "viewer@b.example", "member_viewer", b), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := "application:true@- approval:true@2024-09-01 declaration:false@- contribution:false@-"; checklist(got.Steps) != want {
		t.Fatalf("member without application:\n got %s\nwant %s", checklist(got.Steps), want)
	}
	// A founder owes a cotisation.
	c := f.member(t, "Association C", member.CategoryFOUNDER, "")
	got, err = f.svc.Members.Onboarding(f.sys, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, s := range got.Steps {
		keys = append(keys, s.Key)
	}
	if strings.Join(keys, " ") != "application approval cotisation declaration contribution" {
		t.Fatalf("founder's steps: %v", keys)
	}
	_, err = f.svc.Members.Onboarding(f.sys, "MBR01JZZZZZZZZZZZZZZZZZZZZZ")
	expectCode(t, err, communs.ENOTFOUND)
}
