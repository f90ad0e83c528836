// Package cpom is the CPOM module: a member's multi-annual objectives and
// means contracts (Contrat Pluriannuel d'Objectifs et de Moyens) with its
// funding authority — objectives, action sheets, indicators with yearly
// targets and values, milestones, the yearly management dialogue, the
// to-do of what is late or off target, and the yearly review as
// printable HTML.
//
// Only the member's people read a contract; the groupement's accounts
// only under a CPOM support access the member's administrator granted
// (modules/support). The row rules are in ent/schema/cpom_contract.go; this
// service is the only writer and checks that the writer is the member's
// staff or administrator.
package cpom

import (
	"context"
	"slices"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/schema/pulid"
	"communs/ent/supportaccess"
	"communs/internal/calendar"
	"communs/internal/viewer"
	"communs/modules/support"
)

// ActivityMeasure tells a measure (MINUTES, HOURS, ACTIVITIES, PERSONS) of
// the activities of a SERAFIN-PH service code a member delivered in a
// year. The user-record module provides it when it is on
// (cmd/communs/modules.go wires it); without it, indicators keep their
// recorded values.
type ActivityMeasure func(ctx context.Context, client *ent.Client, member pulid.ID, serviceCode, measure string, year int) (float64, error)

// Service keeps the members' CPOM.
type Service struct {
	client   *ent.Client
	activity ActivityMeasure
	now      func() time.Time
}

// New returns the service over client; activity, when not nil, feeds the
// indicators that have a source.
func New(client *ent.Client, activity ActivityMeasure) *Service {
	return &Service{client: client, activity: activity, now: time.Now}
}

// today is the day in Paris: deadlines are calendar days there.
func (s *Service) today() time.Time { return calendar.DayInParis(s.now()) }

// asPlatform is ctx acting as the platform, once the service has checked
// the viewer's rights: the audit trail still names the viewer.
func asPlatform(ctx context.Context) context.Context { return viewer.SystemContext(ctx) }

// writer refuses a viewer who is neither the platform nor a staff member
// or administrator of member.
func writer(ctx context.Context, member pulid.ID) (*viewer.Viewer, error) {
	v := viewer.FromContext(ctx)
	switch {
	case v == nil:
		return nil, communs.Errorf(communs.EUNAUTHENTICATED, "log in first")
	case v.System || slices.Contains(v.Writer().MemberIDs(), member):
		return v, nil
	}
	return nil, communs.Errorf(communs.EFORBIDDEN, "only the member's staff and administrators write its CPOM")
}

// notFound turns ent's not-found error into NOT_FOUND naming what.
func notFound(err error, what string, id pulid.ID) error {
	if ent.IsNotFound(err) {
		return communs.Errorf(communs.ENOTFOUND, "no %s %s", what, id)
	}
	return err
}

// dayOr is the calendar day of on, or today when on is nil.
func (s *Service) dayOr(on *time.Time) time.Time {
	if on == nil {
		return s.today()
	}
	return calendar.Day(*on)
}

// recorder is the e-mail address of the viewer of ctx, kept on the
// records it writes.
func recorder(ctx context.Context) string {
	if v := viewer.FromContext(ctx); v != nil {
		return v.Email
	}
	return ""
}

// GrantSupport lets one of the groupement's accounts read the member's
// CPOM for some hours (a week at most): the member's administrators
// decide, and say why (modules/support).
func (s *Service) GrantSupport(ctx context.Context, in support.Request) (*ent.SupportAccess, error) {
	return support.Grant(ctx, s.client, s.now(), supportaccess.ScopeCPOM, in)
}

// RevokeSupport ends a support access now.
func (s *Service) RevokeSupport(ctx context.Context, id pulid.ID) (*ent.SupportAccess, error) {
	return support.Revoke(ctx, s.client, s.now(), id)
}
