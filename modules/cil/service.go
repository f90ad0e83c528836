// Package cil is the CIL module: the GDPR register of processing
// activities (Art. 30) of the groupement and of each member, DPIA
// screening, the breach register (Art. 33(5)) and the data-subject request
// log, kept by the CIL referents.
package cil

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/breach"
	"communs/ent/cildelegation"
	"communs/ent/processingrecord"
	"communs/ent/processingrevision"
	"communs/ent/schema/pulid"
	"communs/ent/subjectrequest"
	"communs/internal/calendar"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// Service keeps the registers. Who may call which operation is decided by
// the module's policy lines; which member's rows a viewer reads, by row
// isolation; who keeps which register (and the delegations), here.
type Service struct {
	client *ent.Client
	now    func() time.Time
}

// New returns the service over client.
func New(client *ent.Client) *Service { return &Service{client: client, now: time.Now} }

func (s *Service) today() time.Time { return calendar.DayInParis(s.now()) }

// mayKeep refuses a viewer who does not keep the register of owner (nil:
// the groupement's): the groupement's CIL referent keeps the groupement's
// and, while it is delegated, a member's; a member's CIL keeps its own.
func mayKeep(ctx context.Context, tx *ent.Client, owner *pulid.ID) error {
	v := viewer.FromContext(ctx)
	switch {
	case v == nil:
		return communs.Errorf(communs.EUNAUTHENTICATED, "log in first")
	case v.System:
		return nil
	case owner != nil && slices.Contains(v.MemberIDs("member_cil"), *owner):
		return nil
	case !v.HasRole("gsm_cil"):
		return communs.Errorf(communs.EFORBIDDEN, "the register is kept by its CIL referent")
	case owner == nil:
		return nil
	}
	delegated, err := tx.CilDelegation.Query().
		Where(cildelegation.MemberID(*owner), cildelegation.RevokedAtIsNil()).Exist(viewer.SystemContext(ctx))
	if err != nil {
		return err
	}
	if !delegated {
		return communs.Errorf(communs.EFORBIDDEN, "the member has not delegated its register to the groupement's CIL referent")
	}
	return nil
}

// readableRecords refuses ids that name no processing record the writer
// reads: a breach or a request may not name another member's records, nor
// records that do not exist.
func readableRecords(ctx context.Context, tx *ent.Client, field string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	wanted := make([]pulid.ID, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(wanted, pulid.ID(id)) {
			wanted = append(wanted, pulid.ID(id))
		}
	}
	found, err := tx.ProcessingRecord.Query().Where(processingrecord.IDIn(wanted...)).IDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range wanted {
		if !slices.Contains(found, id) {
			return communs.InvalidField(field, "no processing record %s", id)
		}
	}
	return nil
}

// CreateRecord adds a record to a register (no member: the groupement's).
func (s *Service) CreateRecord(ctx context.Context, in ent.CreateProcessingRecordInput) (*ent.ProcessingRecord, error) {
	if err := CheckCriteria(in.DpiaCriteria); err != nil {
		return nil, communs.InvalidField("dpiaCriteria", "%s", err)
	}
	return s.addRecord(ctx, in.MemberID, func(ctx context.Context, tx *ent.Client) (*ent.ProcessingRecordCreate, error) {
		return tx.ProcessingRecord.Create().SetInput(in).
			SetDpiaRequired(DPIARequired(in.DpiaCriteria, in.DpiaCnilList != nil && *in.DpiaCnilList)), nil
	})
}

// addRecord saves the record build makes in owner's register (nil: the
// groupement's), if the viewer keeps it, with its first revision.
func (s *Service) addRecord(ctx context.Context, owner *pulid.ID, build func(context.Context, *ent.Client) (*ent.ProcessingRecordCreate, error)) (*ent.ProcessingRecord, error) {
	var saved *ent.ProcessingRecord
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		if err := mayKeep(ctx, tx, owner); err != nil {
			return err
		}
		create, err := build(ctx, tx)
		if err != nil {
			return err
		}
		r, err := create.Save(ctx)
		if err != nil {
			return err
		}
		saved, err = writeRevision(ctx, tx, r, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, saved), nil
}

