package auth

import (
	"context"
	"slices"
	"sync"
	"time"

	"entgo.io/ent/dialect/sql"

	"communs/ent"
	"communs/ent/account"
	"communs/ent/member"
	"communs/ent/roleassignment"
	"communs/ent/schema/pulid"
	"communs/ent/session"
	"communs/internal/viewer"
)

// Authenticate returns the viewer whose session token this is, with the
// roles it holds now: a role revoked a second ago no longer counts. It
// reads the session, its account and its roles in one statement, or takes
// them from the cache (CacheSessions), which every change to them empties.
func (s *Service) Authenticate(ctx context.Context, token string) (*viewer.Viewer, error) {
	hash := hashToken(token)
	if v, ok := s.sessions.get(string(hash), s.now()); ok {
		return v, nil
	}
	v, expiresAt, err := s.loadViewer(viewer.SystemContext(ctx), hash)
	if err != nil {
		return nil, err
	}
	s.sessions.put(string(hash), v, expiresAt, s.now())
	return v, nil
}

// sessionRow is a session joined to its account and to one of the
// account's roles with its member (none for an account without roles).
type sessionRow struct {
	ExpiresAt      time.Time  `json:"expires_at"`
	RevokedAt      *time.Time `json:"revoked_at"`
	AccountID      pulid.ID   `json:"account_id"`
	Email          string     `json:"email"`
	AccountStatus  string     `json:"account_status"`
	Role           *string    `json:"role"`
	MemberID       *pulid.ID  `json:"member_id"`
	MemberStatus   *string    `json:"member_status"`
	MemberCategory *string    `json:"member_category"`
}

// loadViewer reads the session of hash and returns its viewer and expiry.
func (s *Service) loadViewer(ctx context.Context, hash []byte) (*viewer.Viewer, time.Time, error) {
	var rows []sessionRow
	err := s.db(ctx).Session.Query().Where(session.TokenHash(hash)).Modify(func(sel *sql.Selector) {
		b := sql.Dialect(sel.Dialect())
		a, ra, m := b.Table(account.Table), b.Table(roleassignment.Table), b.Table(member.Table)
		sel.Join(a).On(sel.C(session.FieldAccountID), a.C(account.FieldID)).
			LeftJoin(ra).On(a.C(account.FieldID), ra.C(roleassignment.FieldAccountID)).
			LeftJoin(m).On(ra.C(roleassignment.FieldMemberID), m.C(member.FieldID))
		sel.Select(
			sql.As(sel.C(session.FieldExpiresAt), "expires_at"), sql.As(sel.C(session.FieldRevokedAt), "revoked_at"),
			sql.As(a.C(account.FieldID), "account_id"), sql.As(a.C(account.FieldEmail), "email"),
			sql.As(a.C(account.FieldStatus), "account_status"), sql.As(ra.C(roleassignment.FieldRole), "role"),
			sql.As(m.C(member.FieldID), "member_id"), sql.As(m.C(member.FieldStatus), "member_status"),
			sql.As(m.C(member.FieldCategory), "member_category"))
	}).Scan(ctx, &rows)
	if err != nil {
		return nil, time.Time{}, err
	}
	if len(rows) == 0 {
		return nil, time.Time{}, errBadSession
	}
	first := rows[0]
	if first.RevokedAt != nil || !s.now().Before(first.ExpiresAt) || first.AccountStatus != string(account.StatusACTIVE) {
		return nil, time.Time{}, errBadSession
	}
	v := &viewer.Viewer{AccountID: first.AccountID, Email: first.Email}
	for _, row := range rows {
		if row.Role == nil {
			continue // an account without roles
		}
		r := viewer.Role{Name: *row.Role}
		if row.MemberID != nil {
			if *row.MemberStatus == string(member.StatusLEFT) {
				continue // a member that left keeps its history, its people lose their access
			}
			r.MemberID = *row.MemberID
			if *row.MemberStatus == string(member.StatusACTIVE) {
				r.MemberCategory = *row.MemberCategory // a suspended member has no say in the groupement
			}
		}
		v.Roles = append(v.Roles, r)
	}
	return v, first.ExpiresAt, nil
}

// CacheSessions keeps each authenticated viewer for up to ttl, so that a
// request runs no statement to authenticate. Any change of a role, an
// account's status or password, a member's status or category, or a
// session (logout) empties the cache, once its transaction commits: on
// this instance, a revoked role stops at once. Other instances of the API
// see it within ttl.
func (s *Service) CacheSessions(ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	s.sessions = &sessionCache{ttl: ttl, entries: map[string]cachedViewer{}}
	s.client.Use(func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			value, err := next.Mutate(ctx, m)
			if err == nil && changesViewers(m) {
				s.sessions.clearOnCommit(ctx)
			}
			return value, err
		})
	})
}

// changesViewers tells whether m changes what Authenticate reads.
func changesViewers(m ent.Mutation) bool {
	changed := func(fields ...string) bool {
		return m.Op().Is(ent.OpDelete|ent.OpDeleteOne) || slices.ContainsFunc(m.Fields(), func(f string) bool { return slices.Contains(fields, f) })
	}
	switch m.Type() {
	case ent.TypeRoleAssignment:
		return true
	case ent.TypeAccount:
		return changed(account.FieldStatus, account.FieldPasswordHash, account.FieldEmail)
	case ent.TypeMember:
		return changed(member.FieldStatus, member.FieldCategory)
	case ent.TypeSession:
		return !m.Op().Is(ent.OpCreate)
	}
	return false
}

// sessionCache holds viewers by token hash until their time is up.
type sessionCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[string]cachedViewer
}

type cachedViewer struct {
	viewer viewer.Viewer
	until  time.Time
}

// maxCachedSessions bounds the cache; past it, it starts afresh.
const maxCachedSessions = 10_000

// get returns a copy of the viewer of hash, if cached and not stale. A nil
// cache holds nothing.
func (c *sessionCache) get(hash string, now time.Time) (*viewer.Viewer, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || !now.Before(e.until) {
		return nil, false
	}
	v := e.viewer // the request sets its own Reason
	return &v, true
}

func (c *sessionCache) put(hash string, v *viewer.Viewer, expiresAt, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCachedSessions {
		clear(c.entries)
	}
	until := now.Add(c.ttl)
	if expiresAt.Before(until) {
		until = expiresAt
	}
	c.entries[hash] = cachedViewer{viewer: *v, until: until}
}

// clearOnCommit empties the cache now and, in a transaction, again once it
// commits, so that no request caches what the transaction replaces.
func (c *sessionCache) clearOnCommit(ctx context.Context) {
	c.clear()
	if tx := ent.TxFromContext(ctx); tx != nil {
		tx.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				err := next.Commit(ctx, tx)
				c.clear()
				return err
			})
		})
	}
}

func (c *sessionCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}
