package membership

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/member"
	"communs/ent/membercategorychange"
	"communs/ent/schema/pulid"
	"communs/ent/subscription"
	"communs/internal/calendar"
	"communs/internal/requestid"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// Members run a member's life in the groupement: its category, its
// suspension, its leaving, and its onboarding checklist.
type Members struct{ *workflow }

// ChangeCategory moves a member to another category from effectiveOn, and
// keeps the change in the member's category history. Only the
// groupement's administrators name a founder or change a founder's
// category; a member that left keeps the category it had.
func (s *Members) ChangeCategory(ctx context.Context, memberID pulid.ID, to member.Category, effectiveOn time.Time, reason string) (*ent.Member, error) {
	if member.CategoryValidator(to) != nil {
		return nil, communs.InvalidField("category", "a category is FOUNDER, ACTIVE or USER, not %q", to)
	}
	if effectiveOn.IsZero() {
		return nil, communs.InvalidField("effectiveOn", "required: the day the new category takes effect")
	}
	effectiveOn = calendar.Day(effectiveOn)
	reason, err := checkReason(reason, "the decision behind the change")
	if err != nil {
		return nil, err
	}
	var m *ent.Member
	err = s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		current, err := s.memberToChange(ctx, tx, memberID)
		if err != nil {
			return err
		}
		if to == member.CategoryFOUNDER || current.Category == member.CategoryFOUNDER {
			if err := mayNameFounders(viewer.FromContext(ctx)); err != nil {
				return err
			}
		}
		switch {
		case current.Status == member.StatusLEFT:
			return communs.Errorf(communs.ECONFLICT, "the member left on %s; its category can no longer change", dateText(current.LeftOn))
		case current.Category == to:
			return communs.Errorf(communs.ECONFLICT, "the member is %s already", to)
		case effectiveOn.Before(calendar.Day(current.JoinedOn)):
			return communs.InvalidField("effectiveOn", "the change cannot take effect (%s) before the member joined (%s)",
				effectiveOn.Format(time.DateOnly), calendar.Day(current.JoinedOn).Format(time.DateOnly))
		case effectiveOn.After(s.today()):
			return communs.InvalidField("effectiveOn", "record a change on or after the day it takes effect (%s)",
				effectiveOn.Format(time.DateOnly))
		}
		last, err := tx.MemberCategoryChange.Query().
			Where(membercategorychange.MemberID(memberID)).
			Order(ent.Desc(membercategorychange.FieldEffectiveOn)).
			First(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return err
		}
		if last != nil && effectiveOn.Before(calendar.Day(last.EffectiveOn)) {
			return communs.InvalidField("effectiveOn", "the member's category last changed on %s: a later change cannot take effect before it",
				calendar.Day(last.EffectiveOn).Format(time.DateOnly))
		}
		// Conditional on the category read: a concurrent change makes this
		// one fail instead of writing a history that does not follow.
		n, err := tx.Member.Update().
			Where(member.ID(memberID), member.CategoryEQ(current.Category), member.StatusNEQ(member.StatusLEFT)).
			SetCategory(to).
			Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errMemberChanged
		}
		from := current.Category
		err = tx.MemberCategoryChange.Create().
			SetMemberID(memberID).SetFromCategory(membercategorychange.FromCategory(from)).
			SetToCategory(membercategorychange.ToCategory(to)).
			SetEffectiveOn(effectiveOn).SetReason(reason).
			Exec(ctx)
		if err != nil {
			return err
		}
		m, err = tx.Member.Get(ctx, memberID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, m), nil
}

// mayNameFounders refuses anyone but the groupement's administrators (and
// the platform itself): founders are named by the statutes.
func mayNameFounders(v *viewer.Viewer) error {
	switch {
	case v == nil:
		return communs.Errorf(communs.EUNAUTHENTICATED, "log in first")
	case v.System, v.HasRole("gsm_admin"):
		return nil
	}
	return communs.Errorf(communs.EFORBIDDEN, "only the groupement's administrators name a founder member or change a founder's category")
}

// Suspend suspends an active member. The reason is kept in the audit
// trail, beside the change of status.
func (s *Members) Suspend(ctx context.Context, memberID pulid.ID, reason string) (*ent.Member, error) {
	reason, err := checkReason(reason, "why the member is suspended")
	if err != nil {
		return nil, err
	}
	return s.moveMember(ctx, memberID, member.StatusACTIVE, member.StatusSUSPENDED, "suspended",
		func(ctx context.Context, tx *ent.Client, _ *ent.Member) error {
			return recordMemberEvent(ctx, tx, memberID, "suspend", map[string]any{"status": member.StatusSUSPENDED, "reason": reason})
		})
}

// Reinstate lifts a member's suspension.
func (s *Members) Reinstate(ctx context.Context, memberID pulid.ID) (*ent.Member, error) {
	return s.moveMember(ctx, memberID, member.StatusSUSPENDED, member.StatusACTIVE, "reinstated", nil)
}