// subscriptionOwned are the fields of a processor record derived from a
// subscription that the subscription keeps: the CIL completes the others
// (purposes, security measures, transfers…).
var subscriptionOwned = []string{"name", "status", "controller", "processor", "processing_categories", "resource_codes"}

// UpdateRecord changes a record and writes its next revision. Every field
// of the input either changes the record or is refused: the revisions are
// the register's own, and a record derived from a subscription keeps the
// fields the subscription owns.
func (s *Service) UpdateRecord(ctx context.Context, id pulid.ID, in ent.UpdateProcessingRecordInput) (*ent.ProcessingRecord, error) {
	if err := refuseFields(in, []string{"revision", "revisions"}, "the revisions are written by the register at every change"); err != nil {
		return nil, err
	}
	return s.changeRecord(ctx, id, func(u *ent.ProcessingRecordUpdateOne, r *ent.ProcessingRecord) error {
		if r.DerivedFromSubscriptionID != nil {
			err := refuseFields(in, subscriptionOwned, "this processor record follows its subscription, which keeps this field; complete the others")
			if err != nil {
				return err
			}
		}
		criteria := r.DpiaCriteria
		if in.DpiaCriteria != nil || in.ClearDpiaCriteria {
			criteria = in.DpiaCriteria
		}
		if err := CheckCriteria(criteria); err != nil {
			return communs.InvalidField("dpiaCriteria", "%s", err)
		}
		listed := r.DpiaCnilList
		if in.DpiaCnilList != nil {
			listed = *in.DpiaCnilList
		}
		u.SetInput(in).SetDpiaRequired(DPIARequired(criteria, listed))
		return appendLists(ctx, u.Mutation(), in)
	})
}

// ArchiveRecord archives a record: it stays readable.
func (s *Service) ArchiveRecord(ctx context.Context, id pulid.ID) (*ent.ProcessingRecord, error) {
	return s.changeRecord(ctx, id, func(u *ent.ProcessingRecordUpdateOne, r *ent.ProcessingRecord) error {
		if r.Status == processingrecord.StatusARCHIVED {
			return communs.Errorf(communs.ECONFLICT, "the record is archived already")
		}
		if r.DerivedFromSubscriptionID != nil {
			return communs.Errorf(communs.ECONFLICT, "a processor record derived from a subscription is archived when the subscription ends")
		}
		u.SetStatus(processingrecord.StatusARCHIVED)
		return nil
	})
}

// changeRecord applies change to a record its keeper may change, in one
// transaction with the record's next revision.
func (s *Service) changeRecord(ctx context.Context, id pulid.ID, change func(*ent.ProcessingRecordUpdateOne, *ent.ProcessingRecord) error) (*ent.ProcessingRecord, error) {
	var saved *ent.ProcessingRecord
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		r, err := tx.ProcessingRecord.Get(ctx, id)
		if ent.IsNotFound(err) {
			return communs.Errorf(communs.ENOTFOUND, "processing record %s not found", id)
		}
		if err != nil {
			return err
		}
		if err := mayKeep(ctx, tx, r.MemberID); err != nil {
			return err
		}
		u := tx.ProcessingRecord.UpdateOne(r)
		if err := change(u, r); err != nil {
			return err
		}
		updated, err := u.Save(ctx)
		if err != nil {
			return err
		}
		saved, err = writeRevision(ctx, tx, updated, r)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, saved), nil
}

// writeRevision records r as its next revision (the first when previous is
// nil): who, when, the fields changed and the whole record.
func writeRevision(ctx context.Context, tx *ent.Client, r, previous *ent.ProcessingRecord) (*ent.ProcessingRecord, error) {
	revision, changed := 1, []string{}
	after := snapshot(r)
	if previous != nil {
		revision = previous.Revision + 1
		for _, c := range Diff(snapshot(previous), after) {
			changed = append(changed, c.Field)
		}
		if len(changed) == 0 {
			return r, nil
		}
		var err error
		if r, err = tx.ProcessingRecord.UpdateOne(r).SetRevision(revision).Save(ctx); err != nil {
			return nil, err
		}
	}
	author := "platform"
	if v := viewer.FromContext(ctx); v != nil && v.Email != "" {
		author = v.Email
	}
	err := tx.ProcessingRevision.Create().SetRecordID(r.ID).SetRevision(revision).
		SetAuthor(author).SetChanged(changed).SetSnapshot(after).Exec(viewer.SystemContext(ctx))
	return r, err
}

