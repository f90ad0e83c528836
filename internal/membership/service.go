// Package membership is the path a member organisation walks: the
// membership application and its instruction, the member's life
// (category, suspension, leaving), the resource catalogue, subscriptions,
// the usage declaration (fiche déclarative) and the onboarding checklist.
package membership

import (
	"context"
	"slices"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/schema/pulid"
	"communs/internal/auth"
	"communs/internal/calendar"
	"communs/internal/extension"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// Service runs the membership workflows. Who may call which operation is
// decided before (policies/policy.csv); which rows a viewer may touch, by
// row isolation; the rules of each workflow, here.
type Service struct {
	client       *ent.Client
	auth         *auth.Service
	applications *ApplicationGuard // membership applications per client address
	// Hooks are the enabled modules' reactions to the membership events.
	Hooks extension.Set
	now   func() time.Time
}

// New returns the service over client; auth issues the invitation of an
// approved member's first administrator.
func New(client *ent.Client, auth *auth.Service) *Service {
	return &Service{client: client, auth: auth, applications: NewApplicationGuard(), now: time.Now}
}

// db is the client of the request's transaction, or the service's own.
func (s *Service) db(ctx context.Context) *ent.Client { return txn.Client(ctx, s.client) }

// withTx runs fn in the request's transaction, or in a new one, with the
// transaction's client in ctx so that every service called inside uses it.
func (s *Service) withTx(ctx context.Context, fn func(ctx context.Context, tx *ent.Client) error) error {
	return txn.Run(ctx, s.client, fn)
}

// today is the calendar day of now in Europe/Paris, as a date at midnight
// UTC (the form of every date field).
func (s *Service) today() time.Time { return calendar.DayInParis(s.now()) }

// requireMemberRole refuses a member-side viewer that does not hold role in
// memberID's domain; the groupement's roles and the system pass (Casbin
// has already checked the operation).
func requireMemberRole(ctx context.Context, memberID pulid.ID, role string) error {
	v := viewer.FromContext(ctx)
	if v != nil && (v.System || slices.ContainsFunc(v.Roles, func(r viewer.Role) bool { return r.MemberID == "" })) {
		return nil
	}
	if v != nil && slices.Contains(v.MemberIDs(role), memberID) {
		return nil
	}
	return communs.Errorf(communs.EFORBIDDEN, "only a %s of the member may do this", role)
}
