package membership

import (
	"context"
	"errors"
	"testing"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/chargerun"
	"communs/ent/member"
	"communs/ent/privacy"
	"communs/ent/resource"
	"communs/ent/roleassignment"
	"communs/ent/schema/pulid"
	"communs/ent/subscription"
	"communs/internal/auth"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

// usageFixture is the service over a fresh database, with a clock the test
// moves, and helpers that set the scene as the system.
type usageFixture struct {
	svc    *Services
	client *ent.Client
	sys    context.Context
	clock  time.Time
}

func newUsageFixture(t *testing.T) *usageFixture {
	t.Helper()
	db := storetest.Open(t)
	f := &usageFixture{
		client: db.Client,
		sys:    viewer.SystemContext(context.Background()),
		clock:  time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
	}
	f.svc = New(db.Client, auth.New(db.Client), nil)
	f.svc.Members.now = func() time.Time { return f.clock } // the clock all the workflows share
	return f
}

// member creates an ACTIVE member; contact may be empty.
func (f *usageFixture) member(t *testing.T, name string, category member.Category, contact string) *ent.Member {
	t.Helper()
	c := f.client.Member.Create().SetName(name).SetCategory(category).
		SetJoinedOn(time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC))
	if contact != "" {
		c.SetContactEmail(contact)
	}
	m, err := c.Save(f.sys)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// as creates an account holding role (in memberID's domain for a member
// role) and returns a context acting as it.
func (f *usageFixture) as(t *testing.T, email, role string, m *ent.Member) context.Context {
	t.Helper()
	acc, err := f.client.Account.Create().SetEmail(email).Save(f.sys)
	if err != nil {
		t.Fatal(err)
	}
	r := viewer.Role{Name: role}
	ra := f.client.RoleAssignment.Create().SetAccountID(acc.ID).SetRole(roleassignment.Role(role))
	if m != nil {
		r.MemberID, r.MemberCategory = m.ID, string(m.Category)
		ra.SetMemberID(m.ID)
	}
	if err := ra.Exec(f.sys); err != nil {
		t.Fatal(err)
	}
	return viewer.NewContext(context.Background(), &viewer.Viewer{AccountID: acc.ID, Email: email, Roles: []viewer.Role{r}})
}

func (f *usageFixture) resource(t *testing.T, code, name string, unit resource.UsageUnit, key resource.AllocationKey) *ent.Resource {
	t.Helper()
	r, err := f.client.Resource.Create().SetCode(code).SetName(name).
		SetKind(resource.KindSOFTWARE).SetUsageUnit(unit).SetAllocationKey(key).
		Save(f.sys)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// subscribe records an ACTIVE subscription of m to r from startsOn.
func (f *usageFixture) subscribe(t *testing.T, m *ent.Member, r *ent.Resource, startsOn time.Time) *ent.Subscription {
	t.Helper()
	s, err := f.client.Subscription.Create().SetMemberID(m.ID).SetResourceID(r.ID).
		SetStatus(subscription.StatusACTIVE).SetRequestedOn(startsOn).SetStartsOn(startsOn).
		Save(f.sys)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// completeYearEnd records that the year-end regularisation of year ran.
func (f *usageFixture) completeYearEnd(t *testing.T, year int) {
	t.Helper()
	err := f.client.ChargeRun.Create().SetFiscalYear(year).SetStep(chargerun.StepYEAR_END).
		SetStatus(chargerun.StatusCOMPLETED).SetFinishedAt(f.clock).Exec(f.sys)
	if err != nil {
		t.Fatal(err)
	}
}

func expectCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := communs.ErrorCode(err); err == nil || got != code {
		t.Fatalf("error %v (code %s), want code %s", err, got, code)
	}
}

func expectField(t *testing.T, err error, field string) {
	t.Helper()
	var e *communs.Error
	if !errors.As(err, &e) || e.Code != communs.EINVALID || e.Field != field {
		t.Fatalf("error %v, want INVALID_INPUT on %s", err, field)
	}
}

func onDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func ref[T any](v T) *T { return &v }

func TestCatalogueTree(t *testing.T) {
	t.Parallel()
	f := newUsageFixture(t)
	staff := f.as(t, "staff@gsm.example", "gsm_staff", nil)

	root, err := f.svc.Catalogue.CreateResourceCategory(staff, ent.CreateResourceCategoryInput{Code: "LOG", Name: "Logiciels"})
	if err != nil {
		t.Fatal(err)
	}
	child, err := f.svc.Catalogue.CreateResourceCategory(staff, ent.CreateResourceCategoryInput{Code: "LOG-RH", Name: "Ressources humaines", ParentID: &root.ID})
	if err != nil {
		t.Fatal(err)
	}
	grandchild, err := f.svc.Catalogue.CreateResourceCategory(staff, ent.CreateResourceCategoryInput{Code: "LOG-RH-PAIE", Name: "Paie", ParentID: &child.ID})
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.svc.Catalogue.CreateResourceCategory(staff, ent.CreateResourceCategoryInput{Code: "INF", Name: "Infrastructure"})
	if err != nil {
		t.Fatal(err)
	}

	_, err = f.svc.Catalogue.CreateResourceCategory(staff, ent.CreateResourceCategoryInput{Code: "LOG", Name: "Doublon"})
	expectCode(t, err, communs.ECONFLICT)
	missing := pulid.ID("RCA01JZZZZZZZZZZZZZZZZZZZZZ")
	_, err = f.svc.Catalogue.CreateResourceCategory(staff, ent.CreateResourceCategoryInput{Code: "X", Name: "Orphan", ParentID: &missing})
	expectField(t, err, "parentID")

	// Cycles: itself, a child, a grandchild.
	for _, parent := range []pulid.ID{root.ID, child.ID, grandchild.ID} {
		_, err = f.svc.Catalogue.UpdateResourceCategory(staff, root.ID, ent.UpdateResourceCategoryInput{ParentID: &parent})
		expectField(t, err, "parentID")
	}
	_, err = f.svc.Catalogue.UpdateResourceCategory(staff, child.ID, ent.UpdateResourceCategoryInput{ParentID: &grandchild.ID})
	expectField(t, err, "parentID")
	_, err = f.svc.Catalogue.UpdateResourceCategory(staff, root.ID, ent.UpdateResourceCategoryInput{ParentID: &missing})
	expectField(t, err, "parentID")

	// A legal move, then back to the top.
	moved, err := f.svc.Catalogue.UpdateResourceCategory(staff, child.ID, ent.UpdateResourceCategoryInput{ParentID: &other.ID, Name: ref("RH")})
	if err != nil {
		t.Fatal(err)
	}
	if moved.ParentID == nil || *moved.ParentID != other.ID || moved.Name != "RH" {
		t.Fatalf("moved category: %+v", moved)
	}
	// Now root is no ancestor of child: child's old parent may go under grandchild.
	if _, err := f.svc.Catalogue.UpdateResourceCategory(staff, root.ID, ent.UpdateResourceCategoryInput{ParentID: &grandchild.ID}); err != nil {
		t.Fatal(err)
	}
	// …and other, an ancestor of grandchild, may not go under root.
	_, err = f.svc.Catalogue.UpdateResourceCategory(staff, other.ID, ent.UpdateResourceCategoryInput{ParentID: &root.ID})
	expectField(t, err, "parentID")
	top, err := f.svc.Catalogue.UpdateResourceCategory(staff, root.ID, ent.UpdateResourceCategoryInput{ClearParent: true})
	if err != nil || top.ParentID != nil {
		t.Fatalf("clear parent: %v %+v", err, top)
	}

	_, err = f.svc.Catalogue.UpdateResourceCategory(staff, missing, ent.UpdateResourceCategoryInput{Name: ref("x")})
	expectCode(t, err, communs.ENOTFOUND)

	// Members read the catalogue but do not change it.
	a := f.member(t, "Association A", member.CategoryACTIVE, "")
	admin := f.as(t, "admin@a.example", "member_admin", a)
	_, err = f.svc.Catalogue.CreateResourceCategory(admin, ent.CreateResourceCategoryInput{Code: "M", Name: "Member's"})
	if !errors.Is(err, privacy.Deny) {
		t.Fatalf("a member creates a category: %v", err)
	}
	_, err = f.svc.Catalogue.UpdateResourceCategory(admin, root.ID, ent.UpdateResourceCategoryInput{Name: ref("x")})
	if !errors.Is(err, privacy.Deny) {
		t.Fatalf("a member renames a category: %v", err)
	}
}

func TestCatalogueResources(t *testing.T) {
	t.Parallel()
	f := newUsageFixture(t)
	staff := f.as(t, "staff@gsm.example", "gsm_staff", nil)
	cat, err := f.svc.Catalogue.CreateResourceCategory(staff, ent.CreateResourceCategoryInput{Code: "LOG", Name: "Logiciels"})
	if err != nil {
		t.Fatal(err)
	}
	in := ent.CreateResourceInput{
		Code: "DUI", Name: "Dossier de l'usager", Kind: resource.KindSOFTWARE,
		UsageUnit: resource.UsageUnitPLACES, AllocationKey: resource.AllocationKeyPRO_RATA,
		ProcessesHealthData: ref(true), CategoryID: &cat.ID,
	}
	res, err := f.svc.Catalogue.CreateResource(staff, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != resource.StatusACTIVE || !res.ProcessesHealthData || *res.CategoryID != cat.ID {
		t.Fatalf("created: %+v", res)
	}
	_, err = f.svc.Catalogue.CreateResource(staff, in)
	expectCode(t, err, communs.ECONFLICT)
	retired := in
	retired.Code, retired.Status = "OLD", ref(resource.StatusRETIRED)
	_, err = f.svc.Catalogue.CreateResource(staff, retired)
	expectField(t, err, "status")
	bad := in
	bad.Code, bad.CategoryID = "BAD", ref(pulid.ID("RCA01JZZZZZZZZZZZZZZZZZZZZZ"))
	_, err = f.svc.Catalogue.CreateResource(staff, bad)
	expectField(t, err, "categoryID")

	a := f.member(t, "Association A", member.CategoryACTIVE, "")
	admin := f.as(t, "admin@a.example", "member_admin", a)
	if _, err := f.svc.Catalogue.CreateResource(admin, ent.CreateResourceInput{Code: "M", Name: "M", Kind: resource.KindSERVICE,
		UsageUnit: resource.UsageUnitFLAT, AllocationKey: resource.AllocationKeyEQUAL}); !errors.Is(err, privacy.Deny) {
		t.Fatalf("a member creates a resource: %v", err)
	}
	if _, err := f.svc.Catalogue.RetireResource(admin, res.ID); !errors.Is(err, privacy.Deny) {
		t.Fatalf("a member retires a resource: %v", err)
	}

	res, err = f.svc.Catalogue.UpdateResource(staff, res.ID, ent.UpdateResourceInput{Name: ref("DUI"), ClearCategory: true})
	if err != nil || res.Name != "DUI" || res.CategoryID != nil {
		t.Fatalf("update: %v %+v", err, res)
	}

	// A subscriber, then retirement: the subscription stays, new ones are refused.
	if _, err := f.svc.Catalogue.RequestSubscription(admin, a.ID, res.ID); err != nil {
		t.Fatal(err)
	}
	res, err = f.svc.Catalogue.RetireResource(staff, res.ID)
	if err != nil || res.Status != resource.StatusRETIRED {
		t.Fatalf("retire: %v %+v", err, res)
	}
	_, err = f.svc.Catalogue.RetireResource(staff, res.ID)
	expectCode(t, err, communs.ECONFLICT)
	_, err = f.svc.Catalogue.RetireResource(staff, "RES01JZZZZZZZZZZZZZZZZZZZZZ")
	expectCode(t, err, communs.ENOTFOUND)
	if n, _ := f.client.Subscription.Query().Count(f.sys); n != 1 {
		t.Fatalf("%d subscriptions after retirement, want 1", n)
	}
	b := f.member(t, "Association B", member.CategoryUSER, "")
	_, err = f.svc.Catalogue.RequestSubscription(f.as(t, "admin@b.example", "member_admin", b), b.ID, res.ID)
	expectCode(t, err, communs.ECONFLICT)
	_, err = f.svc.Catalogue.RequestSubscription(staff, b.ID, res.ID)
	expectCode(t, err, communs.ECONFLICT)

	// Retirement is final; descriptive fields can still be corrected.
	_, err = f.svc.Catalogue.UpdateResource(staff, res.ID, ent.UpdateResourceInput{Status: ref(resource.StatusACTIVE)})
	expectCode(t, err, communs.ECONFLICT)
	res, err = f.svc.Catalogue.UpdateResource(staff, res.ID, ent.UpdateResourceInput{Description: ref("Remplacé par DUI2")})
	if err != nil || res.Description != "Remplacé par DUI2" || res.Status != resource.StatusRETIRED {
		t.Fatalf("describe a retired resource: %v %+v", err, res)
	}

	// Retiring through an update is the same as RetireResource.
	mail := f.resource(t, "MAIL", "Messagerie", resource.UsageUnitMAILBOXES, resource.AllocationKeyPRO_RATA)
	mail, err = f.svc.Catalogue.UpdateResource(staff, mail.ID, ent.UpdateResourceInput{Status: ref(resource.StatusRETIRED)})
	if err != nil || mail.Status != resource.StatusRETIRED {
		t.Fatalf("retire by update: %v %+v", err, mail)
	}
	_, err = f.svc.Catalogue.UpdateResource(staff, "RES01JZZZZZZZZZZZZZZZZZZZZZ", ent.UpdateResourceInput{Name: ref("x")})
	expectCode(t, err, communs.ENOTFOUND)
}

func TestResourceBasisFrozenUntilRegularised(t *testing.T) {
	t.Parallel()
	f := newUsageFixture(t)
	staff := f.as(t, "staff@gsm.example", "gsm_staff", nil)
	a := f.member(t, "Association A", member.CategoryACTIVE, "")
	dui := f.resource(t, "DUI", "Dossier de l'usager", resource.UsageUnitPLACES, resource.AllocationKeyPRO_RATA)
	f.subscribe(t, a, dui, onDay(2025, 1, 1))

	// Without declarations the basis may change.
	dui, err := f.svc.Catalogue.UpdateResource(staff, dui.ID, ent.UpdateResourceInput{UsageUnit: ref(resource.UsageUnitACCOUNTS)})
	if err != nil || dui.UsageUnit != resource.UsageUnitACCOUNTS {
		t.Fatalf("unit change without declarations: %v", err)
	}
	for _, year := range []int{2025, 2026} {
		if _, err := f.svc.Declarations.Save(staff, a.ID, year, []DeclaredLine{{dui.ID, 40}}, ""); err != nil {
			t.Fatal(err)
		}
	}
	_, err = f.svc.Catalogue.UpdateResource(staff, dui.ID, ent.UpdateResourceInput{UsageUnit: ref(resource.UsageUnitPLACES)})
	expectCode(t, err, communs.ECONFLICT)
	_, err = f.svc.Catalogue.UpdateResource(staff, dui.ID, ent.UpdateResourceInput{AllocationKey: ref(resource.AllocationKeyEQUAL)})
	expectCode(t, err, communs.ECONFLICT)
	// The same values, or other fields, are no change of basis.
	if _, err := f.svc.Catalogue.UpdateResource(staff, dui.ID, ent.UpdateResourceInput{
		Name: ref("DUI"), UsageUnit: ref(resource.UsageUnitACCOUNTS), AllocationKey: ref(resource.AllocationKeyPRO_RATA),
	}); err != nil {
		t.Fatal(err)
	}

	f.completeYearEnd(t, 2025)
	_, err = f.svc.Catalogue.UpdateResource(staff, dui.ID, ent.UpdateResourceInput{UsageUnit: ref(resource.UsageUnitPLACES)})
	expectCode(t, err, communs.ECONFLICT) // 2026 is still open
	f.completeYearEnd(t, 2026)
	dui, err = f.svc.Catalogue.UpdateResource(staff, dui.ID, ent.UpdateResourceInput{
		UsageUnit: ref(resource.UsageUnitPLACES), AllocationKey: ref(resource.AllocationKeyEQUAL),
	})
	if err != nil || dui.UsageUnit != resource.UsageUnitPLACES || dui.AllocationKey != resource.AllocationKeyEQUAL {
		t.Fatalf("basis change after regularisation: %v %+v", err, dui)
	}
}
