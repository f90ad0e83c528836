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
	"communs/internal/ratelimit"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// Services are the membership workflows over one database. They are
// built together so that they share the clock and the enabled modules'
// hooks. Who may call which operation is decided before
// (policies/policy.csv); which rows a viewer may touch, by row isolation;
// the rules of each workflow, here.
type Services struct {
	Applications    *Applications    // the membership application and its instruction
	Members         *Members         // a member's life: category, suspension, leaving, onboarding
	Catalogue       *Catalogue       // the resource catalogue and the subscriptions to it
	Declarations    *Declarations    // the yearly usage declaration
	ServiceRequests *ServiceRequests // startup and supplementary services and their time
}

// New returns the membership workflows over client; auth issues the
// invitation of an approved member's first administrator; hooks are the
// enabled modules' reactions to the membership events.
func New(client *ent.Client, auth *auth.Service, hooks extension.Set) *Services {
	w := &workflow{client: client, hooks: hooks, now: time.Now}
	return &Services{
		Applications:    &Applications{workflow: w, auth: auth, guard: ratelimit.New(time.Hour, 5)},
		Members:         &Members{workflow: w},
		Catalogue:       &Catalogue{workflow: w},
		Declarations:    &Declarations{workflow: w},
		ServiceRequests: &ServiceRequests{workflow: w},
	}
}

// workflow is what the membership services share: the database, the
// modules' hooks and the clock.
type workflow struct {
	client *ent.Client
	hooks  extension.Set
	now    func() time.Time
}

// db is the client of the request's transaction, or the service's own.
func (w *workflow) db(ctx context.Context) *ent.Client { return txn.Client(ctx, w.client) }

// withTx runs fn in the request's transaction, or in a new one, with the
// transaction's client in ctx so that every service called inside uses it.
func (w *workflow) withTx(ctx context.Context, fn func(ctx context.Context, tx *ent.Client) error) error {
	return txn.Run(ctx, w.client, fn)
}

// today is the calendar day of now in Europe/Paris, as a date at midnight
// UTC (the form of every date field).
func (w *workflow) today() time.Time { return calendar.DayInParis(w.now()) }

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
