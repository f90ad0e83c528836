package membership

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/member"
	"communs/ent/membercategorychange"
	"communs/ent/membershipapplication"
	"communs/ent/notification"
	"communs/ent/schema/pulid"
	"communs/internal/auth"
	"communs/internal/calendar"
	"communs/internal/notify"
	"communs/internal/ratelimit"
	"communs/internal/txn"
	"communs/internal/validate"
	"communs/internal/viewer"
)

// Applications instruct the membership applications (the bulletin
// d'intention d'adhésion): anyone applies, the groupement reviews, approves
// (which creates the member) or rejects.
type Applications struct {
	*workflow
	auth *auth.Service
	// guard limits the applications each client address may submit: a
	// few at once, then one an hour. Applications need no account, so
	// this is what keeps a script from filling the register and from
	// mailing acknowledgements to strangers.
	guard *ratelimit.Keyed
}

// ApplicationInput is the bulletin d'intention d'adhésion.
type ApplicationInput struct {
	OrganisationName, LegalForm                              string
	Siren, Rna                                               *string
	Street, PostalCode, City                                 string
	RepresentativeName, RepresentativeFunction, ContactEmail string
	RequestedCategory                                        membershipapplication.RequestedCategory // ACTIVE or USER
	AppliedOn                                                time.Time                               // a date
	SignerName                                               string
	SignedAt                                                 time.Time
	NonProfit                                                bool
	VatSubjectPercent                                        float64
}

// maxVATSubjectPercent is the largest share of a member's activity that may
// be subject to VAT for the groupement's exemption to hold (article 261 B
// du CGI, as the tax administration reads it).
const maxVATSubjectPercent = 20

// signatureClockSkew is how far in the future a signature time may lie: the
// applicant's clock is not ours.
const signatureClockSkew = 5 * time.Minute

// Submit records a membership application and acknowledges it
// to its contact email. Anyone may apply, without an account: the
// application is written by the platform itself. An ineligible or invalid
// application is refused and nothing is stored; each client address may
// submit a few applications, then one an hour.
func (s *Applications) Submit(ctx context.Context, in ApplicationInput, clientAddr string) (*ent.MembershipApplication, error) {
	in, err := s.checkApplication(in)
	if err != nil {
		return nil, err
	}
	if s.guard == nil {
		return nil, fmt.Errorf("membership: the service has no application guard (build it with New)")
	}
	cancel, ok := s.guard.Take(ratelimit.AddressKey(clientAddr), s.now())
	if !ok {
		return nil, communs.Errorf(communs.ERATELIMITED,
			"too many membership applications were sent from your address: try again in an hour")
	}
	var app *ent.MembershipApplication
	// The platform writes the application: the applicant has no account.
	err = s.withTx(viewer.SystemContext(ctx), func(ctx context.Context, tx *ent.Client) error {
		var err error
		app, err = tx.MembershipApplication.Create().
			SetOrganisationName(in.OrganisationName).SetLegalForm(in.LegalForm).
			SetNillableSiren(in.Siren).SetNillableRna(in.Rna).
			SetStreet(in.Street).SetPostalCode(in.PostalCode).SetCity(in.City).
			SetRepresentativeName(in.RepresentativeName).SetRepresentativeFunction(in.RepresentativeFunction).
			SetContactEmail(in.ContactEmail).SetRequestedCategory(in.RequestedCategory).
			SetAppliedOn(in.AppliedOn).SetSignerName(in.SignerName).SetSignedAt(in.SignedAt).
			SetNonProfit(in.NonProfit).SetVatSubjectPercent(in.VatSubjectPercent).
			SetStatus(membershipapplication.StatusSUBMITTED).SetVersion(1).
			Save(ctx)
		if err != nil {
			return err
		}
		return notify.Enqueue(ctx, tx, notify.Message{
			Kind:      notification.KindAPPLICATION_RECEIVED,
			Recipient: app.ContactEmail,
			Subject:   fmt.Sprintf("Accusé de réception de votre demande d'adhésion (référence %s)", app.ID),
			Body:      Acknowledgement(app),
		})
	})
	if err != nil {
		cancel() // nothing was stored: the attempt does not count
		return nil, err
	}
	return txn.Detached(ctx, app), nil
}

// Acknowledgement is the accusé de réception of an application, as sent to
// its contact email and shown to the applicant.
func Acknowledgement(app *ent.MembershipApplication) string {
	return fmt.Sprintf("Bonjour %s,\n\n"+
		"Nous accusons réception du bulletin d'intention d'adhésion de %s au groupement, "+
		"signé par %s le %s, pour la catégorie de %s.\n\n"+
		"Référence de votre demande : %s\n"+
		"Rappelez-la dans vos échanges avec le groupement.\n\n"+
		"Votre demande va être instruite ; la décision vous sera adressée à cette adresse.\n\n"+
		"Le groupement — exonération de TVA, article 261 B du CGI.\n",
		app.RepresentativeName, app.OrganisationName, app.SignerName,
		app.SignedAt.In(calendar.Paris).Format("02/01/2006 à 15:04"),
		categoryLabel(member.Category(app.RequestedCategory)), app.ID)
}

