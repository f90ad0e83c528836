package membership

import (
	"context"
	"fmt"
	"time"

	"communs/ent"
	"communs/ent/charge"
	"communs/ent/member"
	"communs/ent/membershipapplication"
	"communs/ent/schema/pulid"
	"communs/ent/subscription"
	"communs/ent/usagedeclaration"
	"communs/internal/calendar"
)

// OnboardingStep is one step of a member's path into the groupement.
// DoneOn is the calendar day it was done, when known.
type OnboardingStep struct {
	Key, Label string
	Done       bool
	DoneOn     *time.Time
}

// ResourceOnboarding is the path of one open subscription, from the
// request to the resource's activation.
type ResourceOnboarding struct {
	Subscription *ent.Subscription
	Steps        []OnboardingStep
}

// Onboarding is a member's checklist: the steps of its membership, then
// those of each open (REQUESTED or ACTIVE) subscription, in the order the
// groupement publishes them.
type Onboarding struct {
	Member    *ent.Member
	Steps     []OnboardingStep
	Resources []ResourceOnboarding
}

// Onboarding returns the checklist of a member, read under the caller's
// viewer: a member's people see their own member's only. The yearly steps
// (cotisation, declaration, contribution) are those of the current year.
//
// A member created without an application (a founder, or a member from
// before the platform) has its application step done without a date, and
// its approval dated the day it joined. The cotisation step is listed for
// FOUNDER and ACTIVE members only: USER members owe none.
func (s *Members) Onboarding(ctx context.Context, memberID pulid.ID) (*Onboarding, error) {
	db := s.db(ctx)
	m, err := db.Member.Query().Where(member.ID(memberID)).WithApplication().Only(ctx)
	if err != nil {
		return nil, notFoundAs(err, "member %s not found", memberID)
	}
	year := s.today().Year()
	out := &Onboarding{Member: m}

	app := m.Edges.Application
	switch {
	case app == nil:
		out.Steps = append(out.Steps,
			onboardingStep("application", "Bulletin d'intention d'adhésion déposé", true, nil),
			onboardingStep("approval", "Adhésion approuvée", true, asDay(&m.JoinedOn)))
	default:
		approvedOn := parisDay(app.ReviewedAt)
		if approvedOn == nil {
			approvedOn = asDay(&m.JoinedOn)
		}
		approved := app.Status == membershipapplication.StatusAPPROVED
		if !approved {
			approvedOn = nil
		}
		out.Steps = append(out.Steps,
			onboardingStep("application", "Bulletin d'intention d'adhésion déposé", true, asDay(&app.AppliedOn)),
			onboardingStep("approval", "Adhésion approuvée", approved, approvedOn))
	}

	if m.Category == member.CategoryFOUNDER || m.Category == member.CategoryACTIVE {
		fee, err := firstCharge(ctx, db, memberID, year, charge.KindMEMBERSHIP_FEE)
		if err != nil {
			return nil, err
		}
		out.Steps = append(out.Steps, chargeStep("cotisation", fmt.Sprintf("Cotisation %d appelée", year), fee))
	}

	d, err := db.UsageDeclaration.Query().
		Where(usagedeclaration.MemberID(memberID), usagedeclaration.Year(year),
			usagedeclaration.StatusIn(usagedeclaration.StatusSUBMITTED, usagedeclaration.StatusVALIDATED,
				usagedeclaration.StatusLOCKED)).
		Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	declared := onboardingStep("declaration", fmt.Sprintf("Fiche déclarative %d transmise", year), false, nil)
	if d != nil {
		declared = onboardingStep(declared.Key, declared.Label, true, parisDay(d.SubmittedAt))
	}
	out.Steps = append(out.Steps, declared)

	contribution, err := firstCharge(ctx, db, memberID, year, charge.KindPROVISION, charge.KindREGULARIZATION)
	if err != nil {
		return nil, err
	}
	out.Steps = append(out.Steps,
		chargeStep("contribution", fmt.Sprintf("Participation aux coûts communs %d appelée", year), contribution))

	subs, err := db.Subscription.Query().
		Where(subscription.MemberID(memberID),
			subscription.StatusIn(subscription.StatusREQUESTED, subscription.StatusACTIVE)).
		WithResource().
		Order(ent.Asc(subscription.FieldRequestedOn), ent.Asc(subscription.FieldID)).
		All(ctx)
	if err != nil {
		return nil, err
	}
	for _, sub := range subs {
		active := sub.Status == subscription.StatusACTIVE
		out.Resources = append(out.Resources, ResourceOnboarding{
			Subscription: sub,
			Steps: []OnboardingStep{
				onboardingStep("request", "Demande de souscription", true, asDay(&sub.RequestedOn)),
				onboardingStep("convention", "Convention de mise en œuvre signée", sub.ConventionSignedOn != nil, asDay(sub.ConventionSignedOn)),
				onboardingStep("projectLead", "Chef de projet interne désigné", sub.ProjectLeadName != "", nil),
				onboardingStep("activation", "Ressource mise en service", active, asDay(sub.StartsOn)),
			},
		})
	}
	return out, nil
}

// firstCharge returns the member's first charge of year of one of kinds,
// or nil.
func firstCharge(ctx context.Context, db *ent.Client, memberID pulid.ID, year int, kinds ...charge.Kind) (*ent.Charge, error) {
	c, err := db.Charge.Query().
		Where(charge.MemberID(memberID), charge.FiscalYear(year), charge.KindIn(kinds...)).
		Order(ent.Asc(charge.FieldCreatedAt), ent.Asc(charge.FieldID)).
		First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return c, err
}

func chargeStep(key, label string, c *ent.Charge) OnboardingStep {
	if c == nil {
		return onboardingStep(key, label, false, nil)
	}
	return onboardingStep(key, label, true, parisDay(&c.CreatedAt))
}

// onboardingStep returns a step, with its day when it is done and the day is known.
func onboardingStep(key, label string, done bool, on *time.Time) OnboardingStep {
	st := OnboardingStep{Key: key, Label: label, Done: done}
	if done {
		st.DoneOn = on
	}
	return st
}

// asDay returns the date field t (a calendar day stored at midnight UTC).
func asDay(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	day := calendar.Day(t.UTC())
	return &day
}

// parisDay returns the calendar day, in Europe/Paris, of the timestamp t, in
// the form of a date field.
func parisDay(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	day := calendar.Day(t.In(calendar.Paris))
	return &day
}
