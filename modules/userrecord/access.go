package userrecord

import (
	"context"
	"fmt"
	"sync"

	"communs"
	"communs/ent"
	"communs/ent/activity"
	"communs/ent/careassignment"
	"communs/ent/consent"
	"communs/ent/journalnote"
	"communs/ent/needassessment"
	"communs/ent/person"
	"communs/ent/personalproject"
	"communs/ent/personcontact"
	"communs/ent/roleassignment"
	"communs/ent/schema/pulid"
	"communs/ent/stay"
	"communs/ent/supportaccess"
	"communs/internal/txn"
	"communs/internal/validate"
	"communs/internal/viewer"
	"communs/modules/support"
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
		// Read as the viewer: another member's establishment answers as
		// one that does not exist.
		e, err := tx.Establishment.Get(ctx, in.EstablishmentID)
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

// SupportInput grants one of the groupement's accounts a support access
// to the member's files.
type SupportInput = support.Request

// GrantSupport lets one of the groupement's accounts read the member's
// files for some hours (a week at most): the member's administrators
// decide, and say why. Every read under it is in the access log.
func (s *Service) GrantSupport(ctx context.Context, in SupportInput) (*ent.SupportAccess, error) {
	return support.Grant(ctx, s.client, s.now(), supportaccess.ScopeUSERRECORD, in)
}

// RevokeSupport ends a support access now.
func (s *Service) RevokeSupport(ctx context.Context, id pulid.ID) (*ent.SupportAccess, error) {
	return support.Revoke(ctx, s.client, s.now(), id)
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
			tx := txn.Client(ctx, client)
			reads, err := readsOf(viewer.SystemContext(ctx), tx, value)
			if err != nil || len(reads) == 0 {
				return value, err
			}
			return value, writeLog(ctx, tx, v, reads, v.Reason)
		})
	}))
}

// fileColumns are the columns that say whose file a row is part of: every
// part of a file has them.
var fileColumns = []string{"id", "member_id", "person_id"}

// readsOf lists the parts of files a query's result holds, once each. The
// rows name their file only when the query selected its columns (a
// GraphQL query selects what it asks for): the files of the others are
// read again by id.
func readsOf(ctx context.Context, tx *ent.Client, value ent.Value) ([]read, error) {
	switch rows := value.(type) {
	case []*ent.PersonContact:
		return fileReads(rows, "contacts", func(r *ent.PersonContact) fileKey { return fileKey{r.ID, r.MemberID, r.PersonID} },
			func(ids []pulid.ID) ([]*ent.PersonContact, error) {
				return tx.PersonContact.Query().Where(personcontact.IDIn(ids...)).Select(fileColumns...).All(ctx)
			})
	case []*ent.Stay:
		return fileReads(rows, "stays", func(r *ent.Stay) fileKey { return fileKey{r.ID, r.MemberID, r.PersonID} },
			func(ids []pulid.ID) ([]*ent.Stay, error) {
				return tx.Stay.Query().Where(stay.IDIn(ids...)).Select(fileColumns...).All(ctx)
			})
	case []*ent.NeedAssessment:
		return fileReads(rows, "needs", func(r *ent.NeedAssessment) fileKey { return fileKey{r.ID, r.MemberID, r.PersonID} },
			func(ids []pulid.ID) ([]*ent.NeedAssessment, error) {
				return tx.NeedAssessment.Query().Where(needassessment.IDIn(ids...)).Select(fileColumns...).All(ctx)
			})
	case []*ent.PersonalProject:
		return fileReads(rows, "projects", func(r *ent.PersonalProject) fileKey { return fileKey{r.ID, r.MemberID, r.PersonID} },
			func(ids []pulid.ID) ([]*ent.PersonalProject, error) {
				return tx.PersonalProject.Query().Where(personalproject.IDIn(ids...)).Select(fileColumns...).All(ctx)
			})
	case []*ent.Activity:
		return fileReads(rows, "activities", func(r *ent.Activity) fileKey { return fileKey{r.ID, r.MemberID, r.PersonID} },
			func(ids []pulid.ID) ([]*ent.Activity, error) {
				return tx.Activity.Query().Where(activity.IDIn(ids...)).Select(fileColumns...).All(ctx)
			})
	case []*ent.JournalNote:
		return fileReads(rows, "notes", func(r *ent.JournalNote) fileKey { return fileKey{r.ID, r.MemberID, r.PersonID} },
			func(ids []pulid.ID) ([]*ent.JournalNote, error) {
				return tx.JournalNote.Query().Where(journalnote.IDIn(ids...)).Select(fileColumns...).All(ctx)
			})
	case []*ent.Consent:
		return fileReads(rows, "consents", func(r *ent.Consent) fileKey { return fileKey{r.ID, r.MemberID, r.PersonID} },
			func(ids []pulid.ID) ([]*ent.Consent, error) {
				return tx.Consent.Query().Where(consent.IDIn(ids...)).Select(fileColumns...).All(ctx)
			})
	}
	return nil, nil
}

// fileKey is a row of a file and the file it is part of.
type fileKey struct{ id, member, person pulid.ID }

// fileReads lists the files rows are part of, once each, reading again
// the file of the rows loaded without it. A row whose file stays unknown
// fails the read: an entry must name the member and the person.
func fileReads[T any](rows []T, part string, key func(T) fileKey, reload func([]pulid.ID) ([]T, error)) ([]read, error) {
	keys := make([]fileKey, 0, len(rows))
	var unnamed []pulid.ID
	for _, row := range rows {
		k := key(row)
		if k.member == "" || k.person == "" {
			unnamed = append(unnamed, k.id)
			continue
		}
		keys = append(keys, k)
	}
	if len(unnamed) > 0 {
		reloaded, err := reload(unnamed)
		if err != nil {
			return nil, err
		}
		for _, row := range reloaded {
			keys = append(keys, key(row))
		}
		if len(keys) != len(rows) {
			return nil, fmt.Errorf("userrecord: %d %s rows read without their file", len(rows)-len(keys), part)
		}
	}
	var reads []read
	seen := make(map[read]bool)
	for _, k := range keys {
		if r := (read{k.member, k.person, part}); !seen[r] {
			seen[r] = true
			reads = append(reads, r)
		}
	}
	return reads, nil
}

// requestReads are the reads one request has logged already.
type requestReads struct {
	mu     sync.Mutex
	logged map[read]bool
}

type requestReadsKey struct{}

// LogOncePerRequest returns the context of one request in which each part
// of each file is logged once, however many of its queries read it (the
// notes of a file and the notes they amend, a person's identity on two
// paths). The GraphQL handler gives it to every operation.
func LogOncePerRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestReadsKey{}, &requestReads{logged: make(map[read]bool)})
}

// unlogged keeps the reads the request of ctx has not logged yet, and
// counts them as logged.
func unlogged(ctx context.Context, reads []read) []read {
	r, ok := ctx.Value(requestReadsKey{}).(*requestReads)
	if !ok {
		return reads
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var fresh []read
	for _, read := range reads {
		if !r.logged[read] {
			r.logged[read] = true
			fresh = append(fresh, read)
		}
	}
	return fresh
}

// writeLog writes the access log entries of reads by v, but for those the
// request logged already.
func writeLog(ctx context.Context, tx *ent.Client, v *viewer.Viewer, reads []read, reason string) error {
	if err := validate.Text(reason, viewer.MaxReasonLength); err != nil {
		return communs.InvalidField("reason", "the reason is %v", err)
	}
	if reads = unlogged(ctx, reads); len(reads) == 0 {
		return nil
	}
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
