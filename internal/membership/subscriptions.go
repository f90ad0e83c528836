package membership

import (
	"context"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/member"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/subscription"
	"communs/internal/calendar"
	"communs/internal/txn"
)

// Subscriptions: a member asks to use a resource (REQUESTED), the
// groupement puts it in service once the convention is signed (ACTIVE),
// and either side ends it (ENDED). Every step runs under the caller's
// viewer: a member's people see and touch their own member's subscriptions
// only.

// RequestSubscription records that a member asks to use a resource. The
// member must be ACTIVE, the resource in the catalogue (not RETIRED), and
// the member must not already have an open (REQUESTED or ACTIVE)
// subscription to it.
func (s *Catalogue) RequestSubscription(ctx context.Context, memberID, resourceID pulid.ID) (*ent.Subscription, error) {
	if err := requireMemberRole(ctx, memberID, "member_admin"); err != nil {
		return nil, err
	}
	var created *ent.Subscription
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		// Locking the member's row serialises the requests of one member,
		// so that two concurrent requests cannot both pass the duplicate
		// check; the shared lock on the resource holds off its retirement.
		m, err := tx.Member.Query().Where(member.ID(memberID), txn.LockedForUpdate).Only(ctx)
		if err != nil {
			return notFoundAs(err, "member %s not found", memberID)
		}
		if m.Status != member.StatusACTIVE {
			return communs.Errorf(communs.ECONFLICT, "%s is %s: it cannot subscribe to resources", m.Name, m.Status)
		}
		res, err := tx.Resource.Query().Where(resource.ID(resourceID), lockedForShare).Only(ctx)
		if err != nil {
			return invalidReference(err, "resourceId", "no resource %s in the catalogue", resourceID)
		}
		if res.Status == resource.StatusRETIRED {
			return communs.Errorf(communs.ECONFLICT, "%s is retired from the catalogue: it takes no new subscription", res.Name)
		}
		open, err := tx.Subscription.Query().
			Where(subscription.MemberID(memberID), subscription.ResourceID(resourceID),
				subscription.StatusIn(subscription.StatusREQUESTED, subscription.StatusACTIVE)).
			Exist(ctx)
		if err != nil {
			return err
		}
		if open {
			return communs.Errorf(communs.ECONFLICT, "%s already has an open subscription to %s", m.Name, res.Name)
		}
		created, err = tx.Subscription.Create().
			SetMemberID(memberID).SetResourceID(resourceID).
			SetRequestedOn(s.today()).
			Save(ctx)
		if err != nil {
			return err
		}
		return s.hooks.SubscriptionChanged(ctx, tx, created)
	})
	return created, err
}

// ActivateSubscription puts a requested subscription in service from
// startsOn: the groupement's act, once the convention is signed (its date
// is required, on or before today: no member is charged for a resource
// without the agreement it signed) and the member has named its internal
// project lead (which may still be done later). The member must be ACTIVE
// and the resource still in the catalogue.
func (s *Catalogue) ActivateSubscription(ctx context.Context, id pulid.ID, startsOn time.Time, conventionSignedOn *time.Time, projectLeadName string, projectLeadEmail *string) (*ent.Subscription, error) {
	if startsOn.IsZero() {
		return nil, communs.InvalidField("startsOn", "give the date the subscription starts")
	}
	startsOn = calendar.Day(startsOn)
	if conventionSignedOn == nil || conventionSignedOn.IsZero() {
		return nil, communs.InvalidField("conventionSignedOn",
			"a subscription is activated once its convention is signed: give the date it was signed")
	}
	signedOn := calendar.Day(*conventionSignedOn)
	if signedOn.After(s.today()) {
		return nil, communs.InvalidField("conventionSignedOn", "%s is in the future: activate the subscription once the convention is signed",
			signedOn.Format(time.DateOnly))
	}
	projectLeadName = strings.TrimSpace(projectLeadName)
	var leadEmail *string
	if projectLeadEmail != nil {
		if e := strings.TrimSpace(*projectLeadEmail); e != "" {
			leadEmail = &e
		}
	}
	var activated *ent.Subscription
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		sub, err := tx.Subscription.Query().Where(subscription.ID(id)).
			WithMember().WithResource().Only(ctx)
		if err != nil {
			return notFoundAs(err, "subscription %s not found", id)
		}
		if sub.Status != subscription.StatusREQUESTED {
			return communs.Errorf(communs.ECONFLICT, "the subscription is %s: only a REQUESTED subscription can be activated", sub.Status)
		}
		if m := sub.Edges.Member; m != nil && m.Status != member.StatusACTIVE {
			return communs.Errorf(communs.ECONFLICT, "%s is %s: its subscriptions cannot be activated", m.Name, m.Status)
		}
		if m := sub.Edges.Member; m != nil && startsOn.Before(m.JoinedOn) {
			return communs.InvalidField("startsOn", "%s joined the groupement on %s: a subscription cannot start before",
				m.Name, m.JoinedOn.Format(time.DateOnly))
		}
		if r := sub.Edges.Resource; r != nil && r.Status == resource.StatusRETIRED {
			return communs.Errorf(communs.ECONFLICT, "%s is retired from the catalogue: end this request instead", r.Name)
		}
		n, err := tx.Subscription.Update().
			Where(subscription.ID(id), subscription.StatusEQ(subscription.StatusREQUESTED)).
			SetStatus(subscription.StatusACTIVE).
			SetStartsOn(startsOn).
			SetConventionSignedOn(signedOn).
			SetProjectLeadName(projectLeadName).
			SetNillableProjectLeadEmail(leadEmail).
			Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return communs.Errorf(communs.ECONFLICT, "the subscription changed meanwhile: reload it and try again")
		}
		if activated, err = tx.Subscription.Get(ctx, id); err != nil {
			return err
		}
		return s.hooks.SubscriptionChanged(ctx, tx, activated)
	})
	return activated, err
}

// EndSubscription ends an ACTIVE subscription, or withdraws a REQUESTED
// one, on endsOn, which may not come before the day it started (or, never
// started, was requested).
func (s *Catalogue) EndSubscription(ctx context.Context, id pulid.ID, endsOn time.Time) (*ent.Subscription, error) {
	if endsOn.IsZero() {
		return nil, communs.InvalidField("endsOn", "give the date the subscription ends")
	}
	endsOn = calendar.Day(endsOn)
	var ended *ent.Subscription
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		sub, err := tx.Subscription.Get(ctx, id)
		if err != nil {
			return notFoundAs(err, "subscription %s not found", id)
		}
		if sub.Status == subscription.StatusENDED {
			return communs.Errorf(communs.ECONFLICT, "the subscription has already ended")
		}
		start, what := sub.RequestedOn, "was requested"
		if sub.StartsOn != nil {
			start, what = *sub.StartsOn, "started"
		}
		if endsOn.Before(calendar.Day(start)) {
			return communs.InvalidField("endsOn", "the subscription cannot end before it %s (%s)", what, start.Format(time.DateOnly))
		}
		// Conditional on the status read: an activation in between (which
		// sets the start date) makes this one fail rather than be skipped.
		n, err := tx.Subscription.Update().
			Where(subscription.ID(id), subscription.StatusEQ(sub.Status)).
			SetStatus(subscription.StatusENDED).
			SetEndsOn(endsOn).
			Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return communs.Errorf(communs.ECONFLICT, "the subscription changed meanwhile: reload it and try again")
		}
		if ended, err = tx.Subscription.Get(ctx, id); err != nil {
			return err
		}
		return s.hooks.SubscriptionChanged(ctx, tx, ended)
	})
	return ended, err
}
