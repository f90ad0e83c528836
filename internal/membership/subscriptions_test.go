package membership

import (
	"testing"
	"time"

	"communs"
	"communs/ent/member"
	"communs/ent/resource"
	"communs/ent/subscription"
	"communs/internal/viewer"
)

func TestSubscriptionLifecycle(t *testing.T) {
	t.Parallel()
	f := newUsageFixture(t)
	staff := f.as(t, "staff@gsm.example", "gsm_staff", nil)
	a := f.member(t, "Association A", member.CategoryACTIVE, "")
	admin := f.as(t, "admin@a.example", "member_admin", a)
	dui := f.resource(t, "DUI", "Dossier de l'usager", resource.UsageUnitPLACES, resource.AllocationKeyPRO_RATA)

	sub, err := f.svc.Catalogue.RequestSubscription(admin, a.ID, dui.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Status != subscription.StatusREQUESTED || !sub.RequestedOn.Equal(onDay(2026, 3, 2)) || sub.StartsOn != nil ||
		sub.MemberID != a.ID || sub.ResourceID != dui.ID {
		t.Fatalf("requested: %+v", sub)
	}
	// One open subscription per member and resource, whoever asks.
	_, err = f.svc.Catalogue.RequestSubscription(admin, a.ID, dui.ID)
	expectCode(t, err, communs.ECONFLICT)
	_, err = f.svc.Catalogue.RequestSubscription(staff, a.ID, dui.ID)
	expectCode(t, err, communs.ECONFLICT)
	_, err = f.svc.Catalogue.RequestSubscription(admin, a.ID, "RES01JZZZZZZZZZZZZZZZZZZZZZ")
	expectField(t, err, "resourceId")

	_, err = f.svc.Catalogue.ActivateSubscription(staff, sub.ID, time.Time{}, nil, "", nil)
	expectField(t, err, "startsOn")
	_, err = f.svc.Catalogue.ActivateSubscription(staff, sub.ID, onDay(1999, 1, 1), &signedConvention, "", nil) // before the member joined
	expectField(t, err, "startsOn")
	// No activation without the date the convention was signed, nor with
	// a date still to come.
	_, err = f.svc.Catalogue.ActivateSubscription(staff, sub.ID, onDay(2026, 4, 1), nil, "", nil)
	expectField(t, err, "conventionSignedOn")
	tomorrow := f.clock.AddDate(0, 0, 1)
	_, err = f.svc.Catalogue.ActivateSubscription(staff, sub.ID, onDay(2026, 4, 1), &tomorrow, "", nil)
	expectField(t, err, "conventionSignedOn")
	signed := time.Date(2026, 3, 1, 15, 30, 0, 0, time.UTC)
	sub, err = f.svc.Catalogue.ActivateSubscription(staff, sub.ID, onDay(2026, 4, 1), &signed, " Claire Martin ", ref("claire.martin@a.example"))
	if err != nil {
		t.Fatal(err)
	}
	if sub.Status != subscription.StatusACTIVE || !sub.StartsOn.Equal(onDay(2026, 4, 1)) ||
		!sub.ConventionSignedOn.Equal(onDay(2026, 3, 1)) || sub.ProjectLeadName != "Claire Martin" ||
		*sub.ProjectLeadEmail != "claire.martin@a.example" {
		t.Fatalf("activated: %+v", sub)
	}
	_, err = f.svc.Catalogue.ActivateSubscription(staff, sub.ID, onDay(2026, 4, 1), &signedConvention, "", nil)
	expectCode(t, err, communs.ECONFLICT)
	_, err = f.svc.Catalogue.RequestSubscription(admin, a.ID, dui.ID)
	expectCode(t, err, communs.ECONFLICT) // ACTIVE is open too

	_, err = f.svc.Catalogue.EndSubscription(staff, sub.ID, onDay(2026, 3, 31))
	expectField(t, err, "endsOn")
	sub, err = f.svc.Catalogue.EndSubscription(staff, sub.ID, onDay(2026, 12, 31))
	if err != nil {
		t.Fatal(err)
	}
	if sub.Status != subscription.StatusENDED || !sub.EndsOn.Equal(onDay(2026, 12, 31)) {
		t.Fatalf("ended: %+v", sub)
	}
	_, err = f.svc.Catalogue.EndSubscription(staff, sub.ID, onDay(2027, 1, 1))
	expectCode(t, err, communs.ECONFLICT)

	// Once ended, the member may ask again; a request may be withdrawn.
	again, err := f.svc.Catalogue.RequestSubscription(admin, a.ID, dui.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Catalogue.EndSubscription(admin, again.ID, onDay(2026, 3, 1))
	expectField(t, err, "endsOn") // before it was requested
	withdrawn, err := f.svc.Catalogue.EndSubscription(admin, again.ID, onDay(2026, 3, 2))
	if err != nil || withdrawn.Status != subscription.StatusENDED || withdrawn.StartsOn != nil {
		t.Fatalf("withdrawn: %v %+v", err, withdrawn)
	}
	_, err = f.svc.Catalogue.ActivateSubscription(staff, again.ID, onDay(2026, 4, 1), &signedConvention, "", nil)
	expectCode(t, err, communs.ECONFLICT)
	_, err = f.svc.Catalogue.ActivateSubscription(staff, "SUB01JZZZZZZZZZZZZZZZZZZZZZ", onDay(2026, 4, 1), &signedConvention, "", nil)
	expectCode(t, err, communs.ENOTFOUND)
}

// signedConvention is the date the tests' conventions were signed.
var signedConvention = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func TestSubscriptionRefusals(t *testing.T) {
	t.Parallel()
	f := newUsageFixture(t)
	staff := f.as(t, "staff@gsm.example", "gsm_staff", nil)
	a := f.member(t, "Association A", member.CategoryACTIVE, "")
	b := f.member(t, "Association B", member.CategoryUSER, "")
	adminA := f.as(t, "admin@a.example", "member_admin", a)
	adminB := f.as(t, "admin@b.example", "member_admin", b)
	dui := f.resource(t, "DUI", "Dossier de l'usager", resource.UsageUnitPLACES, resource.AllocationKeyPRO_RATA)

	// A member's people act for their own member only, and only its
	// administrators subscribe: a viewer role elsewhere gives no such right.
	_, err := f.svc.Catalogue.RequestSubscription(adminB, a.ID, dui.ID)
	expectCode(t, err, communs.EFORBIDDEN)
	both := viewer.NewContext(t.Context(), &viewer.Viewer{AccountID: "ACC9", Roles: []viewer.Role{
		{Name: "member_admin", MemberID: b.ID}, {Name: "member_viewer", MemberID: a.ID}}})
	_, err = f.svc.Catalogue.RequestSubscription(both, a.ID, dui.ID)
	expectCode(t, err, communs.EFORBIDDEN)
	_, err = f.svc.Declarations.Save(both, a.ID, 2026, nil, "")
	if err == nil {
		t.Error("a member_viewer of A saved A's declaration through its admin role in B")
	}
	subA, err := f.svc.Catalogue.RequestSubscription(adminA, a.ID, dui.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Catalogue.EndSubscription(adminB, subA.ID, onDay(2026, 3, 2))
	expectCode(t, err, communs.ENOTFOUND)
	_, err = f.svc.Catalogue.ActivateSubscription(adminB, subA.ID, onDay(2026, 4, 1), &signedConvention, "", nil)
	expectCode(t, err, communs.ENOTFOUND)

	// The groupement's staff act for any member.
	subB, err := f.svc.Catalogue.RequestSubscription(staff, b.ID, dui.ID)
	if err != nil || subB.MemberID != b.ID {
		t.Fatalf("staff request: %v %+v", err, subB)
	}

	// Suspended and departed members take no new subscription, and their
	// pending requests are not activated.
	mail := f.resource(t, "MAIL", "Messagerie", resource.UsageUnitMAILBOXES, resource.AllocationKeyPRO_RATA)
	if err := f.client.Member.UpdateOneID(b.ID).SetStatus(member.StatusSUSPENDED).Exec(f.sys); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Catalogue.RequestSubscription(adminB, b.ID, mail.ID)
	expectCode(t, err, communs.ECONFLICT)
	_, err = f.svc.Catalogue.ActivateSubscription(staff, subB.ID, onDay(2026, 4, 1), &signedConvention, "", nil)
	expectCode(t, err, communs.ECONFLICT)
	if err := f.client.Member.UpdateOneID(b.ID).SetStatus(member.StatusLEFT).SetLeftOn(onDay(2026, 3, 1)).Exec(f.sys); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Catalogue.RequestSubscription(staff, b.ID, mail.ID)
	expectCode(t, err, communs.ECONFLICT)

	// A request to a resource retired since is not activated.
	if _, err := f.svc.Catalogue.RetireResource(staff, dui.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Catalogue.ActivateSubscription(staff, subA.ID, onDay(2026, 4, 1), &signedConvention, "", nil)
	expectCode(t, err, communs.ECONFLICT)
}

func TestSubscriptionConcurrentRequests(t *testing.T) {
	t.Parallel()
	f := newUsageFixture(t)
	a := f.member(t, "Association A", member.CategoryACTIVE, "")
	admin := f.as(t, "admin@a.example", "member_admin", a)
	dui := f.resource(t, "DUI", "Dossier de l'usager", resource.UsageUnitPLACES, resource.AllocationKeyPRO_RATA)

	const n = 8
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		go func() {
			<-start
			_, err := f.svc.Catalogue.RequestSubscription(admin, a.ID, dui.ID)
			errs <- err
		}()
	}
	close(start)
	won := 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			won++
		case communs.ErrorCode(err) != communs.ECONFLICT:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if count := f.client.Subscription.Query().CountX(f.sys); won != 1 || count != 1 {
		t.Fatalf("%d requests won, %d subscriptions; want 1 and 1", won, count)
	}
}
