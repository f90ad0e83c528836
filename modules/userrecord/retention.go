package userrecord

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/consent"
	"communs/ent/journalnote"
	"communs/ent/needassessment"
	"communs/ent/person"
	"communs/ent/personalproject"
	"communs/ent/personcontact"
	"communs/ent/recordsettings"
	"communs/ent/schema/pulid"
	"communs/ent/stay"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// DefaultRetentionYears is how long a file is kept after the last
// discharge when the member has not said: 20 years, the period the public
// health code sets for medical files (art. R.1112-7), so that nothing is
// anonymised earlier than the strictest rule a member may be under.
const DefaultRetentionYears = 20

// Retention is the number of years a member keeps files after the last
// discharge, for the member's people.
func (s *Service) Retention(ctx context.Context, member pulid.ID) (int, error) {
	v, err := signedIn(ctx)
	if err != nil {
		return 0, err
	}
	if !v.System && !slices.Contains(v.MemberIDs(), member) {
		return 0, communs.Errorf(communs.EFORBIDDEN, "a member's retention rule is for its people")
	}
	settings, err := s.client.RecordSettings.Query().Where(recordsettings.MemberID(member)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return DefaultRetentionYears, nil
	case err != nil:
		return 0, err
	}
	return settings.RetentionYears, nil
}

// SetRetention sets a member's retention rule: its administrators decide.
func (s *Service) SetRetention(ctx context.Context, member pulid.ID, years int) (int, error) {
	if years < 1 || years > 100 {
		return 0, communs.InvalidField("years", "keep files 1 to 100 years after the last discharge")
	}
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		v, err := signedIn(ctx)
		if err != nil {
			return err
		}
		if err := mayAdminister(v, member, false); err != nil {
			return err
		}
		return tx.RecordSettings.Create().SetMemberID(member).SetRetentionYears(years).
			OnConflictColumns(recordsettings.FieldMemberID).UpdateRetentionYears().
			Exec(asPlatform(ctx))
	})
	return years, err
}

// AnonymiseExpired anonymises the files whose retention ran out: every
// stay ended more than the member's retention before today. It returns
// how many it anonymised.
func (s *Service) AnonymiseExpired(ctx context.Context) (int, error) {
	ctx = asPlatform(ctx)
	rules, err := s.client.RecordSettings.Query().All(ctx)
	if err != nil {
		return 0, err
	}
	years := map[pulid.ID]int{}
	for _, r := range rules {
		years[r.MemberID] = r.RetentionYears
	}
	members, err := s.client.Person.Query().Where(person.AnonymizedAtIsNil()).
		Unique(true).Select(person.FieldMemberID).Strings(ctx)
	if err != nil {
		return 0, err
	}
	count := 0
	for _, m := range members {
		kept, ok := years[pulid.ID(m)]
		if !ok {
			kept = DefaultRetentionYears
		}
		cutoff := s.today().AddDate(-kept, 0, 0)
		expired, err := s.client.Person.Query().Where(
			person.MemberID(pulid.ID(m)), person.AnonymizedAtIsNil(), person.HasStays(),
			person.Not(person.HasStaysWith(stay.Or(stay.DischargedOnIsNil(), stay.DischargedOnGTE(cutoff)))),
		).IDs(ctx)
		if err != nil {
			return count, err
		}
		for _, id := range expired {
			if err := s.anonymise(ctx, id, "anonymisation", "retention of "+strconv.Itoa(kept)+" years after the last discharge"); err != nil {
				return count, err
			}
			count++
		}
	}
	return count, nil
}

// Erase anonymises a person's file at their request (Art. 17), where
// lawful: not while the person is supported, whose file the member needs
// to support them (Art. 17(3)(b) and (c)). The member's administrators and
// CIL referents decide, and say why.
func (s *Service) Erase(ctx context.Context, id pulid.ID, reason string) (*ent.Person, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, communs.InvalidField("reason", "say why the file is erased (the request it answers)")
	}
	var erased *ent.Person
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		v, err := signedIn(ctx)
		if err != nil {
			return err
		}
		p, err := tx.Person.Get(asPlatform(ctx), id)
		if err != nil {
			return notFound(err, "person", id)
		}
		if err := mayAdminister(v, p.MemberID, true); err != nil {
			return communs.Errorf(communs.ENOTFOUND, "no person %s", id)
		}
		supported, err := tx.Stay.Query().Where(stay.PersonID(id), stay.DischargedOnIsNil()).Exist(asPlatform(ctx))
		switch {
		case err != nil:
			return err
		case supported:
			return communs.Errorf(communs.ECONFLICT, "the person is still supported: the file is needed until discharge")
		case p.AnonymizedAt != nil:
			return communs.Errorf(communs.ECONFLICT, "the file was anonymised already")
		}
		if err := s.anonymise(ctx, id, "erasure", strings.TrimSpace(reason)); err != nil {
			return err
		}
		erased, err = tx.Person.Get(asPlatform(ctx), id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, erased), nil
}

// anonymise removes what identifies a person, and what was written about
// them, and keeps the statistics: birth year, sex, stays, need codes,
// planned services, activities. The access log keeps the entry saying so.
func (s *Service) anonymise(ctx context.Context, id pulid.ID, part, reason string) error {
	return txn.Run(asPlatform(ctx), s.client, func(ctx context.Context, tx *ent.Client) error {
		p, err := tx.Person.Get(ctx, id)
		if err != nil {
			return err
		}
		birthYear := time.Date(p.BirthDate.Year(), time.January, 1, 0, 0, 0, 0, time.UTC)
		if err := tx.Person.UpdateOne(p).SetLastName("ANONYME").SetFirstNames("-").SetBirthName("").
			SetBirthDate(birthYear).ClearInsSealed().SetLegalProtection(person.LegalProtectionNONE).
			SetAnonymizedAt(s.now().UTC()).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.PersonContact.Delete().Where(personcontact.PersonID(id)).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.JournalNote.Delete().Where(journalnote.PersonID(id)).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.Consent.Delete().Where(consent.PersonID(id)).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NeedAssessment.Update().Where(needassessment.PersonID(id)).ClearCommentSealed().SetEvaluator("").Save(ctx); err != nil {
			return err
		}
		if _, err := tx.PersonalProject.Update().Where(personalproject.PersonID(id)).ClearObjectivesSealed().Save(ctx); err != nil {
			return err
		}
		if _, err := tx.Stay.Update().Where(stay.PersonID(id)).SetOrientationReference("").Save(ctx); err != nil {
			return err
		}
		return logRemoval(ctx, tx, p, part, reason)
	})
}

// logRemoval records in the access log who anonymised a file, and why.
func logRemoval(ctx context.Context, tx *ent.Client, p *ent.Person, part, reason string) error {
	return writeLog(ctx, tx, viewer.FromContext(ctx), []read{{p.MemberID, p.ID, part}}, reason)
}
