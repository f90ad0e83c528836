package userrecord

import (
	"context"
	"strconv"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/person"
	"communs/ent/personcontact"
	"communs/ent/schema/pulid"
	"communs/ent/stay"
	"communs/internal/txn"
	"communs/internal/validate"
)

// IdentityInput is a person's identity, as created or rectified.
type IdentityInput struct {
	LastName, FirstNames string
	BirthName            *string
	BirthDate            time.Time
	Sex                  person.Sex
	// INS is the national health identifier; nil or "" means none.
	INS             *string
	LegalProtection *person.LegalProtection
}

// StayInput admits a person to an establishment.
type StayInput struct {
	EstablishmentID                   pulid.ID
	AdmittedOn                        time.Time
	ReceptionType                     stay.ReceptionType
	OrientationReference              *string
	OrientationFrom, OrientationUntil *time.Time
}

// ContactInput is a contact of a person.
type ContactInput struct {
	Kind                            personcontact.Kind
	Name                            string
	Relation, Phone, Email, Address *string
}

// CreatePersonInput is a new person and their first admission: a person
// exists in the user record through a stay in one of the member's
// establishments.
type CreatePersonInput struct {
	Identity IdentityInput
	Stay     StayInput
}

// CreatePerson records a person and their admission, in an establishment
// the viewer is assigned to.
func (s *Service) CreatePerson(ctx context.Context, in CreatePersonInput) (*ent.Person, error) {
	ins, err := checkIdentity(in.Identity)
	if err != nil {
		return nil, err
	}
	if err := checkStay(in.Stay, "stay."); err != nil {
		return nil, err
	}
	var created *ent.Person
	err = txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		e, err := assignedEstablishment(ctx, tx, in.Stay.EstablishmentID)
		if err != nil {
			return err
		}
		id := pulid.New("PRS")
		create := tx.Person.Create().SetID(id).SetMemberID(e.MemberID)
		if err := s.setIdentity(create.Mutation(), id, in.Identity, ins); err != nil {
			return err
		}
		if created, err = create.Save(asPlatform(ctx)); err != nil {
			return err
		}
		_, err = admit(ctx, tx, created, in.Stay)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, created), nil
}