// snapshot is the record's content as a revision keeps it.
func snapshot(r *ent.ProcessingRecord) map[string]any {
	raw, _ := json.Marshal(r)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	for _, k := range []string{"id", "created_at", "updated_at", "revision", "edges"} {
		delete(out, k)
	}
	return out
}

// CompareRevisions lists what changed from revision from to revision to of
// a record.
func (s *Service) CompareRevisions(ctx context.Context, recordID pulid.ID, from, to int) ([]Change, error) {
	revisions, err := s.client.ProcessingRevision.Query().
		Where(processingrevision.RecordID(recordID), processingrevision.RevisionIn(from, to)).All(ctx)
	if err != nil {
		return nil, err
	}
	byNumber := map[int]map[string]any{}
	for _, r := range revisions {
		byNumber[r.Revision] = r.Snapshot
	}
	a, okA := byNumber[from]
	b, okB := byNumber[to]
	if !okA || !okB {
		return nil, communs.Errorf(communs.ENOTFOUND, "record %s has no revision %d or %d", recordID, from, to)
	}
	return Diff(a, b), nil
}

// RecordBreach adds a breach to a register.
func (s *Service) RecordBreach(ctx context.Context, in ent.CreateBreachInput) (*ent.Breach, error) {
	if err := checkBreach(in.DetectedAt, in.AuthorityNotifiedAt, deref(in.LateNotificationReason)); err != nil {
		return nil, err
	}
	var saved *ent.Breach
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		if err := mayKeep(ctx, tx, in.MemberID); err != nil {
			return err
		}
		if err := readableRecords(ctx, tx, "recordIds", in.RecordIds...); err != nil {
			return err
		}
		var err error
		saved, err = tx.Breach.Create().SetInput(in).Save(ctx)
		return err
	})
	return saved, err
}

// UpdateBreach completes a breach: notification, information of the
// persons, measures.
func (s *Service) UpdateBreach(ctx context.Context, id pulid.ID, in ent.UpdateBreachInput) (*ent.Breach, error) {
	var saved *ent.Breach
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		b, err := tx.Breach.Get(ctx, id)
		if ent.IsNotFound(err) {
			return communs.Errorf(communs.ENOTFOUND, "breach %s not found", id)
		}
		if err != nil {
			return err
		}
		if err := mayKeep(ctx, tx, b.MemberID); err != nil {
			return err
		}
		if err := readableRecords(ctx, tx, "recordIds", append(in.RecordIds, in.AppendRecordIds...)...); err != nil {
			return err
		}
		detected, notified, reason := b.DetectedAt, b.AuthorityNotifiedAt, b.LateNotificationReason
		if in.DetectedAt != nil {
			detected = *in.DetectedAt
		}
		if in.AuthorityNotifiedAt != nil {
			notified = in.AuthorityNotifiedAt
		}
		if in.ClearAuthorityNotifiedAt {
			notified = nil
		}
		if in.LateNotificationReason != nil {
			reason = *in.LateNotificationReason
		}
		if err := checkBreach(detected, notified, reason); err != nil {
			return err
		}
		u := tx.Breach.UpdateOne(b).SetInput(in)
		if err := appendLists(ctx, u.Mutation(), in); err != nil {
			return err
		}
		saved, err = u.Save(ctx)
		return err
	})
	return saved, err
}

func checkBreach(detected time.Time, notified *time.Time, reason string) error {
	if err := CheckBreachNotification(detected, notified, reason); err != nil {
		return communs.InvalidField("lateNotificationReason", "%s", err)
	}
	return nil
}

