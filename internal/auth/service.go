// Package auth authenticates people: accounts with argon2id passwords,
// opaque session tokens, invitations, role assignments, and the HTTP
// middleware that puts the viewer of each request in its context.
package auth

import (
	"context"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/account"
	"communs/ent/schema/pulid"
	"communs/ent/session"
	"communs/internal/ratelimit"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// Service authenticates accounts and manages sessions, invitations and roles.
type Service struct {
	client        *ent.Client
	now           func() time.Time
	sessionTTL    time.Duration
	invitationTTL time.Duration
	// Failed logins, per account and client address, per account from
	// every address, and per client address; failed password changes,
	// per account.
	byAccountAddress, byAccount, byAddress *ratelimit.Keyed
	passwordChecks                         *ratelimit.Keyed
	dummyHash                              string
	// sessions caches authenticated viewers (CacheSessions); nil: none.
	sessions *sessionCache
}

// New returns the service over client.
func New(client *ent.Client) *Service {
	dummy, err := HashPassword("a password nobody has, to spend the same time")
	if err != nil {
		panic(err)
	}
	return &Service{
		client:        client,
		now:           time.Now,
		sessionTTL:    12 * time.Hour,
		invitationTTL: 7 * 24 * time.Hour,
		// 5 failures per account from one address, then one more every
		// minute: someone failing on purpose locks out only their own
		// address, never the owner's. Across every address, 100 per
		// account, then one every 30 seconds: a password guessed from many
		// addresses meets a ceiling that grows slowly, and that one
		// address alone (one a minute) never exhausts. 20 failures per
		// client address, then one every 6 seconds. A current password
		// given wrong to changePassword: 5 per account, then one a minute.
		byAccountAddress: ratelimit.New(time.Minute, 5),
		byAccount:        ratelimit.New(30*time.Second, 100),
		byAddress:        ratelimit.New(6*time.Second, 20),
		passwordChecks:   ratelimit.New(time.Minute, 5),
		dummyHash:        dummy,
	}
}

// Session is an opened session: its token, shown once, and its account
// with the account's roles loaded.
type Session struct {
	Token     string
	ExpiresAt time.Time
	Account   *ent.Account
}

// db is the client of the request's transaction, or the service's own.
func (s *Service) db(ctx context.Context) *ent.Client { return txn.Client(ctx, s.client) }

var errBadCredentials = communs.Errorf(communs.EUNAUTHENTICATED, "email or password is incorrect")

// Login checks an email and password and opens a session. A wrong email and
// a wrong password get the same answer after the same work.
func (s *Service) Login(ctx context.Context, email, password, clientAddr string) (*Session, error) {
	ctx = viewer.SystemContext(ctx)
	now := s.now()
	email = normalizeEmail(email)
	// A try is taken before the password is checked, and given back when
	// it is right: only failures count.
	refund, ok := s.takeLoginTry(email, clientAddr, now)
	if !ok {
		return nil, communs.Errorf(communs.ERATELIMITED, "too many failed logins: wait a minute and try again")
	}
	acc, err := s.db(ctx).Account.Query().Where(account.Email(email)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	hash := s.dummyHash
	if acc != nil && acc.PasswordHash != "" {
		hash = acc.PasswordHash
	}
	right, err := verifyPassword(hash, password)
	if err != nil {
		return nil, err
	}
	if !right || acc == nil || acc.Status != account.StatusACTIVE {
		return nil, errBadCredentials
	}
	refund()
	return s.openSession(ctx, acc.ID, clientAddr)
}

// takeLoginTry takes a login try of the account email from clientAddr, to
// be given back if the login succeeds.
func (s *Service) takeLoginTry(email, clientAddr string, now time.Time) (giveBack func(), ok bool) {
	address := ratelimit.AddressKey(clientAddr)
	return ratelimit.TakeAll(now,
		ratelimit.Try{Limit: s.byAccountAddress, Key: email + " " + address},
		ratelimit.Try{Limit: s.byAccount, Key: email},
		ratelimit.Try{Limit: s.byAddress, Key: address})
}

// PlatformSession opens a session of the account email for a tool of the
// platform (communs bench), without its password; it refuses anyone but
// the platform itself.
func (s *Service) PlatformSession(ctx context.Context, email string) (*Session, error) {
	if v := viewer.FromContext(ctx); v == nil || !v.System {
		return nil, communs.Errorf(communs.EFORBIDDEN, "reserved to the platform")
	}
	acc, err := s.db(ctx).Account.Query().Where(account.Email(normalizeEmail(email))).Only(ctx)
	if err != nil {
		return nil, err
	}
	return s.openSession(ctx, acc.ID, "platform")
}

// openSession stores a new session of the account and returns it.
func (s *Service) openSession(ctx context.Context, accountID pulid.ID, clientAddr string) (*Session, error) {
	token, hash := newToken()
	expiresAt := s.now().Add(s.sessionTTL).UTC()
	err := s.db(ctx).Session.Create().
		SetTokenHash(hash).SetAccountID(accountID).SetExpiresAt(expiresAt).SetClientAddress(clientAddr).
		Exec(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.db(ctx).Account.UpdateOneID(accountID).SetLastLoginAt(s.now().UTC()).Exec(ctx); err != nil {
		return nil, err
	}
	// The roles are loaded now, under the name the API asks them by, while
	// acting as the system: the request that logs in is anonymous and
	// could not read them.
	acc, err := s.db(ctx).Account.Query().Where(account.ID(accountID)).
		WithNamedRoleAssignments("roleAssignments", func(q *ent.RoleAssignmentQuery) { q.WithMember() }).
		Only(ctx)
	return &Session{Token: token, ExpiresAt: expiresAt, Account: acc}, err
}

// Logout revokes the session the request was made with.
func (s *Service) Logout(ctx context.Context) error {
	token := infoFrom(ctx).token
	if token == "" {
		return communs.Errorf(communs.EUNAUTHENTICATED, "no session to end")
	}
	_, err := s.db(ctx).Session.Update().
		Where(session.TokenHash(hashToken(token)), session.RevokedAtIsNil()).
		SetRevokedAt(s.now().UTC()).
		Save(viewer.SystemContext(ctx))
	return err
}

var errBadSession = communs.Errorf(communs.EUNAUTHENTICATED, "the session token is invalid, expired or revoked: log in again")

func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
