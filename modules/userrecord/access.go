package userrecord

import (
	"context"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/account"
	"communs/ent/careassignment"
	"communs/ent/person"
	"communs/ent/roleassignment"
	"communs/ent/schema/pulid"
	"communs/ent/supportaccess"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// AssignmentInput assigns an account to an establishment.
type AssignmentInput struct {
	AccountID       pulid.ID
	EstablishmentID pulid.ID
	CareRole        careassignment.CareRole
}

// Assign opens the files of an establishment to one of its member's
// accounts: the member's administrators decide.
func (s *Service) Assign(ctx context.Context, in AssignmentInput) (*ent.CareAssignment, error) {
	if err := careassignment.CareRoleValidator(in.CareRole); err != nil {
		return nil, communs.InvalidField("careRole", "unknown care role %q", in.CareRole)
	}
	var created *ent.CareAssignment
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		v, err := signedIn(ctx)
		if err != nil {
			return err
		}
		e, err := tx.Establishment.Get(asPlatform(ctx), in.EstablishmentID)
		if err != nil {
			return notFound(err, "establishment", in.EstablishmentID)
		}
		if err := mayAdminister(v, e.MemberID, false); err != nil {
			return err
		}
		inMember, err := tx.RoleAssignment.Query().
			Where(roleassignment.AccountID(in.AccountID), roleassignment.MemberID(e.MemberID)).Exist(asPlatform(ctx))
		if err != nil {
			return err
		}
		if !inMember {
			return communs.InvalidField("accountId", "the account holds no role in the establishment's member")
		}
		taken, err := tx.CareAssignment.Query().
			Where(careassignment.AccountID(in.AccountID), careassignment.EstablishmentID(e.ID)).Exist(asPlatform(ctx))
		if err != nil {
			return err
		}
		if taken {
			return communs.Errorf(communs.ECONFLICT, "the account is assigned to %s already", e.Name)
		}
		created, err = tx.CareAssignment.Create().SetMemberID(e.MemberID).SetAccountID(in.AccountID).
			SetEstablishmentID(e.ID).SetCareRole(in.CareRole).Save(asPlatform(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, created), nil
}

// Unassign closes an establishment's files to an account again.
func (s *Service) Unassign(ctx context.Context, id pulid.ID) error {
	return txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		v, err := signedIn(ctx)
		if err != nil {
			return err
		}
		a, err := tx.CareAssignment.Get(ctx, id)
		if err != nil {
			return notFound(err, "care assignment", id)
		}
		if err := mayAdminister(v, a.MemberID, false); err != nil {
			return err
		}
		return tx.CareAssignment.DeleteOne(a).Exec(asPlatform(ctx))
	})
}

// maxSupportAccess bounds a support access: a week at most.
const maxSupportAccess = 7 * 24 * time.Hour

// SupportInput grants one of the groupement's accounts a support access.
type SupportInput struct {
	MemberID  pulid.ID
	AccountID pulid.ID
	Reason    string
	Hours     int
}

// GrantSupport lets one of the groupement's accounts read the member's
// files for some hours (a week at most): the member's administrators
// decide, and say why. Every read under it is in the access log.
func (s *Service) GrantSupport(ctx context.Context, in SupportInput) (*ent.SupportAccess, error) {
	if strings.TrimSpace(in.Reason) == "" {
		return nil, communs.InvalidField("reason", "say why the groupement needs to read the files")
	}
	duration := time.Duration(in.Hours) * time.Hour
	if duration <= 0 || duration > maxSupportAccess {
		return nil, communs.InvalidField("hours", "a support access lasts 1 to %d hours", int(maxSupportAccess.Hours()))
	}
	var created *ent.SupportAccess
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		v, err := signedIn(ctx)
		if err != nil {
			return err
		}
		if err := mayAdminister(v, in.MemberID, false); err != nil {
			return err
		}
		staff, err := tx.Account.Query().Where(account.ID(in.AccountID), account.HasRoleAssignmentsWith(
			roleassignment.MemberIDIsNil(), roleassignment.RoleIn(gsmRoles...))).Exist(asPlatform(ctx))
		if err != nil {
			return err
		}
		if !staff {
			return communs.InvalidField("accountId", "a support access is granted to one of the groupement's accounts")
		}
		created, err = tx.SupportAccess.Create().SetMemberID(in.MemberID).SetAccountID(in.AccountID).
			SetReason(strings.TrimSpace(in.Reason)).SetGrantedBy(v.Email).
			SetExpiresAt(s.now().UTC().Add(duration)).Save(asPlatform(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, created), nil
}

// gsmRoles are the groupement's roles a support access may be granted to.
var gsmRoles = []roleassignment.Role{roleassignment.RoleGsmAdmin, roleassignment.RoleGsmStaff, roleassignment.RoleGsmCil}

// RevokeSupport ends a support access now.
func (s *Service) RevokeSupport(ctx context.Context, id pulid.ID) (*ent.SupportAccess, error) {
	var revoked *ent.SupportAccess
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		v, err := signedIn(ctx)
		if err != nil {
			return err
		}
		a, err := tx.SupportAccess.Query().Where(supportaccess.ID(id)).Only(ctx)
		if err != nil {
			return notFound(err, "support access", id)
		}
		if err := mayAdminister(v, a.MemberID, false); err != nil {
			return err
		}
		if a.RevokedAt != nil {
			return communs.Errorf(communs.ECONFLICT, "the support access was revoked already")
		}
		revoked, err = tx.SupportAccess.UpdateOne(a).SetRevokedAt(s.now().UTC()).Save(asPlatform(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, revoked), nil
}

// read is one part of one person's file a query returned.
type read struct {
	member, person pulid.ID
	part           string
}

// LogReads installs the access log on client: from then on every read of
// a part of a file (anything but the list summary of persons) by someone
// other than the platform writes, in the reader's transaction, one entry
// per person and part the query returned, with the viewer's reason. The
// server installs it once, with the module.
func LogReads(client *ent.Client) {
	client.Intercept(ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			value, err := next.Query(ctx, q)
			v := viewer.FromContext(ctx)
			if err != nil || v == nil || v.System {
				return value, err
			}
			reads := readsOf(value)
			if len(reads) == 0 {
				return value, nil
			}
			return value, writeLog(ctx, txn.Client(ctx, client), v, reads, v.Reason)
		})
	}))
}

