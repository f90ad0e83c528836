package userrecord

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/careassignment"
	"communs/ent/journalnote"
	"communs/ent/needassessment"
	"communs/ent/personalproject"
	"communs/ent/schema/pulid"
	"communs/internal/txn"
	"communs/modules/userrecord/serafin"
)

// NeedInput is a need assessed.
type NeedInput struct {
	PersonID   pulid.ID
	Code       string
	AssessedOn time.Time
	Evaluator  *string
	Comment    *string
}

// AssessNeed records a need of a person, in the SERAFIN-PH needs (1.x).
func (s *Service) AssessNeed(ctx context.Context, in NeedInput) (*ent.NeedAssessment, error) {
	if err := serafin.Validate(in.Code, serafin.Need); err != nil {
		return nil, communs.InvalidField("code", "%s", err)
	}
	if in.AssessedOn.IsZero() {
		return nil, communs.InvalidField("assessedOn", "the assessment date is required")
	}
	var created *ent.NeedAssessment
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		p, err := writablePerson(ctx, tx, in.PersonID)
		if err != nil {
			return err
		}
		id := pulid.New("NED")
		code, err := s.seal(needassessment.Table, id, needassessment.FieldCodeSealed, in.Code)
		if err != nil {
			return err
		}
		comment, err := s.seal(needassessment.Table, id, needassessment.FieldCommentSealed, deref(in.Comment))
		if err != nil {
			return err
		}
		created, err = tx.NeedAssessment.Create().SetID(id).SetPersonID(p.ID).SetMemberID(p.MemberID).
			SetCodeSealed(code).SetCommentSealed(comment).
			SetAssessedOn(in.AssessedOn).SetEvaluator(deref(in.Evaluator)).
			Save(asPlatform(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, created), nil
}

// NeedCode opens the code of a need.
func (s *Service) NeedCode(n *ent.NeedAssessment) (string, error) {
	return s.open(needassessment.Table, n.ID, needassessment.FieldCodeSealed, n.CodeSealed)
}

// NeedComment opens the comment of a need.
func (s *Service) NeedComment(n *ent.NeedAssessment) (string, error) {
	return s.open(needassessment.Table, n.ID, needassessment.FieldCommentSealed, n.CommentSealed)
}

// ProjectInput is a version of a personalised project.
type ProjectInput struct {
	PersonID        pulid.ID
	Objectives      []string
	PlannedServices []string
	StartsOn        time.Time
	ReviewOn        time.Time
}

// SetProject records a new version of a person's personalised project.
func (s *Service) SetProject(ctx context.Context, in ProjectInput) (*ent.PersonalProject, error) {
	objectives := make([]string, 0, len(in.Objectives))
	for _, o := range in.Objectives {
		if o = strings.TrimSpace(o); o != "" {
			objectives = append(objectives, o)
		}
	}
	if len(objectives) == 0 {
		return nil, communs.InvalidField("objectives", "a project has at least one objective")
	}
	for _, code := range in.PlannedServices {
		if err := validateService(code); err != nil {
			return nil, communs.InvalidField("plannedServices", "%s", err)
		}
	}
	if in.StartsOn.IsZero() || in.ReviewOn.Before(in.StartsOn) {
		return nil, communs.InvalidField("reviewOn", "the review date is on or after the start")
	}
	var created *ent.PersonalProject
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		p, err := writablePerson(ctx, tx, in.PersonID)
		if err != nil {
			return err
		}
		id := pulid.New("PPJ")
		text, err := json.Marshal(objectives)
		if err != nil {
			return err
		}
		sealed, err := s.seal(personalproject.Table, id, personalproject.FieldObjectivesSealed, string(text))
		if err != nil {
			return err
		}
		created, err = tx.PersonalProject.Create().SetID(id).SetPersonID(p.ID).SetMemberID(p.MemberID).
			SetObjectivesSealed(sealed).SetPlannedServices(in.PlannedServices).
			SetStartsOn(in.StartsOn).SetReviewOn(in.ReviewOn).
			Save(asPlatform(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, created), nil
}

// Objectives opens the objectives of a project.
func (s *Service) Objectives(p *ent.PersonalProject) ([]string, error) {
	text, err := s.open(personalproject.Table, p.ID, personalproject.FieldObjectivesSealed, p.ObjectivesSealed)
	if err != nil || text == "" {
		return nil, err
	}
	var objectives []string
	return objectives, json.Unmarshal([]byte(text), &objectives)
}

// validateService checks a code of the services nomenclatures (2.x, 3.x).
func validateService(code string) error {
	if e, ok := serafin.Lookup(code); ok && e.Kind == serafin.IndirectService {
		return nil
	}
	return serafin.Validate(code, serafin.DirectService)
}

// NoteInput is a journal note.
type NoteInput struct {
	PersonID        pulid.ID
	Body            string
	Confidentiality journalnote.Confidentiality
	// RestrictedTo are the care roles a RESTRICTED note is open to.
	RestrictedTo []careassignment.CareRole
	// AmendsID is the note this one amends.
	AmendsID *pulid.ID
}

// WriteNote adds a note to a person's journal. A note is never edited: to
// correct one, write a note that amends it.
func (s *Service) WriteNote(ctx context.Context, in NoteInput) (*ent.JournalNote, error) {
	restricted, err := checkNote(in)
	if err != nil {
		return nil, err
	}
	var created *ent.JournalNote
	err = txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		p, err := writablePerson(ctx, tx, in.PersonID)
		if err != nil {
			return err
		}
		if in.AmendsID != nil {
			amended, err := tx.JournalNote.Get(ctx, *in.AmendsID)
			if err != nil || amended.PersonID != p.ID {
				return communs.InvalidField("amendsId", "no note %s in this person's journal", *in.AmendsID)
			}
		}
		v, _ := signedIn(ctx)
		id := pulid.New("JNL")
		body, err := s.seal(journalnote.Table, id, journalnote.FieldBodySealed, strings.TrimSpace(in.Body))
		if err != nil {
			return err
		}
		created, err = tx.JournalNote.Create().SetID(id).SetPersonID(p.ID).SetMemberID(p.MemberID).
			SetNillableAuthorID(accountOf(v.AccountID)).SetAuthor(v.Email).
			SetBodySealed(body).SetConfidentiality(in.Confidentiality).SetRestrictedTo(restricted).
			SetNillableAmendsID(in.AmendsID).
			Save(asPlatform(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, created), nil
}

// checkNote validates a note and returns its restricted_to column.
func checkNote(in NoteInput) (string, error) {
	if strings.TrimSpace(in.Body) == "" {
		return "", communs.InvalidField("body", "the note is empty")
	}
	if err := journalnote.ConfidentialityValidator(in.Confidentiality); err != nil {
		return "", communs.InvalidField("confidentiality", "unknown confidentiality %q", in.Confidentiality)
	}
	if in.Confidentiality == journalnote.ConfidentialityTEAM {
		if len(in.RestrictedTo) > 0 {
			return "", communs.InvalidField("restrictedTo", "a TEAM note is open to the whole team: name roles for RESTRICTED notes only")
		}
		return "", nil
	}
	if len(in.RestrictedTo) == 0 {
		return "", communs.InvalidField("restrictedTo", "a RESTRICTED note names the care roles it is open to")
	}
	column := ","
	for _, r := range in.RestrictedTo {
		if err := careassignment.CareRoleValidator(r); err != nil {
			return "", communs.InvalidField("restrictedTo", "unknown care role %q", r)
		}
		column += string(r) + ","
	}
	return column, nil
}

// NoteBody opens the text of a note.
func (s *Service) NoteBody(n *ent.JournalNote) (string, error) {
	return s.open(journalnote.Table, n.ID, journalnote.FieldBodySealed, n.BodySealed)
}

// RestrictedTo are the care roles a note is open to (none: the team).
func RestrictedTo(n *ent.JournalNote) []careassignment.CareRole {
	var roles []careassignment.CareRole
	for _, r := range strings.Split(n.RestrictedTo, ",") {
		if r != "" {
			roles = append(roles, careassignment.CareRole(r))
		}
	}
	return roles
}

// ConsentInput records a consent given or withdrawn.
type ConsentInput struct {
	PersonID    pulid.ID
	Purpose     string
	Given       bool
	RecordedOn  time.Time
	ExpressedBy *string
}

// RecordConsent records a person's consent, or its withdrawal, for a
// purpose; the history is kept.
func (s *Service) RecordConsent(ctx context.Context, in ConsentInput) (*ent.Consent, error) {
	if strings.TrimSpace(in.Purpose) == "" {
		return nil, communs.InvalidField("purpose", "the purpose is required")
	}
	if in.RecordedOn.IsZero() {
		return nil, communs.InvalidField("recordedOn", "the date is required")
	}
	var created *ent.Consent
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		p, err := writablePerson(ctx, tx, in.PersonID)
		if err != nil {
			return err
		}
		v, _ := signedIn(ctx)
		created, err = tx.Consent.Create().SetPersonID(p.ID).SetMemberID(p.MemberID).
			SetPurpose(strings.TrimSpace(in.Purpose)).SetGiven(in.Given).SetRecordedOn(in.RecordedOn).
			SetExpressedBy(deref(in.ExpressedBy)).SetRecordedBy(v.Email).
			Save(asPlatform(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, created), nil
}

// accountOf is the account id, or nil for the platform.
func accountOf(id pulid.ID) *pulid.ID {
	if id == "" {
		return nil
	}
	return &id
}