// checkApplication returns in normalised (spaces trimmed, email in lower
// case, dates as calendar days), or the first reason to refuse it. The
// eligibility of the applicant comes first: an organisation that may not
// join needs no other correction.
func (s *Applications) checkApplication(in ApplicationInput) (ApplicationInput, error) {
	if !in.NonProfit {
		return in, communs.InvalidField("nonProfit",
			"a groupement's members are non-profit organisations (article 261 B du CGI): "+
				"a for-profit organisation cannot apply")
	}
	switch p := in.VatSubjectPercent; {
	case math.IsNaN(p) || p < 0 || p > 100:
		return in, communs.InvalidField("vatSubjectPercent", "a share of activity lies between 0 and 100 %%")
	case p > maxVATSubjectPercent:
		return in, communs.InvalidField("vatSubjectPercent",
			"at most %d %% of a member's activity may be subject to VAT for the groupement's exemption "+
				"(article 261 B du CGI) to hold: you declared %s %%", maxVATSubjectPercent, percentText(p))
	}

	for _, f := range []struct {
		name  string
		value *string
		max   int
	}{
		{"organisationName", &in.OrganisationName, 200},
		{"legalForm", &in.LegalForm, 100},
		{"street", &in.Street, 200},
		{"postalCode", &in.PostalCode, 10},
		{"city", &in.City, 100},
		{"representativeName", &in.RepresentativeName, 200},
		{"representativeFunction", &in.RepresentativeFunction, 200},
		{"contactEmail", &in.ContactEmail, 254},
		{"signerName", &in.SignerName, 200},
	} {
		*f.value = strings.TrimSpace(*f.value)
		switch n := len([]rune(*f.value)); {
		case n == 0:
			return in, communs.InvalidField(f.name, "required")
		case n > f.max:
			return in, communs.InvalidField(f.name, "at most %d characters", f.max)
		}
	}

	in.Siren = trimmedOrNil(in.Siren, func(s string) string {
		return strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(s)
	})
	in.Rna = trimmedOrNil(in.Rna, strings.ToUpper)
	switch {
	case in.Siren == nil && in.Rna == nil:
		return in, communs.InvalidField("siren",
			"give the organisation's SIREN number or, for an association without one, its RNA number")
	case in.Siren != nil && validate.SIREN(*in.Siren) != nil:
		return in, communs.InvalidField("siren", "%v", validate.SIREN(*in.Siren))
	case in.Rna != nil && validate.RNA(*in.Rna) != nil:
		return in, communs.InvalidField("rna", "%v", validate.RNA(*in.Rna))
	}

	if !frenchPostalCode(in.PostalCode) {
		return in, communs.InvalidField("postalCode", "a postal code has 5 digits")
	}
	in.ContactEmail = strings.ToLower(in.ContactEmail)
	if err := validate.Email(in.ContactEmail); err != nil {
		return in, communs.InvalidField("contactEmail", "%v", err)
	}
	if membershipapplication.RequestedCategoryValidator(in.RequestedCategory) != nil {
		return in, communs.InvalidField("requestedCategory",
			"apply as an ACTIVE or a USER member (founders are named by the statutes), not %q", in.RequestedCategory)
	}

	today := s.today()
	if in.AppliedOn.IsZero() {
		in.AppliedOn = today
	}
	in.AppliedOn = calendar.Day(in.AppliedOn)
	// One day of margin: overseas France is ahead of Paris.
	if in.AppliedOn.After(today.AddDate(0, 0, 1)) {
		return in, communs.InvalidField("appliedOn", "the application's date is in the future")
	}
	if in.SignedAt.IsZero() {
		return in, communs.InvalidField("signedAt", "required: when the application was signed")
	}
	if in.SignedAt.After(s.now().Add(signatureClockSkew)) {
		return in, communs.InvalidField("signedAt", "the signature's time is in the future")
	}
	in.SignedAt = in.SignedAt.UTC()
	return in, nil
}

