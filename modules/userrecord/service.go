// Package userrecord is the user-record module (Gestusa, and Gestactiv for
// the activity measurement): the files of the persons supported by the
// members' establishments — identity, stays, needs and personalised
// project in the SERAFIN-PH nomenclature, services delivered, journal
// notes, consents.
//
// It holds the most sensitive data of the platform. What protects it:
//
//   - row rules (ent/schema/userrecord_*.go): a member's people read the
//     files of the establishments they are assigned to, nothing crosses
//     members, the groupement reads only under a support access;
//   - this service, the only writer, which checks who may write;
//   - the access log: every read beyond the list summary writes an entry
//     (LogReads);
//   - sealing: needs, objectives, notes and the INS are encrypted at rest
//     with AES-256-GCM (internal/sealing), keys outside the database;
//   - retention: files are anonymised a member-chosen number of years
//     after the last discharge (the nightly job).
package userrecord

import (
	"context"
	"slices"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/careassignment"
	"communs/ent/schema/pulid"
	"communs/internal/calendar"
	"communs/internal/sealing"
	"communs/internal/viewer"
)

// Service keeps the persons' files. Which root fields a viewer may call
// is the module's policy; which files it reads, the row rules; who may
// write what, this service.
type Service struct {
	client *ent.Client
	keys   *sealing.Keyring
	now    func() time.Time
}

// New returns the service over client, sealing with keys.
func New(client *ent.Client, keys *sealing.Keyring) *Service {
	return &Service{client: client, keys: keys, now: time.Now}
}

func (s *Service) today() time.Time { return calendar.DayInParis(s.now()) }

// seal seals value as the field of the row id of table: the sealed value
// opens only there.
func (s *Service) seal(table string, id pulid.ID, field, value string) (string, error) {
	return s.keys.SealString(value, associatedData(table, id, field))
}

// open opens the sealed field of the row id of table; no value reads "".
func (s *Service) open(table string, id pulid.ID, field string, sealed *string) (string, error) {
	if sealed == nil {
		return "", nil
	}
	value, err := s.keys.OpenString(*sealed, associatedData(table, id, field))
	if err != nil {
		return "", communs.Errorf(communs.EINTERNAL, "%s of %s does not open: %v", field, id, err)
	}
	return value, nil
}

func associatedData(table string, id pulid.ID, field string) string {
	return table + "/" + string(id) + "/" + field
}

// asPlatform is ctx acting as the platform, once the service has checked
// the viewer's rights: the audit trail still names the viewer.
func asPlatform(ctx context.Context) context.Context { return viewer.SystemContext(ctx) }

// signedIn is the viewer of ctx, or an UNAUTHENTICATED error.
func signedIn(ctx context.Context) (*viewer.Viewer, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, communs.Errorf(communs.EUNAUTHENTICATED, "log in first")
	}
	return v, nil
}

// mayWriteIn refuses a viewer who is neither the platform nor an
// administrator or staff member of member.
func mayWriteIn(v *viewer.Viewer, member pulid.ID) error {
	if v.System || slices.Contains(v.Writer().MemberIDs(), member) {
		return nil
	}
	return communs.Errorf(communs.EFORBIDDEN, "only the member's staff write in its persons' files")
}

// mayAdminister refuses a viewer who does not administer member (or, with
// cil, is not its CIL referent either).
func mayAdminister(v *viewer.Viewer, member pulid.ID, cil bool) error {
	roles := []string{"member_admin"}
	if cil {
		roles = append(roles, "member_cil")
	}
	if v.System || slices.Contains(v.MemberIDs(roles...), member) {
		return nil
	}
	return communs.Errorf(communs.EFORBIDDEN, "reserved to the member's administrators")
}

// assignedEstablishment returns the establishment when the viewer may
// write files there: a writer of its member, assigned to it.
func assignedEstablishment(ctx context.Context, tx *ent.Client, id pulid.ID) (*ent.Establishment, error) {
	v, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	e, err := tx.Establishment.Get(asPlatform(ctx), id)
	if err != nil {
		return nil, notFound(err, "establishment", id)
	}
	if err := mayWriteIn(v, e.MemberID); err != nil {
		return nil, communs.Errorf(communs.ENOTFOUND, "no establishment %s", id)
	}
	if v.System {
		return e, nil
	}
	assigned, err := tx.CareAssignment.Query().
		Where(careassignment.AccountID(v.AccountID), careassignment.EstablishmentID(id)).
		Exist(asPlatform(ctx))
	if err != nil {
		return nil, err
	}
	if !assigned {
		return nil, communs.Errorf(communs.EFORBIDDEN, "you are not assigned to establishment %s", e.Name)
	}
	return e, nil
}

// notFound turns ent's not-found error into NOT_FOUND.
func notFound(err error, what string, id pulid.ID) error {
	if ent.IsNotFound(err) {
		return communs.Errorf(communs.ENOTFOUND, "no %s %s", what, id)
	}
	return err
}