// moveMember changes the status of a member from from to to, conditionally
// on the status read, then runs also in the same transaction.
func (s *Members) moveMember(ctx context.Context, memberID pulid.ID, from, to member.Status, verb string,
	also func(context.Context, *ent.Client, *ent.Member) error) (*ent.Member, error) {
	var m *ent.Member
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		current, err := s.memberToChange(ctx, tx, memberID)
		if err != nil {
			return err
		}
		if current.Status != from {
			return communs.Errorf(communs.ECONFLICT, "the member is %s; it cannot be %s (only a member with status %s can)", current.Status, verb, from)
		}
		n, err := tx.Member.Update().
			Where(member.ID(memberID), member.StatusEQ(from)).
			SetStatus(to).
			Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errMemberChanged
		}
		if also != nil {
			if err := also(ctx, tx, current); err != nil {
				return err
			}
		}
		m, err = tx.Member.Get(ctx, memberID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, m), nil
}

// RecordLeaving records that a member left on leftOn: its status becomes
// LEFT, and each of its requested or active subscriptions ends on leftOn
// (or on its own start date when it was to start later, or on its own
// planned end when that came first). Nothing is deleted: the member's history,
// charges and declarations stay.
func (s *Members) RecordLeaving(ctx context.Context, memberID pulid.ID, leftOn time.Time) (*ent.Member, error) {
	if leftOn.IsZero() {
		return nil, communs.InvalidField("leftOn", "required: the day the member left")
	}
	leftOn = calendar.Day(leftOn)
	if leftOn.After(s.today()) {
		return nil, communs.InvalidField("leftOn", "record the leaving on or after the day it takes effect (%s)", leftOn.Format(time.DateOnly))
	}
	var m *ent.Member
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		current, err := s.memberToChange(ctx, tx, memberID)
		if err != nil {
			return err
		}
		if current.Status == member.StatusLEFT {
			return communs.Errorf(communs.ECONFLICT, "the member left already, on %s", dateText(current.LeftOn))
		}
		if joined := calendar.Day(current.JoinedOn); leftOn.Before(joined) {
			return communs.InvalidField("leftOn", "the member cannot leave (%s) before it joined (%s)",
				leftOn.Format(time.DateOnly), joined.Format(time.DateOnly))
		}
		n, err := tx.Member.Update().
			Where(member.ID(memberID), member.StatusIn(member.StatusACTIVE, member.StatusSUSPENDED)).
			SetStatus(member.StatusLEFT).SetLeftOn(leftOn).
			Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errMemberChanged
		}
		subs, err := tx.Subscription.Query().
			Where(subscription.MemberID(memberID),
				subscription.StatusIn(subscription.StatusREQUESTED, subscription.StatusACTIVE)).
			All(ctx)
		if err != nil {
			return err
		}
		for _, sub := range subs {
			ended, err := tx.Subscription.UpdateOneID(sub.ID).
				SetStatus(subscription.StatusENDED).SetEndsOn(subscriptionEnd(sub, leftOn)).
				Save(ctx)
			if err != nil {
				return err
			}
			if err := s.hooks.SubscriptionChanged(ctx, tx, ended); err != nil {
				return err
			}
		}
		if m, err = tx.Member.Get(ctx, memberID); err != nil {
			return err
		}
		return s.hooks.MemberLeft(ctx, tx, m)
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, m), nil
}

// subscriptionEnd is the end of sub when its member leaves on leftOn: an
// earlier planned end stands; a subscription that was to start after
// leftOn ends the day it was to start (one never started, the day it was
// requested), as an end never comes before a start.
func subscriptionEnd(sub *ent.Subscription, leftOn time.Time) time.Time {
	end := leftOn
	if sub.EndsOn != nil && sub.EndsOn.Before(end) {
		end = calendar.Day(*sub.EndsOn)
	}
	start := sub.RequestedOn
	if sub.StartsOn != nil {
		start = *sub.StartsOn
	}
	if start = calendar.Day(start); start.After(end) {
		end = start
	}
	return end
}

var errMemberChanged = communs.Errorf(communs.ECONFLICT, "the member changed meanwhile: reload it and try again")

// memberToChange reads the member id as the viewer sees it.
func (s *Members) memberToChange(ctx context.Context, tx *ent.Client, id pulid.ID) (*ent.Member, error) {
	m, err := tx.Member.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, communs.Errorf(communs.ENOTFOUND, "no member %s", id)
	}
	return m, err
}

// checkReason trims a required reason; what says what it should tell.
func checkReason(reason, what string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch n := len([]rune(reason)); {
	case n == 0:
		return "", communs.InvalidField("reason", "required: %s", what)
	case n > maxReasonLength:
		return "", communs.InvalidField("reason", "at most %d characters", maxReasonLength)
	}
	return reason, nil
}

// recordMemberEvent adds to the audit trail what the automatic record of
// a change cannot know, such as the reason of a decision.
func recordMemberEvent(ctx context.Context, tx *ent.Client, memberID pulid.ID, action string, summary map[string]any) error {
	text, err := json.Marshal(summary)
	if err != nil {
		return err
	}
	var actor *pulid.ID
	label := "anonymous"
	if v := viewer.FromContext(ctx); v != nil {
		label = v.Email
		if v.AccountID != "" {
			id := v.AccountID
			actor = &id
		}
	}
	return tx.AuditEvent.Create().
		SetNillableActorID(actor).SetActorLabel(label).
		SetMemberID(memberID).
		SetAction(action).SetEntityType("Member").SetEntityID(string(memberID)).
		SetSummary(string(text)).SetRequestID(requestid.From(ctx)).
		Exec(ctx)
}

func dateText(t *time.Time) string {
	if t == nil {
		return "an unknown date"
	}
	return t.UTC().Format(time.DateOnly)
}