// StartReview takes a SUBMITTED application under review (SUBMITTED →
// UNDER_REVIEW); the viewer becomes its reviewer.
func (s *Applications) StartReview(ctx context.Context, id pulid.ID, version int) (*ent.MembershipApplication, error) {
	var app *ent.MembershipApplication
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		var err error
		app, err = s.moveApplication(ctx, tx, id, version, applicationStep{
			from: membershipapplication.StatusSUBMITTED, to: membershipapplication.StatusUNDER_REVIEW,
			verb: "put under review",
			set: func(u *ent.MembershipApplicationUpdate) {
				u.SetNillableReviewerID(reviewerOf(ctx))
			},
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, app), nil
}

// Approve accepts an application under review, in one
// transaction: it creates the member (joining on joinedOn, today by
// default) with the first entry of its category history, links it to the
// application, invites the application's contact as the member's
// administrator and tells them the decision.
func (s *Applications) Approve(ctx context.Context, id pulid.ID, version int, joinedOn *time.Time) (*ent.MembershipApplication, error) {
	joined := s.today()
	if joinedOn != nil && !joinedOn.IsZero() {
		joined = calendar.Day(*joinedOn)
	}
	var app *ent.MembershipApplication
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		var err error
		// The conditional update comes first: of two reviewers approving at
		// once, the second stops here, before creating anything.
		app, err = s.moveApplication(ctx, tx, id, version, applicationStep{
			from: membershipapplication.StatusUNDER_REVIEW, to: membershipapplication.StatusAPPROVED,
			verb: "approved",
			set: func(u *ent.MembershipApplicationUpdate) {
				u.SetNillableReviewerID(reviewerOf(ctx)).SetReviewedAt(s.now().UTC())
			},
		})
		if err != nil {
			return err
		}
		if applied := calendar.Day(app.AppliedOn); joined.Before(applied) {
			return communs.InvalidField("joinedOn", "the member cannot join (%s) before applying (%s)",
				joined.Format(time.DateOnly), applied.Format(time.DateOnly))
		}
		m, err := s.createMemberFrom(ctx, tx, app, joined)
		if err != nil {
			return err
		}
		if s.auth == nil {
			return fmt.Errorf("membership: the service has no auth service to invite the member's administrator")
		}
		if _, err := s.auth.IssueInvitation(ctx, app.ContactEmail, "member_admin", &m.ID); err != nil {
			return err
		}
		if err := notify.Enqueue(ctx, tx, notify.Message{
			Kind:      notification.KindAPPLICATION_APPROVED,
			Recipient: app.ContactEmail,
			Subject:   fmt.Sprintf("Votre demande d'adhésion est acceptée (référence %s)", app.ID),
			Body: fmt.Sprintf("Bonjour %s,\n\n"+
				"Le groupement a accepté la demande d'adhésion de %s (référence %s).\n"+
				"Votre organisation en est %s à compter du %s.\n\n"+
				"Vous allez recevoir un second message : une invitation à créer votre compte "+
				"d'administrateur de l'organisation sur Communs.\n\n"+
				"Bienvenue dans le groupement.\n",
				app.RepresentativeName, app.OrganisationName, app.ID,
				categoryLabel(m.Category), joined.Format("02/01/2006")),
			MemberID: &m.ID,
		}); err != nil {
			return err
		}
		app, err = tx.MembershipApplication.Get(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, app), nil
}

// createMemberFrom creates the member an approved application describes,
// with the first entry of its category history, and links the application
// to it.
func (s *Applications) createMemberFrom(ctx context.Context, tx *ent.Client, app *ent.MembershipApplication, joined time.Time) (*ent.Member, error) {
	if app.Siren != nil {
		// The unique index would refuse it too; this says which member.
		other, err := tx.Member.Query().Where(member.Siren(*app.Siren)).Only(ctx)
		switch {
		case err == nil:
			return nil, communs.Errorf(communs.ECONFLICT,
				"a member with the SIREN number %s exists already (%s, %s): the application cannot create another",
				*app.Siren, other.Name, other.Status)
		case !ent.IsNotFound(err):
			return nil, err
		}
	}
	category := member.Category(app.RequestedCategory)
	m, err := tx.Member.Create().
		SetName(app.OrganisationName).SetLegalForm(app.LegalForm).
		SetNillableSiren(app.Siren).SetNillableRna(app.Rna).
		SetStreet(app.Street).SetPostalCode(app.PostalCode).SetCity(app.City).
		SetRepresentativeName(app.RepresentativeName).SetRepresentativeFunction(app.RepresentativeFunction).
		SetContactEmail(app.ContactEmail).SetVatSubjectPercent(app.VatSubjectPercent).
		SetCategory(category).SetStatus(member.StatusACTIVE).SetJoinedOn(joined).
		SetApplicationID(app.ID).
		Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, communs.Errorf(communs.ECONFLICT, "a member with the SIREN number of this application exists already")
	}
	if err != nil {
		return nil, err
	}
	err = tx.MemberCategoryChange.Create().
		SetMemberID(m.ID).SetToCategory(membercategorychange.ToCategory(category)).SetEffectiveOn(joined).SetReason("adhésion").
		Exec(ctx)
	if err != nil {
		return nil, err
	}
	return m, s.hooks.MemberCreated(ctx, tx, m)
}

