package membership

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/invitation"
	"communs/ent/member"
	"communs/ent/membershipapplication"
	"communs/ent/notification"
	"communs/ent/privacy"
	"communs/ent/schema/pulid"
	"communs/internal/auth"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

// lifecycle is the fixture of the application and member tests: the
// service over a fresh database, a clock the test moves, and the
// contexts of the groupement's staff and administrator.
type lifecycle struct {
	svc    *Services
	client *ent.Client
	clock  time.Time

	staffID, adminID pulid.ID
	staff, admin     context.Context // gsm_staff, gsm_admin
	system           context.Context
}

func newLifecycle(t *testing.T) *lifecycle {
	t.Helper()
	db := storetest.Open(t)
	f := &lifecycle{client: db.Client, clock: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	authSvc := auth.New(db.Client)
	f.svc = New(db.Client, authSvc, nil)
	f.svc.Members.now = func() time.Time { return f.clock } // the clock all the workflows share
	f.system = viewer.SystemContext(context.Background())

	account := func(email, role string) (pulid.ID, context.Context) {
		acc, err := authSvc.CreateAccount(context.Background(), email, "correct horse battery", email, role, nil)
		if err != nil {
			t.Fatal(err)
		}
		return acc.ID, viewer.NewContext(context.Background(),
			&viewer.Viewer{AccountID: acc.ID, Email: acc.Email, Roles: []viewer.Role{{Name: role}}})
	}
	f.staffID, f.staff = account("instruction@gsm.example", "gsm_staff")
	f.adminID, f.admin = account("direction@gsm.example", "gsm_admin")
	return f
}

// day is a date field's value.
func (f *lifecycle) day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// siren returns a valid SIREN number (Luhn check digit) built on n.
func (f *lifecycle) siren(n int) string {
	base := fmt.Sprintf("%08d", n%100000000)
	for d := range 10 {
		s := base + string(rune('0'+d))
		sum := 0
		for i := range 9 {
			v := int(s[8-i] - '0')
			if i%2 == 1 {
				if v *= 2; v > 9 {
					v -= 9
				}
			}
			sum += v
		}
		if sum%10 == 0 {
			return s
		}
	}
	panic("unreachable")
}

// input is a valid, eligible application of the organisation n.
func (f *lifecycle) input(n int) ApplicationInput {
	siren := f.siren(n)
	return ApplicationInput{
		OrganisationName:       fmt.Sprintf("Association Les Tilleuls %d", n),
		LegalForm:              "Association loi 1901",
		Siren:                  &siren,
		Street:                 "12 rue des Lilas",
		PostalCode:             "69003",
		City:                   "Lyon",
		RepresentativeName:     "Claire Martin",
		RepresentativeFunction: "Directrice générale",
		ContactEmail:           fmt.Sprintf("direction%d@tilleuls.example", n),
		RequestedCategory:      membershipapplication.RequestedCategoryACTIVE,
		AppliedOn:              f.day(2026, 3, 1),
		SignerName:             "Claire Martin",
		SignedAt:               f.clock.Add(-time.Hour),
		NonProfit:              true,
		VatSubjectPercent:      12.5,
	}
}

// submitted submits the application of organisation n from its own address.
func (f *lifecycle) submitted(t *testing.T, n int) *ent.MembershipApplication {
	t.Helper()
	app, err := f.svc.Applications.Submit(context.Background(), f.input(n), fmt.Sprintf("198.51.100.%d", n%250))
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// underReview submits the application of organisation n and starts its review.
func (f *lifecycle) underReview(t *testing.T, n int) *ent.MembershipApplication {
	t.Helper()
	app, err := f.svc.Applications.StartReview(f.staff, f.submitted(t, n).ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func (f *lifecycle) wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := communs.ErrorCode(err); err == nil || got != code {
		t.Fatalf("error %v (code %s), want code %s", err, got, code)
	}
}

func (f *lifecycle) count(t *testing.T, q interface {
	Count(context.Context) (int, error)
}) int {
	t.Helper()
	n, err := q.Count(f.system)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *lifecycle) notifications(t *testing.T, kind notification.Kind) []*ent.Notification {
	t.Helper()
	ns, err := f.client.Notification.Query().Where(notification.KindEQ(kind)).All(f.system)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func TestApplicationPathToMember(t *testing.T) {
	t.Parallel()
	f := newLifecycle(t)
	in := f.input(1)
	in.ContactEmail = "  Direction@Tilleuls.Example "
	in.OrganisationName = " Association Les Tilleuls "

	// Anonymous: no viewer at all.
	app, err := f.svc.Applications.Submit(context.Background(), in, "198.51.100.1")
	if err != nil {
		t.Fatal(err)
	}
	if app.Status != membershipapplication.StatusSUBMITTED || app.Version != 1 ||
		app.ContactEmail != "direction@tilleuls.example" || app.OrganisationName != "Association Les Tilleuls" ||
		app.ID.Prefix() != "APP" {
		t.Fatalf("submitted application %+v", app)
	}
	received := f.notifications(t, notification.KindAPPLICATION_RECEIVED)
	if len(received) != 1 || received[0].Recipient != "direction@tilleuls.example" ||
		!strings.Contains(received[0].Subject, string(app.ID)) || !strings.Contains(received[0].Body, string(app.ID)) ||
		!strings.Contains(received[0].Body, "accusons réception") || received[0].Body != Acknowledgement(app) {
		t.Fatalf("acknowledgement %+v", received)
	}

	app, err = f.svc.Applications.StartReview(f.staff, app.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if app.Status != membershipapplication.StatusUNDER_REVIEW || app.Version != 2 {
		t.Fatalf("under review: %s v%d", app.Status, app.Version)
	}

	app, err = f.svc.Applications.Approve(f.staff, app.ID, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if app.Status != membershipapplication.StatusAPPROVED || app.Version != 3 || app.ReviewedAt == nil {
		t.Fatalf("approved: %+v", app)
	}
	if reviewer, err := app.QueryReviewer().OnlyID(f.system); err != nil || reviewer != f.staffID {
		t.Errorf("reviewer %s, %v; want %s", reviewer, err, f.staffID)
	}

	m, err := app.QueryMember().Only(f.staff)
	if err != nil {
		t.Fatal(err)
	}
	today := f.day(2026, 3, 2)
	if m.Name != "Association Les Tilleuls" || m.LegalForm != "Association loi 1901" ||
		m.Siren == nil || *m.Siren != *in.Siren || m.Street != in.Street || m.PostalCode != "69003" || m.City != "Lyon" ||
		m.RepresentativeName != "Claire Martin" || m.RepresentativeFunction != "Directrice générale" ||
		m.ContactEmail == nil || *m.ContactEmail != "direction@tilleuls.example" || m.VatSubjectPercent != 12.5 ||
		m.Category != member.CategoryACTIVE || m.Status != member.StatusACTIVE || !m.JoinedOn.Equal(today) {
		t.Fatalf("member %+v", m)
	}
	history, err := m.QueryCategoryChanges().All(f.staff)
	if err != nil {
		t.Fatal(err)
	}
	if len(history) != 1 || history[0].FromCategory != nil || history[0].ToCategory != "ACTIVE" ||
		!history[0].EffectiveOn.Equal(today) || history[0].Reason != "adhésion" {
		t.Fatalf("category history %+v", history)
	}

	invitations, err := f.client.Invitation.Query().All(f.system)
	if err != nil {
		t.Fatal(err)
	}
	if len(invitations) != 1 {
		t.Fatalf("%d invitations", len(invitations))
	}
	inv := invitations[0]
	if inv.Email != "direction@tilleuls.example" || inv.Role != invitation.RoleMemberAdmin ||
		inv.MemberID == nil || *inv.MemberID != m.ID || inv.InvitedByID == nil || *inv.InvitedByID != f.staffID ||
		inv.AcceptedAt != nil {
		t.Fatalf("invitation %+v", inv)
	}

	approved := f.notifications(t, notification.KindAPPLICATION_APPROVED)
	if len(approved) != 1 || approved[0].Recipient != "direction@tilleuls.example" ||
		approved[0].MemberID == nil || *approved[0].MemberID != m.ID || !strings.Contains(approved[0].Body, "membre actif") {
		t.Fatalf("approval notification %+v", approved)
	}
	invited := f.notifications(t, notification.KindINVITATION)
	if len(invited) != 1 || invited[0].Recipient != "direction@tilleuls.example" {
		t.Fatalf("invitation notification %+v", invited)
	}
	if n := f.count(t, f.client.Notification.Query()); n != 3 {
		t.Errorf("%d notifications in the outbox, want 3", n)
	}

	// The representative accepts the invitation with the token the
	// message carries, and administers the new member.
	body := strings.TrimSpace(invited[0].Body)
	token := body[strings.LastIndex(body, "\n")+1:]
	sess, err := auth.New(f.client).AcceptInvitation(context.Background(), token, "correct horse battery", "Claire Martin", "198.51.100.1")
	if err != nil {
		t.Fatal(err)
	}
	if ras, _ := sess.Account.NamedRoleAssignments("roleAssignments"); len(ras) != 1 || ras[0].MemberID == nil || *ras[0].MemberID != m.ID {
		t.Fatalf("roles of the new administrator %+v", ras)
	}
}

func TestApplicationRNAOnlyAndExplicitJoiningDate(t *testing.T) {
	t.Parallel()
	f := newLifecycle(t)
	in := f.input(2)
	rna := " w691234567 "
	empty := ""
	in.Siren, in.Rna = &empty, &rna
	in.RequestedCategory = membershipapplication.RequestedCategoryUSER
	app, err := f.svc.Applications.Submit(context.Background(), in, "198.51.100.2")
	if err != nil {
		t.Fatal(err)
	}
	if app.Siren != nil || app.Rna == nil || *app.Rna != "W691234567" {
		t.Fatalf("identifiers %v %v", app.Siren, app.Rna)
	}
	if _, err := f.svc.Applications.StartReview(f.staff, app.ID, 1); err != nil {
		t.Fatal(err)
	}
	tooEarly := f.day(2026, 2, 1) // before the application's date
	_, err = f.svc.Applications.Approve(f.staff, app.ID, 2, &tooEarly)
	f.wantCode(t, err, communs.EINVALID)
	if e := err.(*communs.Error); e.Field != "joinedOn" {
		t.Errorf("field %q", e.Field)
	}
	if n := f.count(t, f.client.Member.Query()); n != 0 {
		t.Fatalf("a refused approval left %d members", n)
	}
	joined := time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)
	app, err = f.svc.Applications.Approve(f.staff, app.ID, 2, &joined)
	if err != nil {
		t.Fatal(err)
	}
	m, err := app.QueryMember().Only(f.staff)
	if err != nil {
		t.Fatal(err)
	}
	if !m.JoinedOn.Equal(f.day(2026, 3, 1)) || m.Category != member.CategoryUSER || m.Siren != nil {
		t.Fatalf("member %+v", m)
	}
}

func TestApplicationEligibilityAndValidation(t *testing.T) {
	t.Parallel()
	f := newLifecycle(t)
	for _, tc := range []struct {
		name   string
		change func(*ApplicationInput)
		field  string
		says   string
	}{
		{"for-profit", func(in *ApplicationInput) { in.NonProfit = false }, "nonProfit", "non-profit organisations"},
		{"21 % subject to VAT", func(in *ApplicationInput) { in.VatSubjectPercent = 21 }, "vatSubjectPercent", "you declared 21 %"},
		{"35 % subject to VAT", func(in *ApplicationInput) { in.VatSubjectPercent = 35 }, "vatSubjectPercent", "at most 20 %"},
		{"share above 100 %", func(in *ApplicationInput) { in.VatSubjectPercent = 101 }, "vatSubjectPercent", "between 0 and 100"},
		{"negative share", func(in *ApplicationInput) { in.VatSubjectPercent = -1 }, "vatSubjectPercent", "between 0 and 100"},
		{"no name", func(in *ApplicationInput) { in.OrganisationName = "  " }, "organisationName", "required"},
		{"no legal form", func(in *ApplicationInput) { in.LegalForm = "" }, "legalForm", "required"},
		{"no street", func(in *ApplicationInput) { in.Street = "" }, "street", "required"},
		{"no city", func(in *ApplicationInput) { in.City = "" }, "city", "required"},
		{"name too long", func(in *ApplicationInput) { in.OrganisationName = strings.Repeat("a", 201) }, "organisationName", "at most 200"},
		{"no representative", func(in *ApplicationInput) { in.RepresentativeName = "" }, "representativeName", "required"},
		{"no function", func(in *ApplicationInput) { in.RepresentativeFunction = "" }, "representativeFunction", "required"},
		{"no signer", func(in *ApplicationInput) { in.SignerName = "" }, "signerName", "required"},
		{"no email", func(in *ApplicationInput) { in.ContactEmail = "" }, "contactEmail", "required"},
		{"bad email", func(in *ApplicationInput) { in.ContactEmail = "Claire <claire@x.example>" }, "contactEmail", "not an email"},
		{"bad postal code", func(in *ApplicationInput) { in.PostalCode = "6900" }, "postalCode", "5 digits"},
		{"neither SIREN nor RNA", func(in *ApplicationInput) { in.Siren, in.Rna = nil, nil }, "siren", "RNA"},
		{"SIREN check digit", func(in *ApplicationInput) { s := "732829321"; in.Siren = &s }, "siren", "check digit"},
		{"bad RNA", func(in *ApplicationInput) { r := "691234567"; in.Siren, in.Rna = nil, &r }, "rna", "W followed by 9 digits"},
		{"founder requested", func(in *ApplicationInput) { in.RequestedCategory = "FOUNDER" }, "requestedCategory", "ACTIVE or a USER"},
		{"no category", func(in *ApplicationInput) { in.RequestedCategory = "" }, "requestedCategory", "ACTIVE or a USER"},
		{"dated next week", func(in *ApplicationInput) { in.AppliedOn = f.day(2026, 3, 9) }, "appliedOn", "future"},
		{"signed tomorrow", func(in *ApplicationInput) { in.SignedAt = f.clock.Add(24 * time.Hour) }, "signedAt", "future"},
		{"not signed", func(in *ApplicationInput) { in.SignedAt = time.Time{} }, "signedAt", "required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := f.input(3)
			tc.change(&in)
			_, err := f.svc.Applications.Submit(context.Background(), in, "198.51.100.3")
			f.wantCode(t, err, communs.EINVALID)
			e := err.(*communs.Error)
			if e.Field != tc.field || !strings.Contains(e.Message, tc.says) {
				t.Errorf("field %q, message %q; want field %q saying %q", e.Field, e.Message, tc.field, tc.says)
			}
		})
	}
	// Nothing refused was stored, and refusals spend no allowance.
	if n := f.count(t, f.client.MembershipApplication.Query()); n != 0 {
		t.Errorf("%d applications stored", n)
	}
	if n := f.count(t, f.client.Notification.Query()); n != 0 {
		t.Errorf("%d notifications queued", n)
	}
	for range 5 {
		if _, err := f.svc.Applications.Submit(context.Background(), f.input(3), "198.51.100.3"); err != nil {
			t.Fatal(err)
		}
	}
	// At the limit, exactly 20 % is eligible.
	in := f.input(4)
	in.VatSubjectPercent = 20
	if _, err := f.svc.Applications.Submit(context.Background(), in, "198.51.100.4"); err != nil {
		t.Fatal(err)
	}
}

func TestApplicationTransitions(t *testing.T) {
	t.Parallel()
	f := newLifecycle(t)
	submitted := f.submitted(t, 10)
	approved := f.underReview(t, 11)
	approved, err := f.svc.Applications.Approve(f.staff, approved.ID, approved.Version, nil)
	if err != nil {
		t.Fatal(err)
	}
	rejected := f.underReview(t, 12)
	rejected, err = f.svc.Applications.Reject(f.staff, rejected.ID, rejected.Version, "  Votre organisme relève du secteur marchand.  ")
	if err != nil {
		t.Fatal(err)
	}
	if rejected.Status != membershipapplication.StatusREJECTED || rejected.Version != 3 ||
		rejected.RejectionReason == nil || *rejected.RejectionReason != "Votre organisme relève du secteur marchand." ||
		rejected.ReviewedAt == nil {
		t.Fatalf("rejected %+v", rejected)
	}
	sent := f.notifications(t, notification.KindAPPLICATION_REJECTED)
	if len(sent) != 1 || sent[0].Recipient != rejected.ContactEmail || !strings.Contains(sent[0].Body, "secteur marchand") {
		t.Fatalf("rejection notification %+v", sent)
	}
	underReview := f.underReview(t, 13)

	startReview := func(ctx context.Context, a *ent.MembershipApplication) error {
		_, err := f.svc.Applications.StartReview(ctx, a.ID, a.Version)
		return err
	}
	approve := func(ctx context.Context, a *ent.MembershipApplication) error {
		_, err := f.svc.Applications.Approve(ctx, a.ID, a.Version, nil)
		return err
	}
	reject := func(reason string) func(context.Context, *ent.MembershipApplication) error {
		return func(ctx context.Context, a *ent.MembershipApplication) error {
			_, err := f.svc.Applications.Reject(ctx, a.ID, a.Version, reason)
			return err
		}
	}
	for _, tc := range []struct {
		name string
		app  *ent.MembershipApplication
		do   func(context.Context, *ent.MembershipApplication) error
		code string
		says string
	}{
		{"approve a submitted application", submitted, approve, communs.ECONFLICT, "start its review"},
		{"reject a submitted application", submitted, reject("non"), communs.ECONFLICT, "start its review"},
		{"review twice", underReview, startReview, communs.ECONFLICT, "UNDER_REVIEW already"},
		{"review an approved application", approved, startReview, communs.ECONFLICT, "is APPROVED; it can no longer be put under review"},
		{"approve twice", approved, approve, communs.ECONFLICT, "is APPROVED; it can no longer be approved"},
		{"reject an approved application", approved, reject("non"), communs.ECONFLICT, "is APPROVED; it can no longer be rejected"},
		{"approve a rejected application", rejected, approve, communs.ECONFLICT, "is REJECTED; it can no longer be approved"},
		{"reject without a reason", underReview, reject(" "), communs.EINVALID, "required"},
		{"an unknown application", &ent.MembershipApplication{ID: pulid.New("APP"), Version: 1}, startReview, communs.ENOTFOUND, "no membership application"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do(f.staff, tc.app)
			f.wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("message %q, want it to say %q", err, tc.says)
			}
		})
	}
	// Only the one approval made a member, and the refused steps changed
	// no version.
	if n := f.count(t, f.client.Member.Query()); n != 1 {
		t.Errorf("%d members", n)
	}
	for _, a := range []*ent.MembershipApplication{submitted, underReview, approved, rejected} {
		now, err := f.client.MembershipApplication.Get(f.system, a.ID)
		if err != nil || now.Version != a.Version || now.Status != a.Status {
			t.Errorf("%s moved to %s v%d (%v)", a.OrganisationName, now.Status, now.Version, err)
		}
	}

	// A member's people cannot instruct applications: not even one they see.
	m := approved.QueryMember().OnlyX(f.staff)
	memberAdmin := viewer.NewContext(context.Background(), &viewer.Viewer{AccountID: pulid.New("ACC"),
		Email: "admin@tilleuls.example", Roles: []viewer.Role{{Name: "member_admin", MemberID: m.ID}}})
	f.wantCode(t, startReview(memberAdmin, submitted), communs.ENOTFOUND)
	if err := startReview(context.Background(), submitted); !errors.Is(err, privacy.Deny) {
		t.Errorf("an anonymous review: %v, want row isolation's denial", err)
	}
}

func TestApplicationStaleVersion(t *testing.T) {
	t.Parallel()
	f := newLifecycle(t)
	read := f.submitted(t, 20) // version 1, as one reviewer read it
	if _, err := f.svc.Applications.StartReview(f.admin, read.ID, 1); err != nil {
		t.Fatal(err)
	}
	// The other reviewer acts on what they read: version 1, not 2.
	_, err := f.svc.Applications.Approve(f.staff, read.ID, 1, nil)
	f.wantCode(t, err, communs.ECONFLICT)
	if !strings.Contains(err.Error(), "changed since you read it (version 1): reload it") {
		t.Errorf("message %q", err)
	}
	_, err = f.svc.Applications.Reject(f.staff, read.ID, 3, "trop tard")
	f.wantCode(t, err, communs.ECONFLICT)
	if n := f.count(t, f.client.Member.Query()); n != 0 {
		t.Errorf("%d members", n)
	}
	if _, err := f.svc.Applications.Approve(f.staff, read.ID, 2, nil); err != nil {
		t.Fatalf("approving the version read: %v", err)
	}
}

func TestApplicationConcurrentApproval(t *testing.T) {
	t.Parallel()
	f := newLifecycle(t)
	const rounds = 3
	for round := range rounds {
		app := f.underReview(t, 30+round)
		start := make(chan struct{})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, ctx := range []context.Context{f.staff, f.admin} {
			wg.Go(func() {
				<-start
				_, errs[i] = f.svc.Applications.Approve(ctx, app.ID, app.Version, nil)
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case communs.ErrorCode(err) != communs.ECONFLICT:
				t.Fatalf("round %d: the loser got %v, want CONFLICT", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d approvals succeeded (%v), want exactly one", round, won, errs)
		}
		after, err := f.client.MembershipApplication.Get(f.system, app.ID)
		if err != nil || after.Version != 3 || after.Status != membershipapplication.StatusAPPROVED {
			t.Fatalf("round %d: application %+v, %v", round, after, err)
		}
	}
	// One member, one invitation and one decision per application.
	for name, q := range map[string]interface {
		Count(context.Context) (int, error)
	}{
		"members":               f.client.Member.Query(),
		"category changes":      f.client.MemberCategoryChange.Query(),
		"invitations":           f.client.Invitation.Query(),
		"approval notification": f.client.Notification.Query().Where(notification.KindEQ(notification.KindAPPLICATION_APPROVED)),
	} {
		if n := f.count(t, q); n != rounds {
			t.Errorf("%d %s, want %d", n, name, rounds)
		}
	}
}

func TestApplicationRateLimit(t *testing.T) {
	t.Parallel()
	f := newLifecycle(t)
	submit := func(addr string) error {
		_, err := f.svc.Applications.Submit(context.Background(), f.input(40), addr)
		return err
	}
	for i := range 5 {
		if err := submit("203.0.113.9"); err != nil {
			t.Fatalf("application %d: %v", i+1, err)
		}
	}
	f.wantCode(t, submit("203.0.113.9"), communs.ERATELIMITED)
	if err := submit("203.0.113.10"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	f.clock = f.clock.Add(time.Hour)
	if err := submit("203.0.113.9"); err != nil {
		t.Fatalf("an hour later: %v", err)
	}
	f.wantCode(t, submit("203.0.113.9"), communs.ERATELIMITED)

	// IPv6 addresses count by /64 network.
	for i := range 5 {
		if err := submit(fmt.Sprintf("2001:db8:1:2::%x", i+1)); err != nil {
			t.Fatalf("IPv6 application %d: %v", i+1, err)
		}
	}
	f.wantCode(t, submit("2001:db8:1:2:ffff::1"), communs.ERATELIMITED)
	if err := submit("2001:db8:1:3::1"); err != nil {
		t.Fatalf("another /64: %v", err)
	}
	if n := f.count(t, f.client.MembershipApplication.Query()); n != 13 {
		t.Errorf("%d applications stored, want 13", n)
	}
}

func TestApplicationOfAnExistingMember(t *testing.T) {
	t.Parallel()
	f := newLifecycle(t)
	first := f.underReview(t, 50)
	if _, err := f.svc.Applications.Approve(f.staff, first.ID, first.Version, nil); err != nil {
		t.Fatal(err)
	}
	// The same organisation applies again: the application is received,
	// but approving it would make a second member with one SIREN.
	again := f.underReview(t, 50)
	_, err := f.svc.Applications.Approve(f.staff, again.ID, again.Version, nil)
	f.wantCode(t, err, communs.ECONFLICT)
	if !strings.Contains(err.Error(), "exists already") {
		t.Errorf("message %q", err)
	}
	if n := f.count(t, f.client.Member.Query()); n != 1 {
		t.Errorf("%d members", n)
	}
	if n := f.count(t, f.client.Invitation.Query()); n != 1 {
		t.Errorf("%d invitations", n)
	}
	// Nothing of the failed approval remains: the application can still be
	// rejected at the version it had.
	if _, err := f.svc.Applications.Reject(f.staff, again.ID, again.Version, "Votre organisation est déjà membre."); err != nil {
		t.Fatal(err)
	}
}