// LogRequest logs a data subject's request; it is due one month after
// receipt.
func (s *Service) LogRequest(ctx context.Context, in ent.CreateSubjectRequestInput) (*ent.SubjectRequest, error) {
	received := calendar.Day(in.ReceivedOn)
	if received.After(s.today()) {
		return nil, communs.InvalidField("receivedOn", "a request cannot be received in the future")
	}
	var saved *ent.SubjectRequest
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		if err := mayKeep(ctx, tx, in.MemberID); err != nil {
			return err
		}
		if in.RecordID != nil {
			if err := readableRecords(ctx, tx, "recordID", string(*in.RecordID)); err != nil {
				return err
			}
		}
		var err error
		saved, err = tx.SubjectRequest.Create().SetInput(in).
			SetReceivedOn(received).SetDueOn(DueOn(received, false)).Save(ctx)
		return err
	})
	return saved, err
}

// ExtendRequest extends the answer's time limit by two months (Art. 12(3)),
// with the reason, which the person must be told.
func (s *Service) ExtendRequest(ctx context.Context, id pulid.ID, reason string) (*ent.SubjectRequest, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, communs.InvalidField("reason", "an extension is given with its reason")
	}
	return s.changeRequest(ctx, id, func(r *ent.SubjectRequest, u *ent.SubjectRequestUpdateOne) error {
		if r.ExtensionReason != "" {
			return communs.Errorf(communs.ECONFLICT, "the request was extended already")
		}
		u.SetExtensionReason(reason).SetDueOn(DueOn(r.ReceivedOn, true))
		return nil
	})
}

// AnswerRequest closes a request: answered, or refused (with the reasons
// told to the person).
func (s *Service) AnswerRequest(ctx context.Context, id pulid.ID, status subjectrequest.Status, answeredOn time.Time) (*ent.SubjectRequest, error) {
	if status != subjectrequest.StatusANSWERED && status != subjectrequest.StatusREFUSED && status != subjectrequest.StatusIN_PROGRESS {
		return nil, communs.InvalidField("status", "IN_PROGRESS, ANSWERED or REFUSED")
	}
	return s.changeRequest(ctx, id, func(r *ent.SubjectRequest, u *ent.SubjectRequestUpdateOne) error {
		if r.Status == subjectrequest.StatusANSWERED || r.Status == subjectrequest.StatusREFUSED {
			return communs.Errorf(communs.ECONFLICT, "the request is %s already", r.Status)
		}
		u.SetStatus(status)
		if status != subjectrequest.StatusIN_PROGRESS {
			u.SetAnsweredOn(calendar.Day(answeredOn))
		}
		return nil
	})
}

func (s *Service) changeRequest(ctx context.Context, id pulid.ID, change func(*ent.SubjectRequest, *ent.SubjectRequestUpdateOne) error) (*ent.SubjectRequest, error) {
	var saved *ent.SubjectRequest
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		r, err := tx.SubjectRequest.Get(ctx, id)
		if ent.IsNotFound(err) {
			return communs.Errorf(communs.ENOTFOUND, "request %s not found", id)
		}
		if err != nil {
			return err
		}
		if err := mayKeep(ctx, tx, r.MemberID); err != nil {
			return err
		}
		u := tx.SubjectRequest.UpdateOne(r)
		if err := change(r, u); err != nil {
			return err
		}
		saved, err = u.Save(ctx)
		return err
	})
	return saved, err
}

// Todo is what a register's keepers have to do.
type Todo struct {
	ReviewsDue      []*ent.ProcessingRecord
	OverdueRequests []*ent.SubjectRequest
	// IncompleteRecords are the unarchived records that lack what Art. 30
	// asks (MissingFields).
	IncompleteRecords []*ent.ProcessingRecord
	// LateBreaches are the breaches detected more than 72 hours ago,
	// neither notified to the authority nor recorded as not to notify.
	LateBreaches []LateBreach
}

// LateBreach is a breach past the notification delay, and the hours
// since its detection.
type LateBreach struct {
	Breach       *ent.Breach
	HoursElapsed int
}