// Reject refuses an application under review, with the reason,
// which is sent to the applicant.
func (s *Applications) Reject(ctx context.Context, id pulid.ID, version int, reason string) (*ent.MembershipApplication, error) {
	reason, err := checkReason(reason, "the applicant is told why")
	if err != nil {
		return nil, err
	}
	var app *ent.MembershipApplication
	err = s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		var err error
		app, err = s.moveApplication(ctx, tx, id, version, applicationStep{
			from: membershipapplication.StatusUNDER_REVIEW, to: membershipapplication.StatusREJECTED,
			verb: "rejected",
			set: func(u *ent.MembershipApplicationUpdate) {
				u.SetNillableReviewerID(reviewerOf(ctx)).SetReviewedAt(s.now().UTC()).SetRejectionReason(reason)
			},
		})
		if err != nil {
			return err
		}
		return notify.Enqueue(ctx, tx, notify.Message{
			Kind:      notification.KindAPPLICATION_REJECTED,
			Recipient: app.ContactEmail,
			Subject:   fmt.Sprintf("Votre demande d'adhésion (référence %s)", app.ID),
			Body: fmt.Sprintf("Bonjour %s,\n\n"+
				"Le groupement n'a pas donné suite à la demande d'adhésion de %s (référence %s), "+
				"pour la raison suivante :\n\n%s\n\n"+
				"Vous pouvez répondre à ce message pour toute question.\n",
				app.RepresentativeName, app.OrganisationName, app.ID, reason),
		})
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, app), nil
}

// maxReasonLength bounds the reasons given for decisions.
const maxReasonLength = 2000

// applicationStep is one transition of an application's instruction.
type applicationStep struct {
	from, to membershipapplication.Status
	verb     string // as in "it can no longer be <verb>"
	set      func(*ent.MembershipApplicationUpdate)
}

// moveApplication makes step on the application id the caller read at
// version, as one conditional update (WHERE id, version and status) that
// bumps the version: if anyone changed the application since, nothing is
// written and the answer is CONFLICT. It returns the application as
// updated.
func (s *Applications) moveApplication(ctx context.Context, tx *ent.Client, id pulid.ID, version int, step applicationStep) (*ent.MembershipApplication, error) {
	current, err := tx.MembershipApplication.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, communs.Errorf(communs.ENOTFOUND, "no membership application %s", id)
	}
	if err != nil {
		return nil, err
	}
	if current.Status != step.from {
		return nil, applicationStateConflict(current.Status, step)
	}
	stale := communs.Errorf(communs.ECONFLICT,
		"the application changed since you read it (version %d): reload it", version)
	if current.Version != version {
		return nil, stale
	}
	update := tx.MembershipApplication.Update().
		Where(
			membershipapplication.ID(id),
			membershipapplication.Version(version),
			membershipapplication.StatusEQ(step.from),
		).
		SetStatus(step.to).AddVersion(1)
	if step.set != nil {
		step.set(update)
	}
	n, err := update.Save(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, stale
	}
	return tx.MembershipApplication.Get(ctx, id)
}

// applicationStateConflict explains why an application in status cannot
// make step.
func applicationStateConflict(status membershipapplication.Status, step applicationStep) error {
	switch status {
	case membershipapplication.StatusAPPROVED, membershipapplication.StatusREJECTED:
		return communs.Errorf(communs.ECONFLICT, "the application is %s; it can no longer be %s", status, step.verb)
	case membershipapplication.StatusSUBMITTED:
		return communs.Errorf(communs.ECONFLICT, "the application is SUBMITTED; start its review before it can be %s", step.verb)
	}
	return communs.Errorf(communs.ECONFLICT, "the application is %s already; only a %s application can be %s", status, step.from, step.verb)
}

// reviewerOf is the account of the viewer of ctx, if it has one.
func reviewerOf(ctx context.Context) *pulid.ID {
	if v := viewer.FromContext(ctx); v != nil && v.AccountID != "" {
		id := v.AccountID
		return &id
	}
	return nil
}

// categoryLabel names a category in French.
func categoryLabel(c member.Category) string {
	switch c {
	case member.CategoryFOUNDER:
		return "membre fondateur"
	case member.CategoryACTIVE:
		return "membre actif"
	case member.CategoryUSER:
		return "membre utilisateur"
	}
	return string(c)
}

// trimmedOrNil trims *p and passes it through clean; empty is nil.
func trimmedOrNil(p *string, clean func(string) string) *string {
	if p == nil {
		return nil
	}
	v := clean(strings.TrimSpace(*p))
	if v == "" {
		return nil
	}
	return &v
}

func frenchPostalCode(s string) bool {
	if len(s) != 5 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// percentText writes a share as a person would: 35, 20.5.
func percentText(p float64) string { return fmt.Sprintf("%g", math.Round(p*100)/100) }
