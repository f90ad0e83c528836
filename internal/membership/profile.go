package membership

import (
	"context"
	"strconv"
	"strings"

	"communs"
	"communs/ent"
	"communs/ent/memberprofilechange"
	"communs/ent/schema/pulid"
	"communs/ent/schema/schematype"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// MaxVATSubjectPercent is the eligibility limit of a groupement's members:
// at most 20 % of their activity subject to VAT (art. 261 B CGI).
const MaxVATSubjectPercent = 20

// ProfileInput is a change of a member's profile (updateMember): a nil
// field is unchanged; an empty string clears an optional one.
type ProfileInput struct {
	MemberID               pulid.ID
	LegalForm              *string
	Street                 *string
	PostalCode             *string
	City                   *string
	Region                 *string
	ContactEmail           *string
	ContactPhone           *string
	RepresentativeName     *string
	RepresentativeFunction *string
	VatSubjectPercent      *float64
	Name                   *string
	Siren                  *string
	Rna                    *string
	FinessEj               *string
	IsFederation           *bool
	Comment                *string
}

// ProfileResult is the member after the change, the history entry of the
// fields applied (nil when nothing changed) and the VAT-subject share
// left waiting for the groupement's review (nil when none).
type ProfileResult struct {
	Member        *ent.Member
	Change        *ent.MemberProfileChange
	PendingReview *ent.MemberProfileChange
}

// profileField is a field of the profile updateMember changes: its name in
// the API, whether only the groupement's staff may change it, the new
// value asked (nil: unchanged), the current value, and how to write it.
type profileField struct {
	name      string
	staffOnly bool
	asked     func(*ProfileInput) *string
	current   func(*ent.Member) string
	set       func(u *ent.MemberUpdateOne, value string)
}

// text gives optional text fields a value "" when they have none.
func text(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// setOrClear sets an optional field, or clears it for "".
func setOrClear(s string, set func(string) *ent.MemberUpdateOne, clear func() *ent.MemberUpdateOne) {
	if s == "" {
		clear()
		return
	}
	set(s)
}

var profileFields = []profileField{
	{"legalForm", false, func(in *ProfileInput) *string { return in.LegalForm },
		func(m *ent.Member) string { return m.LegalForm }, func(u *ent.MemberUpdateOne, s string) { u.SetLegalForm(s) }},
	{"street", false, func(in *ProfileInput) *string { return in.Street },
		func(m *ent.Member) string { return m.Street }, func(u *ent.MemberUpdateOne, s string) { u.SetStreet(s) }},
	{"postalCode", false, func(in *ProfileInput) *string { return in.PostalCode },
		func(m *ent.Member) string { return m.PostalCode }, func(u *ent.MemberUpdateOne, s string) { u.SetPostalCode(s) }},
	{"city", false, func(in *ProfileInput) *string { return in.City },
		func(m *ent.Member) string { return m.City }, func(u *ent.MemberUpdateOne, s string) { u.SetCity(s) }},
	{"region", false, func(in *ProfileInput) *string { return in.Region },
		func(m *ent.Member) string { return m.Region }, func(u *ent.MemberUpdateOne, s string) { u.SetRegion(s) }},
	{"contactEmail", false, func(in *ProfileInput) *string { return in.ContactEmail },
		func(m *ent.Member) string { return text(m.ContactEmail) },
		func(u *ent.MemberUpdateOne, s string) { setOrClear(s, u.SetContactEmail, u.ClearContactEmail) }},
	{"contactPhone", false, func(in *ProfileInput) *string { return in.ContactPhone },
		func(m *ent.Member) string { return m.ContactPhone }, func(u *ent.MemberUpdateOne, s string) { u.SetContactPhone(s) }},
	{"representativeName", false, func(in *ProfileInput) *string { return in.RepresentativeName },
		func(m *ent.Member) string { return m.RepresentativeName },
		func(u *ent.MemberUpdateOne, s string) { u.SetRepresentativeName(s) }},
	{"representativeFunction", false, func(in *ProfileInput) *string { return in.RepresentativeFunction },
		func(m *ent.Member) string { return m.RepresentativeFunction },
		func(u *ent.MemberUpdateOne, s string) { u.SetRepresentativeFunction(s) }},
	{"name", true, func(in *ProfileInput) *string { return in.Name },
		func(m *ent.Member) string { return m.Name }, func(u *ent.MemberUpdateOne, s string) { u.SetName(s) }},
	{"siren", true, func(in *ProfileInput) *string { return in.Siren },
		func(m *ent.Member) string { return text(m.Siren) },
		func(u *ent.MemberUpdateOne, s string) { setOrClear(s, u.SetSiren, u.ClearSiren) }},
	{"rna", true, func(in *ProfileInput) *string { return in.Rna },
		func(m *ent.Member) string { return text(m.Rna) },
		func(u *ent.MemberUpdateOne, s string) { setOrClear(s, u.SetRna, u.ClearRna) }},
	{"finessEj", true, func(in *ProfileInput) *string { return in.FinessEj },
		func(m *ent.Member) string { return text(m.FinessEj) },
		func(u *ent.MemberUpdateOne, s string) { setOrClear(s, u.SetFinessEj, u.ClearFinessEj) }},
	{"isFederation", true, func(in *ProfileInput) *string { return boolText(in.IsFederation) },
		func(m *ent.Member) string { return strconv.FormatBool(m.IsFederation) },
		func(u *ent.MemberUpdateOne, s string) { u.SetIsFederation(s == "true") }},
}

func boolText(b *bool) *string {
	if b == nil {
		return nil
	}
	s := strconv.FormatBool(*b)
	return &s
}

// vatShareField is the name of the VAT-subject share in the history.
const vatShareField = "vatSubjectPercent"

// UpdateProfile changes a member's profile and keeps the change in its
// history. The member's administrators change its address, contacts,
// representative, legal form and VAT-subject share; the groupement's staff
// also its name, legal identifiers and federation flag. A VAT-subject
// share above MaxVATSubjectPercent is not applied: it is recorded as
// PENDING_REVIEW, a task for the groupement (ReviewVATShare).
func (s *Members) UpdateProfile(ctx context.Context, in ProfileInput) (*ProfileResult, error) {
	if err := requireMemberRole(ctx, in.MemberID, "member_admin"); err != nil {
		return nil, err
	}
	comment := strings.TrimSpace(text(in.Comment))
	if len([]rune(comment)) > maxReasonLength {
		return nil, communs.InvalidField("comment", "at most %d characters", maxReasonLength)
	}
	res := &ProfileResult{}
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		current, err := s.memberToChange(ctx, tx, in.MemberID)
		if err != nil {
			return err
		}
		update := tx.Member.UpdateOne(current)
		changes, err := applyProfile(viewer.FromContext(ctx), current, in, update)
		if err != nil {
			return err
		}
		vat, pending, err := s.vatShareChange(ctx, tx, current, in.VatSubjectPercent)
		if err != nil {
			return err
		}
		if vat != nil && !pending {
			update.SetVatSubjectPercent(*in.VatSubjectPercent)
			changes = append(changes, *vat)
		}
		if res.Member, err = update.Save(ctx); err != nil {
			return err
		}
		if len(changes) > 0 {
			if res.Change, err = recordProfileChange(ctx, tx, in.MemberID, memberprofilechange.StatusAPPLIED, changes, comment, nil); err != nil {
				return err
			}
		}
		if pending {
			res.PendingReview, err = recordProfileChange(ctx, tx, in.MemberID, memberprofilechange.StatusPENDING_REVIEW,
				[]schematype.FieldChange{*vat}, comment, nil)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	res.Member = txn.Detached(ctx, res.Member)
	return res, nil
}

// applyProfile sets on update the fields in asks to change and returns
// their changes; a field reserved to the groupement's staff is refused to
// a member's people.
func applyProfile(v *viewer.Viewer, current *ent.Member, in ProfileInput, update *ent.MemberUpdateOne) ([]schematype.FieldChange, error) {
	groupement := v != nil && (v.System || v.HasRole("gsm_staff") || v.HasRole("gsm_admin"))
	var changes []schematype.FieldChange
	for _, f := range profileFields {
		asked := f.asked(&in)
		if asked == nil {
			continue
		}
		if f.staffOnly && !groupement {
			return nil, communs.Errorf(communs.EFORBIDDEN, "only the groupement's staff change %s", f.name)
		}
		value := strings.TrimSpace(*asked)
		if old := f.current(current); old != value {
			f.set(update, value)
			changes = append(changes, schematype.FieldChange{Field: f.name, From: old, To: value})
		}
	}
	return changes, nil
}

// vatShareChange is the change of the VAT-subject share asked, if any, and
// whether it must wait for the groupement's review (above the limit). A
// share cannot change while another waits for review.
func (s *Members) vatShareChange(ctx context.Context, tx *ent.Client, current *ent.Member, asked *float64) (*schematype.FieldChange, bool, error) {
	if asked == nil || *asked == current.VatSubjectPercent {
		return nil, false, nil
	}
	if *asked < 0 || *asked > 100 {
		return nil, false, communs.InvalidField(vatShareField, "a percentage lies between 0 and 100")
	}
	waiting, err := tx.MemberProfileChange.Query().
		Where(memberprofilechange.MemberID(current.ID), memberprofilechange.StatusEQ(memberprofilechange.StatusPENDING_REVIEW),
			memberprofilechange.Not(memberprofilechange.HasDecision())).
		Exist(ctx)
	if err != nil {
		return nil, false, err
	}
	if waiting {
		return nil, false, communs.Errorf(communs.ECONFLICT, "a change of the VAT-subject share waits for the groupement's review")
	}
	change := &schematype.FieldChange{Field: vatShareField, From: percentText(current.VatSubjectPercent), To: percentText(*asked)}
	return change, *asked > MaxVATSubjectPercent, nil
}

// ReviewVATShare closes a VAT-subject share waiting for review: accepted,
// the member's share becomes the one asked; rejected, it stays. The
// decision is a new entry of the history naming the one it decides.
func (s *Members) ReviewVATShare(ctx context.Context, changeID pulid.ID, accept bool, comment string) (*ent.MemberProfileChange, error) {
	comment, err := checkReason(comment, "the groupement's decision")
	if err != nil {
		return nil, err
	}
	var decision *ent.MemberProfileChange
	err = s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		pending, err := tx.MemberProfileChange.Query().
			Where(memberprofilechange.ID(changeID), memberprofilechange.StatusEQ(memberprofilechange.StatusPENDING_REVIEW)).
			WithDecision().Only(ctx)
		switch {
		case ent.IsNotFound(err):
			return communs.Errorf(communs.ENOTFOUND, "no VAT-subject share waiting for review with id %s", changeID)
		case err != nil:
			return err
		case pending.Edges.Decision != nil:
			return communs.Errorf(communs.ECONFLICT, "this change was %s already", pending.Edges.Decision.Status)
		}
		status := memberprofilechange.StatusREJECTED
		if accept {
			status = memberprofilechange.StatusACCEPTED
			if err := applyVATShare(ctx, tx, pending); err != nil {
				return err
			}
		}
		decision, err = recordProfileChange(ctx, tx, pending.MemberID, status, pending.Changes, comment, &pending.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, decision), nil
}

// applyVATShare sets the share a pending change asked.
func applyVATShare(ctx context.Context, tx *ent.Client, pending *ent.MemberProfileChange) error {
	for _, c := range pending.Changes {
		if c.Field != vatShareField {
			continue
		}
		share, err := strconv.ParseFloat(c.To, 64)
		if err != nil {
			return err
		}
		return tx.Member.UpdateOneID(pending.MemberID).SetVatSubjectPercent(share).Exec(ctx)
	}
	return nil
}

func recordProfileChange(ctx context.Context, tx *ent.Client, memberID pulid.ID, status memberprofilechange.Status,
	changes []schematype.FieldChange, comment string, decides *pulid.ID) (*ent.MemberProfileChange, error) {
	return tx.MemberProfileChange.Create().
		SetMemberID(memberID).SetStatus(status).SetChanges(changes).
		SetChangedBy(viewer.Label(ctx)).SetComment(comment).SetNillableDecidesID(decides).
		Save(ctx)
}