// UpdatePerson rectifies a person's identity.
func (s *Service) UpdatePerson(ctx context.Context, id pulid.ID, in IdentityInput) (*ent.Person, error) {
	ins, err := checkIdentity(in)
	if err != nil {
		return nil, err
	}
	var updated *ent.Person
	err = txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		p, err := writablePerson(ctx, tx, id)
		if err != nil {
			return err
		}
		update := tx.Person.UpdateOne(p)
		if in.INS == nil || *in.INS == "" {
			update.ClearInsSealed()
		}
		if err := s.setIdentity(update.Mutation(), id, in, ins); err != nil {
			return err
		}
		updated, err = update.Save(asPlatform(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, updated), nil
}

// setIdentity sets the identity fields on a person's mutation.
func (s *Service) setIdentity(m *ent.PersonMutation, id pulid.ID, in IdentityInput, ins string) error {
	m.SetLastName(strings.TrimSpace(in.LastName))
	m.SetFirstNames(strings.TrimSpace(in.FirstNames))
	m.SetBirthName(strings.TrimSpace(deref(in.BirthName)))
	m.SetBirthDate(in.BirthDate)
	m.SetSex(in.Sex)
	if in.LegalProtection != nil {
		m.SetLegalProtection(*in.LegalProtection)
	}
	if ins != "" {
		sealed, err := s.seal(person.Table, id, person.FieldInsSealed, ins)
		if err != nil {
			return err
		}
		m.SetInsSealed(sealed)
	}
	return nil
}

// checkIdentity validates an identity and returns its INS, normalised.
func checkIdentity(in IdentityInput) (string, error) {
	if strings.TrimSpace(in.LastName) == "" {
		return "", communs.InvalidField("lastName", "the last name is required")
	}
	if strings.TrimSpace(in.FirstNames) == "" {
		return "", communs.InvalidField("firstNames", "the first names are required")
	}
	if in.BirthDate.IsZero() || in.BirthDate.Year() < 1900 {
		return "", communs.InvalidField("birthDate", "the birth date is required, after 1900")
	}
	if err := person.SexValidator(in.Sex); err != nil {
		return "", communs.InvalidField("sex", "unknown sex %q", in.Sex)
	}
	if in.INS == nil || *in.INS == "" {
		return "", nil
	}
	ins, err := NormalizeINS(*in.INS)
	if err != nil {
		return "", communs.InvalidField("ins", "%s", err)
	}
	return ins, nil
}

// Admit records a new stay of a person, in an establishment the viewer is
// assigned to.
func (s *Service) Admit(ctx context.Context, personID pulid.ID, in StayInput) (*ent.Stay, error) {
	if err := checkStay(in, ""); err != nil {
		return nil, err
	}
	var created *ent.Stay
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		p, err := writablePerson(ctx, tx, personID)
		if err != nil {
			return err
		}
		e, err := assignedEstablishment(ctx, tx, in.EstablishmentID)
		if err != nil {
			return err
		}
		if e.MemberID != p.MemberID {
			return communs.InvalidField("establishmentId", "the establishment is another member's")
		}
		open, err := tx.Stay.Query().Where(stay.PersonID(p.ID), stay.EstablishmentID(e.ID), stay.DischargedOnIsNil()).Exist(asPlatform(ctx))
		if err != nil {
			return err
		}
		if open {
			return communs.Errorf(communs.ECONFLICT, "the person already stays in %s: discharge first", e.Name)
		}
		created, err = admit(ctx, tx, p, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, created), nil
}

func admit(ctx context.Context, tx *ent.Client, p *ent.Person, in StayInput) (*ent.Stay, error) {
	return tx.Stay.Create().
		SetPersonID(p.ID).SetMemberID(p.MemberID).SetEstablishmentID(in.EstablishmentID).
		SetAdmittedOn(in.AdmittedOn).SetReceptionType(in.ReceptionType).
		SetOrientationReference(strings.TrimSpace(deref(in.OrientationReference))).
		SetNillableOrientationFrom(in.OrientationFrom).SetNillableOrientationUntil(in.OrientationUntil).
		Save(asPlatform(ctx))
}

func checkStay(in StayInput, prefix string) error {
	if in.AdmittedOn.IsZero() {
		return communs.InvalidField(prefix+"admittedOn", "the admission date is required")
	}
	if err := stay.ReceptionTypeValidator(in.ReceptionType); err != nil {
		return communs.InvalidField(prefix+"receptionType", "unknown reception type %q", in.ReceptionType)
	}
	if in.OrientationFrom != nil && in.OrientationUntil != nil && in.OrientationUntil.Before(*in.OrientationFrom) {
		return communs.InvalidField(prefix+"orientationUntil", "the orientation ends before it starts")
	}
	return nil
}

// Discharge ends a stay.
func (s *Service) Discharge(ctx context.Context, stayID pulid.ID, on time.Time) (*ent.Stay, error) {
	var updated *ent.Stay
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		st, err := tx.Stay.Get(ctx, stayID)
		if err != nil {
			return notFound(err, "stay", stayID)
		}
		if _, err := writablePerson(ctx, tx, st.PersonID); err != nil {
			return err
		}
		if st.DischargedOn != nil {
			return communs.Errorf(communs.ECONFLICT, "the stay ended on %s already", st.DischargedOn.Format(time.DateOnly))
		}
		if on.Before(st.AdmittedOn) {
			return communs.InvalidField("dischargedOn", "the discharge is before the admission (%s)", st.AdmittedOn.Format(time.DateOnly))
		}
		updated, err = tx.Stay.UpdateOne(st).SetDischargedOn(on).Save(asPlatform(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, updated), nil
}

// SetContacts replaces the contacts of a person.
func (s *Service) SetContacts(ctx context.Context, personID pulid.ID, contacts []ContactInput) ([]*ent.PersonContact, error) {
	for i, c := range contacts {
		field := func(name string) string { return "contacts[" + strconv.Itoa(i) + "]." + name }
		if strings.TrimSpace(c.Name) == "" {
			return nil, communs.InvalidField(field("name"), "the name is required")
		}
		if err := personcontact.KindValidator(c.Kind); err != nil {
			return nil, communs.InvalidField(field("kind"), "unknown kind %q", c.Kind)
		}
		if e := deref(c.Email); e != "" {
			if err := validate.Email(e); err != nil {
				return nil, communs.InvalidField(field("email"), "%s", err)
			}
		}
	}
	var saved []*ent.PersonContact
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		p, err := writablePerson(ctx, tx, personID)
		if err != nil {
			return err
		}
		ctx = asPlatform(ctx)
		if _, err := tx.PersonContact.Delete().Where(personcontact.PersonID(p.ID)).Exec(ctx); err != nil {
			return err
		}
		creates := make([]*ent.PersonContactCreate, len(contacts))
		for i, c := range contacts {
			creates[i] = tx.PersonContact.Create().SetPersonID(p.ID).SetMemberID(p.MemberID).
				SetKind(c.Kind).SetName(strings.TrimSpace(c.Name)).
				SetRelation(deref(c.Relation)).SetPhone(deref(c.Phone)).
				SetEmail(deref(c.Email)).SetAddress(deref(c.Address))
		}
		saved, err = tx.PersonContact.CreateBulk(creates...).Save(ctx)
		return err
	})
	return saved, err
}

// writablePerson returns the person if the viewer reads their file and
// writes in their member's files: NOT_FOUND when the file is out of the
// viewer's sight, FORBIDDEN when it reads it only (a support access, a
// member's viewer).
func writablePerson(ctx context.Context, tx *ent.Client, id pulid.ID) (*ent.Person, error) {
	v, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	p, err := tx.Person.Get(ctx, id)
	if err != nil {
		return nil, notFound(err, "person", id)
	}
	if err := mayWriteIn(v, p.MemberID); err != nil {
		return nil, err
	}
	if p.AnonymizedAt != nil {
		return nil, communs.Errorf(communs.ECONFLICT, "the file was anonymised")
	}
	return p, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}
