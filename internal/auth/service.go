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
	byAccount     *ratelimit.Keyed // failed logins per account
	byAddress     *ratelimit.Keyed // failed logins per client address
	dummyHash     string
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
		// 5 failures per account, then one more every minute; 20 per
		// client address, then one every 6 seconds.
		byAccount: ratelimit.New(time.Minute, 5),
		byAddress: ratelimit.New(6*time.Second, 20),
		dummyHash: dummy,
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
	refundAccount, okAccount := s.byAccount.Take(email, now)
	refundAddress, okAddress := s.byAddress.Take(ratelimit.AddressKey(clientAddr), now)
	if !okAccount || !okAddress {
		for _, refund := range []func(){refundAccount, refundAddress} {
			if refund != nil {
				refund()
			}
		}
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
	ok, err := verifyPassword(hash, password)
	if err != nil {
		return nil, err
	}
	if !ok || acc == nil || acc.Status != account.StatusACTIVE {
		return nil, errBadCredentials
	}
	refundAccount()
	refundAddress()
	return s.openSession(ctx, acc.ID, clientAddr)
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