// TodoOf returns, of the registers the viewer reads: the active records
// whose review date has come, the open requests past their due date, the
// incomplete records and the breaches past 72 hours without notification.
func (s *Service) TodoOf(ctx context.Context) (*Todo, error) {
	today, now := s.today(), s.now()
	reviews, err := s.client.ProcessingRecord.Query().
		Where(processingrecord.StatusEQ(processingrecord.StatusACTIVE), processingrecord.NextReviewOnLTE(today)).
		Order(ent.Asc(processingrecord.FieldNextReviewOn)).All(ctx)
	if err != nil {
		return nil, err
	}
	overdue, err := s.client.SubjectRequest.Query().
		Where(subjectrequest.StatusIn(subjectrequest.StatusRECEIVED, subjectrequest.StatusIN_PROGRESS),
			subjectrequest.DueOnLT(today)).
		Order(ent.Asc(subjectrequest.FieldDueOn)).All(ctx)
	if err != nil {
		return nil, err
	}
	open, err := s.client.ProcessingRecord.Query().
		Where(processingrecord.StatusNEQ(processingrecord.StatusARCHIVED)).
		Order(ent.Asc(processingrecord.FieldName), ent.Asc(processingrecord.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	late, err := s.client.Breach.Query().
		Where(breach.AuthorityNotifiedAtIsNil(), breach.AuthorityNotNotified(false),
			breach.DetectedAtLT(now.Add(-BreachNotificationDelay))).
		Order(ent.Asc(breach.FieldDetectedAt)).All(ctx)
	if err != nil {
		return nil, err
	}
	todo := &Todo{ReviewsDue: reviews, OverdueRequests: overdue}
	for _, r := range open {
		if len(MissingFields(r)) > 0 {
			todo.IncompleteRecords = append(todo.IncompleteRecords, r)
		}
	}
	for _, b := range late {
		todo.LateBreaches = append(todo.LateBreaches, LateBreach{Breach: b, HoursElapsed: int(now.Sub(b.DetectedAt).Hours())})
	}
	return todo, nil
}

// requireAdmin refuses a viewer who is not an administrator of memberID:
// the delegation is the member's act.
func requireAdmin(ctx context.Context, memberID pulid.ID) error {
	if v := viewer.FromContext(ctx); v == nil || !slices.Contains(v.MemberIDs("member_admin"), memberID) {
		return communs.Errorf(communs.EFORBIDDEN, "only an administrator of the member delegates its register or revokes the delegation")
	}
	return nil
}

// Delegate delegates a member's register to the groupement's CIL referent.
func (s *Service) Delegate(ctx context.Context, memberID pulid.ID) (*ent.CilDelegation, error) {
	if err := requireAdmin(ctx, memberID); err != nil {
		return nil, err
	}
	var saved *ent.CilDelegation
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		active, err := tx.CilDelegation.Query().
			Where(cildelegation.MemberID(memberID), cildelegation.RevokedAtIsNil()).Exist(ctx)
		if err != nil {
			return err
		}
		if active {
			return communs.Errorf(communs.ECONFLICT, "the register is delegated already")
		}
		saved, err = tx.CilDelegation.Create().SetMemberID(memberID).SetGrantedBy(actor(ctx)).Save(ctx)
		if ent.IsConstraintError(err) {
			return communs.Errorf(communs.ECONFLICT, "the register is delegated already")
		}
		return err
	})
	return saved, err
}

// RevokeDelegation ends a member's delegation.
func (s *Service) RevokeDelegation(ctx context.Context, memberID pulid.ID) (*ent.CilDelegation, error) {
	if err := requireAdmin(ctx, memberID); err != nil {
		return nil, err
	}
	var saved *ent.CilDelegation
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		d, err := tx.CilDelegation.Query().
			Where(cildelegation.MemberID(memberID), cildelegation.RevokedAtIsNil()).Only(ctx)
		if ent.IsNotFound(err) {
			return communs.Errorf(communs.ECONFLICT, "the register is not delegated")
		}
		if err != nil {
			return err
		}
		saved, err = tx.CilDelegation.UpdateOne(d).SetRevokedAt(s.now().UTC()).SetRevokedBy(actor(ctx)).Save(ctx)
		return err
	})
	return saved, err
}

func actor(ctx context.Context) string {
	if v := viewer.FromContext(ctx); v != nil {
		return v.Email
	}
	return ""
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