// readsOf lists the parts of files a query's result holds, once each.
func readsOf(value ent.Value) []read {
	switch rows := value.(type) {
	case []*ent.PersonContact:
		return partReads(rows, "contacts", func(r *ent.PersonContact) (pulid.ID, pulid.ID) { return r.MemberID, r.PersonID })
	case []*ent.Stay:
		return partReads(rows, "stays", func(r *ent.Stay) (pulid.ID, pulid.ID) { return r.MemberID, r.PersonID })
	case []*ent.NeedAssessment:
		return partReads(rows, "needs", func(r *ent.NeedAssessment) (pulid.ID, pulid.ID) { return r.MemberID, r.PersonID })
	case []*ent.PersonalProject:
		return partReads(rows, "projects", func(r *ent.PersonalProject) (pulid.ID, pulid.ID) { return r.MemberID, r.PersonID })
	case []*ent.Activity:
		return partReads(rows, "activities", func(r *ent.Activity) (pulid.ID, pulid.ID) { return r.MemberID, r.PersonID })
	case []*ent.JournalNote:
		return partReads(rows, "notes", func(r *ent.JournalNote) (pulid.ID, pulid.ID) { return r.MemberID, r.PersonID })
	case []*ent.Consent:
		return partReads(rows, "consents", func(r *ent.Consent) (pulid.ID, pulid.ID) { return r.MemberID, r.PersonID })
	}
	return nil
}

// partReads lists the files rows are part of, once each.
func partReads[T any](rows []T, part string, file func(T) (member, person pulid.ID)) []read {
	var reads []read
	seen := make(map[read]bool)
	for _, row := range rows {
		member, person := file(row)
		if r := (read{member, person, part}); !seen[r] {
			seen[r] = true
			reads = append(reads, r)
		}
	}
	return reads
}

// writeLog writes the access log entries of reads by v.
func writeLog(ctx context.Context, tx *ent.Client, v *viewer.Viewer, reads []read, reason string) error {
	creates := make([]*ent.AccessLogEntryCreate, len(reads))
	for i, r := range reads {
		creates[i] = tx.AccessLogEntry.Create().
			SetMemberID(r.member).SetPersonID(r.person).SetPart(r.part).
			SetNillableAccountID(accountOf(v.AccountID)).SetActor(v.Email).SetReason(reason)
	}
	return tx.AccessLogEntry.CreateBulk(creates...).Exec(viewer.SystemContext(ctx))
}

// logRead records one read of part of p's file by the viewer of ctx.
func logRead(ctx context.Context, client *ent.Client, p *ent.Person, part, reason string) error {
	v, err := signedIn(ctx)
	if err != nil || v.System {
		return err
	}
	if reason == "" {
		reason = v.Reason
	}
	return writeLog(ctx, txn.Client(ctx, client), v, []read{{p.MemberID, p.ID, part}}, reason)
}

// INS opens a person's national health identifier; the read is logged.
func (s *Service) INS(ctx context.Context, p *ent.Person) (*string, error) {
	if p.InsSealed == nil {
		return nil, nil
	}
	if err := logRead(ctx, s.client, p, "identity", ""); err != nil {
		return nil, err
	}
	ins, err := s.open(person.Table, p.ID, person.FieldInsSealed, p.InsSealed)
	return &ins, err
}
