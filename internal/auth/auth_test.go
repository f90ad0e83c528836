package auth

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/member"
	"communs/ent/notification"
	"communs/ent/roleassignment"
	"communs/ent/schema/pulid"
	"communs/internal/store/storetest"
	"communs/internal/txn"
	"communs/internal/viewer"
)

const goodPassword = "correct horse battery"

// fixture is a service over a fresh database, with a clock the test moves.
type fixture struct {
	svc    *Service
	client *ent.Client
	clock  time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := storetest.Open(t)
	f := &fixture{client: db.Client, clock: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	f.svc = New(db.Client)
	f.svc.now = func() time.Time { return f.clock }
	return f
}

func (f *fixture) member(t *testing.T, name string, category member.Category) pulid.ID {
	t.Helper()
	m, err := f.client.Member.Create().SetName(name).SetCategory(category).
		SetJoinedOn(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).
		Save(viewer.SystemContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func (f *fixture) account(t *testing.T, email, role string, memberID *pulid.ID) *ent.Account {
	t.Helper()
	acc, err := f.svc.CreateAccount(context.Background(), email, goodPassword, email, role, memberID)
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

func (f *fixture) login(t *testing.T, email string) *Session {
	t.Helper()
	s, err := f.svc.Login(context.Background(), email, goodPassword, "192.0.2.1")
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return s
}

// forEachCache runs test without the session cache, then with it: every
// change must count at once either way.
func forEachCache(t *testing.T, test func(*testing.T, *fixture)) {
	for _, ttl := range []time.Duration{0, time.Hour} {
		t.Run(fmt.Sprintf("session cache %s", ttl), func(t *testing.T) {
			f := newFixture(t)
			f.svc.CacheSessions(ttl)
			test(t, f)
		})
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := communs.ErrorCode(err); err == nil || got != code {
		t.Fatalf("error %v (code %s), want code %s", err, got, code)
	}
}

func TestPasswordHashing(t *testing.T) {
	t.Parallel()
	hash, err := HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(hash, goodPassword) {
		t.Fatalf("unexpected hash %q", hash)
	}
	if ok, err := verifyPassword(hash, goodPassword); !ok || err != nil {
		t.Errorf("the right password is refused: %v", err)
	}
	if ok, _ := verifyPassword(hash, goodPassword+"!"); ok {
		t.Error("a wrong password is accepted")
	}
	if other, _ := HashPassword(goodPassword); other == hash {
		t.Error("two hashes of one password are equal: no salt")
	}
	if _, err := verifyPassword("$argon2id$garbage", goodPassword); err == nil {
		t.Error("a malformed hash is accepted")
	}
	wantCode(t, checkPassword("password", "short"), communs.EINVALID)
}

func TestLoginAndSessions(t *testing.T) { forEachCache(t, testLoginAndSessions) }

func testLoginAndSessions(t *testing.T, f *fixture) {
	ctx := context.Background()
	acc := f.account(t, "Admin@Communs.example", "gsm_admin", nil)

	s := f.login(t, "admin@communs.example") // emails are case-insensitive
	if s.Account.ID != acc.ID || len(must(s.Account.NamedRoleAssignments("roleAssignments"))) != 1 {
		t.Fatalf("session account %+v", s.Account)
	}
	v, err := f.svc.Authenticate(ctx, s.Token)
	if err != nil || v.AccountID != acc.ID || !v.HasRole("gsm_admin") {
		t.Fatalf("Authenticate = %+v, %v", v, err)
	}

	// Forged, expired and revoked tokens are refused alike.
	_, err = f.svc.Authenticate(ctx, "forged-token")
	wantCode(t, err, communs.EUNAUTHENTICATED)
	f.clock = f.clock.Add(13 * time.Hour)
	_, err = f.svc.Authenticate(ctx, s.Token)
	wantCode(t, err, communs.EUNAUTHENTICATED)
	s = f.login(t, "admin@communs.example")
	if err := f.svc.Logout(withToken(ctx, s.Token)); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Authenticate(ctx, s.Token)
	wantCode(t, err, communs.EUNAUTHENTICATED)
}

func withToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, requestInfo{token: token})
}

func TestWrongEmailAndWrongPasswordLookAlike(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.account(t, "staff@communs.example", "gsm_staff", nil)
	_, errEmail := f.svc.Login(context.Background(), "nobody@communs.example", goodPassword, "192.0.2.1")
	_, errPassword := f.svc.Login(context.Background(), "staff@communs.example", "wrong password!", "192.0.2.2")
	if errEmail == nil || errPassword == nil || errEmail.Error() != errPassword.Error() {
		t.Fatalf("answers differ: %v / %v", errEmail, errPassword)
	}
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.account(t, "staff@communs.example", "gsm_staff", nil)
	for i := 0; i < 5; i++ {
		_, err := f.svc.Login(ctx, "staff@communs.example", "wrong password!", "192.0.2.1")
		wantCode(t, err, communs.EUNAUTHENTICATED)
	}
	// The burst is spent at that address: even the right password waits.
	_, err := f.svc.Login(ctx, "staff@communs.example", goodPassword, "192.0.2.1")
	wantCode(t, err, communs.ERATELIMITED)
	// A minute later one more try is allowed, and the right one gets in.
	f.clock = f.clock.Add(time.Minute)
	f.login(t, "staff@communs.example")

	// Per address: guessing many accounts from one address stops too.
	for i := 0; i < 20; i++ {
		_, _ = f.svc.Login(ctx, "guess"+string(rune('a'+i))+"@x.example", "wrong password!", "198.51.100.7")
	}
	_, err = f.svc.Login(ctx, "staff@communs.example", goodPassword, "198.51.100.7")
	wantCode(t, err, communs.ERATELIMITED)
}

// Someone failing a login on purpose, a minute apart, does not keep the
// owner out: the owner gets in from another address. Guessing from many
// addresses meets the account's ceiling, which grows slowly.
func TestLoginRateLimitDoesNotLockTheOwnerOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.account(t, "staff@communs.example", "gsm_staff", nil)
	for range 5 {
		_, err := f.svc.Login(ctx, "staff@communs.example", "wrong password!", "203.0.113.66")
		wantCode(t, err, communs.EUNAUTHENTICATED)
	}
	_, err := f.svc.Login(ctx, "staff@communs.example", goodPassword, "203.0.113.66")
	wantCode(t, err, communs.ERATELIMITED)
	f.login(t, "staff@communs.example") // from 192.0.2.1

	// The limits alone (a login's password check costs 20 ms): a day of
	// one failure a minute from one address, the owner trying from another.
	s, now := New(f.client), f.clock
	for minute := range 24 * 60 {
		at := now.Add(time.Duration(minute) * time.Minute)
		s.takeLoginTry("staff@communs.example", "203.0.113.66", at)
		giveBack, ok := s.takeLoginTry("staff@communs.example", "192.0.2.1", at)
		if !ok {
			t.Fatalf("minute %d: the owner is kept out", minute)
		}
		giveBack() // the owner's login succeeds
	}
	// Many addresses guessing at once: past 100 failures, one every 30 s.
	let := 0
	for a := range 100 {
		for range 5 {
			if _, ok := s.takeLoginTry("staff@communs.example", fmt.Sprintf("198.51.100.%d", a), now.Add(48*time.Hour)); ok {
				let++
			}
		}
	}
	if let != 100 {
		t.Errorf("%d guesses let through at once from 100 addresses, want 100", let)
	}
	if _, ok := s.takeLoginTry("staff@communs.example", "192.0.2.1", now.Add(48*time.Hour+30*time.Second)); !ok {
		t.Error("30 seconds later, no try is left")
	}
}

// changePassword counts wrong current passwords as login does.
func TestChangePasswordRateLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.account(t, "staff@communs.example", "gsm_staff", nil)
	s := f.login(t, "staff@communs.example")
	v, err := f.svc.Authenticate(context.Background(), s.Token)
	if err != nil {
		t.Fatal(err)
	}
	ctx := viewer.NewContext(withToken(context.Background(), s.Token), v)
	for range 5 {
		wantCode(t, f.svc.ChangePassword(ctx, "wrong password!", "a new password, long enough"), communs.EINVALID)
	}
	wantCode(t, f.svc.ChangePassword(ctx, goodPassword, "a new password, long enough"), communs.ERATELIMITED)
	f.clock = f.clock.Add(time.Minute)
	if err := f.svc.ChangePassword(ctx, goodPassword, "a new password, long enough"); err != nil {
		t.Fatalf("a minute later, the right password: %v", err)
	}
}

func TestInvitations(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	mbrA := f.member(t, "Association A", member.CategoryACTIVE)
	mbrB := f.member(t, "Association B", member.CategoryUSER)
	f.account(t, "admin@communs.example", "gsm_admin", nil)
	gsmAdmin, _ := f.svc.Authenticate(ctx, f.login(t, "admin@communs.example").Token)

	// The groupement invites A's first administrator.
	token, err := f.svc.Invite(viewer.NewContext(ctx, gsmAdmin), "Dir@A.example", "member_admin", &mbrA)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.svc.AcceptInvitation(ctx, token, goodPassword, "Directrice A", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	adminA, _ := f.svc.Authenticate(ctx, s.Token)
	if ids := adminA.MemberIDs("member_admin"); len(ids) != 1 || ids[0] != mbrA {
		t.Fatalf("invited admin roles: %+v", adminA.Roles)
	}
	// Single use.
	_, err = f.svc.AcceptInvitation(ctx, token, goodPassword, "Intrus", "192.0.2.1")
	wantCode(t, err, communs.EUNAUTHENTICATED)

	// A's admin invites staff into A, but not into B, and gives no platform role.
	asA := viewer.NewContext(ctx, adminA)
	staffToken, err := f.svc.Invite(asA, "staff@a.example", "member_staff", &mbrA)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Invite(asA, "spy@a.example", "member_staff", &mbrB)
	wantCode(t, err, communs.EFORBIDDEN)
	_, err = f.svc.Invite(asA, "boss@a.example", "gsm_admin", nil)
	wantCode(t, err, communs.EFORBIDDEN)
	_, err = f.svc.Invite(asA, "x@a.example", "member_staff", nil)
	wantCode(t, err, communs.EINVALID)

	// An invitation never takes over an existing account: inviting its
	// email answers as any invitation (whether an email has an account is
	// not told) but issues none, and sends the holder a notice; accepting
	// an invitation issued before the account was made is refused.
	invitations := func() int {
		n, err := f.client.Invitation.Query().Count(viewer.SystemContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := invitations()
	noticed, err := f.svc.Invite(asA, "admin@communs.example", "member_viewer", &mbrA)
	if err != nil || noticed != "" || invitations() != before {
		t.Fatalf("inviting an existing account: token %q, %v, %d invitations (was %d)", noticed, err, invitations(), before)
	}
	notice, err := f.client.Notification.Query().Where(notification.Recipient("admin@communs.example")).Only(viewer.SystemContext(ctx))
	if err != nil || !strings.Contains(notice.Body, "déjà un compte") {
		t.Fatalf("the holder's notice: %+v, %v", notice, err)
	}
	early, err := f.svc.Invite(asA, "late@a.example", "member_viewer", &mbrA)
	if err != nil {
		t.Fatal(err)
	}
	f.account(t, "late@a.example", "member_viewer", &mbrA)
	_, err = f.svc.AcceptInvitation(ctx, early, "an attacker's password", "x", "192.0.2.1")
	wantCode(t, err, communs.ECONFLICT)
	f.login(t, "late@a.example") // the holder's password still works

	// Invitations expire after 7 days.
	f.clock = f.clock.Add(8 * 24 * time.Hour)
	_, err = f.svc.AcceptInvitation(ctx, staffToken, goodPassword, "Trop tard", "192.0.2.1")
	wantCode(t, err, communs.EUNAUTHENTICATED)
}

func TestRolesAndPasswordChange(t *testing.T) { forEachCache(t, testRolesAndPasswordChange) }

func testRolesAndPasswordChange(t *testing.T, f *fixture) {
	ctx := context.Background()
	mbrA := f.member(t, "Association A", member.CategoryFOUNDER)
	adminA := f.account(t, "admin@a.example", "member_admin", &mbrA)
	staff := f.account(t, "staff@a.example", "member_viewer", &mbrA)
	v, _ := f.svc.Authenticate(ctx, f.login(t, "admin@a.example").Token)
	asA := viewer.NewContext(ctx, v)

	a, err := f.svc.AssignRole(asA, staff.ID, "member_staff", &mbrA)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.AssignRole(asA, staff.ID, "member_staff", &mbrA)
	if err != nil || again.ID != a.ID {
		t.Fatalf("assigning a held role twice: %v, %v", again, err)
	}
	if err := f.svc.RevokeRole(asA, a.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.AssignRole(asA, staff.ID, "gsm_staff", nil)
	wantCode(t, err, communs.EFORBIDDEN)
	// An account of another member and an id of no account get the same
	// answer: whether an account exists is not told.
	mbrB := f.member(t, "Association B", member.CategoryUSER)
	elsewhere := f.account(t, "staff@b.example", "member_staff", &mbrB)
	_, errElsewhere := f.svc.AssignRole(asA, elsewhere.ID, "member_viewer", &mbrA)
	_, errNowhere := f.svc.AssignRole(asA, pulid.ID("ACC01NOSUCHACCOUNT0000000000"), "member_viewer", &mbrA)
	wantCode(t, errElsewhere, communs.ENOTFOUND)
	wantCode(t, errNowhere, communs.ENOTFOUND)
	if strings.Replace(errElsewhere.Error(), string(elsewhere.ID), "", 1) != strings.Replace(errNowhere.Error(), "ACC01NOSUCHACCOUNT0000000000", "", 1) {
		t.Errorf("the answers differ: %v / %v", errElsewhere, errNowhere)
	}

	// Changing a password needs the current one, and ends the other sessions.
	other := f.login(t, "admin@a.example")
	asA = withToken(asA, f.login(t, "admin@a.example").Token)
	err = f.svc.ChangePassword(asA, "not the password", "a brand new password")
	wantCode(t, err, communs.EINVALID)
	if err := f.svc.ChangePassword(asA, goodPassword, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Login(ctx, adminA.Email, "a brand new password", "192.0.2.1"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	_, err = f.svc.Authenticate(ctx, other.Token)
	wantCode(t, err, communs.EUNAUTHENTICATED)
	if _, err := f.svc.Authenticate(ctx, infoFrom(asA).token); err != nil {
		t.Errorf("the session that changed the password was ended: %v", err)
	}
	wantCode(t, f.svc.ChangePassword(ctx, goodPassword, "whatever whatever"), communs.EUNAUTHENTICATED)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestRolesInMembersThatLeftOrAreSuspended(t *testing.T) {
	forEachCache(t, testRolesInMembersThatLeftOrAreSuspended)
}

func testRolesInMembersThatLeftOrAreSuspended(t *testing.T, f *fixture) {
	ctx := context.Background()
	sys := viewer.SystemContext(ctx)
	m := f.member(t, "Association Partie", member.CategoryFOUNDER)
	f.account(t, "admin@partie.example", "member_admin", &m)
	token := f.login(t, "admin@partie.example").Token

	f.client.Member.UpdateOneID(m).SetStatus(member.StatusSUSPENDED).ExecX(sys)
	v, err := f.svc.Authenticate(ctx, token)
	if err != nil || len(v.Roles) != 1 || v.Roles[0].MemberCategory != "" {
		t.Fatalf("suspended member: %+v, %v; want the role without the category's rights", v, err)
	}
	f.client.Member.UpdateOneID(m).SetStatus(member.StatusLEFT).
		SetLeftOn(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)).ExecX(sys)
	if v, err = f.svc.Authenticate(ctx, token); err != nil || len(v.Roles) != 0 {
		t.Fatalf("member that left: %+v, %v; want no role", v, err)
	}
}

// The cache serves a session without reading it again until its time is
// up, and a change committed in a transaction counts once it commits, even
// if a request cached the old roles meanwhile.
func TestSessionCache(t *testing.T) {
	f := newFixture(t)
	f.svc.CacheSessions(10 * time.Second)
	ctx := context.Background()
	m := f.member(t, "Association Cache", member.CategoryACTIVE)
	acc := f.account(t, "viewer@cache.example", "member_viewer", &m)
	token := f.login(t, "viewer@cache.example").Token
	if _, err := f.svc.Authenticate(ctx, token); err != nil {
		t.Fatal(err)
	}
	// Revoked behind the service's back (no ent hook runs): the cache
	// still answers, until its 10 seconds are over.
	if _, err := f.client.ExecContext(ctx, "UPDATE sessions SET revoked_at = expires_at"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, token); err != nil {
		t.Fatalf("within the cache's time: %v", err)
	}
	f.clock = f.clock.Add(11 * time.Second)
	_, err := f.svc.Authenticate(ctx, token)
	wantCode(t, err, communs.EUNAUTHENTICATED)

	token = f.login(t, "viewer@cache.example").Token
	err = txn.Run(viewer.SystemContext(ctx), f.client, func(ctx context.Context, tx *ent.Client) error {
		if _, err := tx.RoleAssignment.Delete().Where(roleassignment.AccountID(acc.ID)).Exec(ctx); err != nil {
			return err
		}
		// Another request, outside the transaction, caches the roles it
		// still sees.
		v, err := f.svc.Authenticate(context.Background(), token)
		if err != nil || len(v.Roles) != 1 {
			t.Errorf("before the commit: %+v, %v", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := f.svc.Authenticate(ctx, token); err != nil || len(v.Roles) != 0 {
		t.Errorf("after the commit: %+v, %v; want no role", v, err)
	}
}

// A database that fails during a login is an internal error (logged by
// the API with the request id), never "wrong credentials".
func TestLoginWhenTheDatabaseFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.account(t, "staff@communs.example", "gsm_staff", nil)
	if err := f.client.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Login(context.Background(), "staff@communs.example", goodPassword, "192.0.2.1")
	if err == nil || communs.ErrorCode(err) != communs.EINTERNAL {
		t.Errorf("login on a closed database: %v (code %s), want an internal error", err, communs.ErrorCode(err))
	}
}
