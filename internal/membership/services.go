package membership

import (
	"context"
	"slices"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/member"
	"communs/ent/schema/pulid"
	"communs/ent/servicerequest"
	"communs/ent/timeentry"
	"communs/internal/calendar"
	"communs/internal/charging"
	"communs/internal/money"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// ServiceRequests run the startup and supplementary services a member
// asks of the groupement, and the time spent on them.
type ServiceRequests struct{ *workflow }

// Services: a member asks the groupement for a startup service
// (installation, configuration, skills transfer) or a supplementary one
// (specific development, study, advice) (REQUESTED); the groupement
// estimates its time and amount (ESTIMATED, and again as long as the
// member has not agreed); the member's administrator agrees to the
// estimate (AGREED); the groupement records the time its staff spend
// (IN_PROGRESS) and completes it (DONE). Either side may cancel it while
// no time was spent (CANCELLED). Services are billed on the time spent.
//
// A startup service comes with the membership: time may be recorded as
// soon as it is estimated. A supplementary service needs the member's
// prior agreement: no time is recorded before it, nor for a day before the
// day it was given.
//
// Every step runs under the caller's viewer: a member's people see and
// touch their own member's requests only (another member's is NOT_FOUND).

// maxServiceTitle is the longest title of a service request, in bytes as
// the schema counts it (MaxLen).
const maxServiceTitle = 300

// maxStaffName is the longest name of a staff member on a time entry, in
// bytes as the schema counts it (MaxLen).
const maxStaffName = 200

// maxRevisionReason is the longest reason of a revised estimate, in bytes.
const maxRevisionReason = 1000

// minutesPerDay is the most time one entry records: a day.
const minutesPerDay = 24 * 60

// ServiceRequestInput is a member's request for a service.
type ServiceRequestInput struct {
	MemberID    pulid.ID
	ResourceID  *pulid.ID // the resource the service is about, if any
	Kind        servicerequest.Kind
	Title       string
	Description string
}

// TimeEntryInput is time a staff member spent on a service request.
type TimeEntryInput struct {
	ServiceRequestID pulid.ID
	StaffName        string
	WorkedOn         time.Time // a date
	Minutes          int
	HourlyRate       int64 // cents
	Note             string
}

// ServiceActual is the time spent on a service request and what it
// amounts to, in cents.
type ServiceActual struct {
	Minutes int
	Amount  int64
}

// Request records a member's request for a service (REQUESTED),
// made by one of the member's administrators or staff, or by the
// groupement's staff on its behalf. The member must be ACTIVE; the
// resource, when one is named, must be in the catalogue.
func (s *ServiceRequests) Request(ctx context.Context, in ServiceRequestInput) (*ent.ServiceRequest, error) {
	if err := requireMemberWriter(ctx, in.MemberID); err != nil {
		return nil, err
	}
	if servicerequest.KindValidator(in.Kind) != nil {
		return nil, communs.InvalidField("kind", "a service is STARTUP or SUPPLEMENTARY, not %q", in.Kind)
	}
	title, err := requiredText("title", in.Title, maxServiceTitle)
	if err != nil {
		return nil, err
	}
	description := strings.TrimSpace(in.Description)

	var created *ent.ServiceRequest
	err = s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		m, err := tx.Member.Get(ctx, in.MemberID)
		if err != nil {
			return notFoundAs(err, "member %s not found", in.MemberID)
		}
		if m.Status != member.StatusACTIVE {
			return communs.Errorf(communs.ECONFLICT, "%s is %s: it cannot request services", m.Name, m.Status)
		}
		if in.ResourceID != nil {
			if _, err := tx.Resource.Get(ctx, *in.ResourceID); err != nil {
				return invalidReference(err, "resourceId", "no resource %s in the catalogue", *in.ResourceID)
			}
		}
		created, err = tx.ServiceRequest.Create().
			SetMemberID(in.MemberID).
			SetNillableResourceID(in.ResourceID).
			SetKind(in.Kind).
			SetTitle(title).
			SetDescription(description).
			SetStatus(servicerequest.StatusREQUESTED).
			Save(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, created), nil
}

// Estimate records the groupement's estimate of a REQUESTED
// service, or replaces the estimate of an ESTIMATED one the member has not
// agreed to yet (ESTIMATED): minutes of work, more than zero, and the
// amount in cents, zero or more.
func (s *ServiceRequests) Estimate(ctx context.Context, id pulid.ID, minutes int, amount int64) (*ent.ServiceRequest, error) {
	if err := checkEstimate(minutes, amount, "minutes", "amount"); err != nil {
		return nil, err
	}
	return s.moveService(ctx, id, func(ctx context.Context, tx *ent.Client, sr *ent.ServiceRequest) (servicerequest.Status, func(*ent.ServiceRequestUpdate), error) {
		if sr.Status != servicerequest.StatusREQUESTED && sr.Status != servicerequest.StatusESTIMATED {
			return "", nil, communs.Errorf(communs.ECONFLICT,
				"the service request is %s: only a REQUESTED or ESTIMATED request can be estimated", sr.Status)
		}
		return servicerequest.StatusESTIMATED, func(u *ent.ServiceRequestUpdate) {
			u.SetEstimatedMinutes(minutes).SetEstimatedAmount(amount)
		}, nil
	})
}

// Agree records the member's prior agreement to the estimate of an
// ESTIMATED service (AGREED), with when it was given and by whom. Only an
// administrator of the request's member agrees: the groupement's roles are
// refused, as the agreement is the member's.
func (s *ServiceRequests) Agree(ctx context.Context, id pulid.ID, estimatedAmount int64) (*ent.ServiceRequest, error) {
	return s.moveService(ctx, id, func(ctx context.Context, tx *ent.Client, sr *ent.ServiceRequest) (servicerequest.Status, func(*ent.ServiceRequestUpdate), error) {
		v, err := memberAgreement(ctx, sr)
		if err != nil {
			return "", nil, err
		}
		if sr.Status != servicerequest.StatusESTIMATED || sr.EstimatedMinutes == nil || sr.EstimatedAmount == nil {
			return "", nil, communs.Errorf(communs.ECONFLICT,
				"the service request is %s: a service is agreed on its estimate, so only an ESTIMATED request can be agreed", sr.Status)
		}
		if *sr.EstimatedAmount != estimatedAmount {
			return "", nil, communs.Errorf(communs.ECONFLICT,
				"the estimate is now %s €, not the amount agreed: read it again before agreeing", money.Format(*sr.EstimatedAmount))
		}
		at, by := s.now().UTC(), v.Email
		return servicerequest.StatusAGREED, func(u *ent.ServiceRequestUpdate) {
			u.SetAgreedAt(at).SetAgreedBy(by)
		}, nil
	})
}

// ReviseEstimate proposes a revised estimate of a service already under
// way (AGREED, IN_PROGRESS or DONE, or ESTIMATED), with its reason: when
// the time spent goes past the estimate by more than the tolerance,
// billing stops at the ceiling (charging.BillingCeiling) until the
// member's administrator agrees to the revision (AgreeRevisedEstimate).
// The revision waits beside the estimate; it does not replace it.
func (s *ServiceRequests) ReviseEstimate(ctx context.Context, id pulid.ID, minutes int, amount int64, reason string) (*ent.ServiceRequest, error) {
	reason, err := requiredText("reason", reason, maxRevisionReason)
	if err != nil {
		return nil, err
	}
	if err := checkEstimate(minutes, amount, "estimatedMinutes", "estimatedAmount"); err != nil {
		return nil, err
	}
	return s.moveService(ctx, id, func(ctx context.Context, tx *ent.Client, sr *ent.ServiceRequest) (servicerequest.Status, func(*ent.ServiceRequestUpdate), error) {
		if sr.Status == servicerequest.StatusREQUESTED || sr.Status == servicerequest.StatusCANCELLED {
			return "", nil, communs.Errorf(communs.ECONFLICT,
				"the service request is %s: estimate it (estimateService) rather than revise it", sr.Status)
		}
		return sr.Status, func(u *ent.ServiceRequestUpdate) {
			u.SetRevisedEstimatedMinutes(minutes).SetRevisedEstimatedAmount(amount).SetRevisionReason(reason)
		}, nil
	})
}

// AgreeRevisedEstimate records the member's agreement to the revised
// estimate, naming its amount: the revision becomes the estimate, and the
// SERVICES step bills up to its new ceiling. Only an administrator of the
// request's member agrees.
func (s *ServiceRequests) AgreeRevisedEstimate(ctx context.Context, id pulid.ID, estimatedAmount int64) (*ent.ServiceRequest, error) {
	return s.moveService(ctx, id, func(ctx context.Context, tx *ent.Client, sr *ent.ServiceRequest) (servicerequest.Status, func(*ent.ServiceRequestUpdate), error) {
		v, err := memberAgreement(ctx, sr)
		if err != nil {
			return "", nil, err
		}
		if sr.RevisedEstimatedAmount == nil || sr.RevisedEstimatedMinutes == nil {
			return "", nil, communs.Errorf(communs.ECONFLICT, "no revised estimate waits for the member's agreement")
		}
		if *sr.RevisedEstimatedAmount != estimatedAmount {
			return "", nil, communs.Errorf(communs.ECONFLICT,
				"the revised estimate is %s €, not the amount agreed: read it again before agreeing", money.Format(*sr.RevisedEstimatedAmount))
		}
		minutes, by := *sr.RevisedEstimatedMinutes, v.Email
		return sr.Status, func(u *ent.ServiceRequestUpdate) {
			u.SetEstimatedMinutes(minutes).SetEstimatedAmount(estimatedAmount).SetAgreedBy(by).
				ClearRevisedEstimatedMinutes().ClearRevisedEstimatedAmount()
		}, nil
	})
}

// checkEstimate refuses an estimate of no minutes or of a negative
// amount, naming the input's fields.
func checkEstimate(minutes int, amount int64, minutesField, amountField string) error {
	if minutes <= 0 {
		return communs.InvalidField(minutesField, "an estimate is of more than zero minutes")
	}
	if amount < 0 {
		return communs.InvalidField(amountField, "an estimated amount cannot be negative")
	}
	return nil
}

// memberAgreement returns the viewer if it may give the member's
// agreement on sr (an administrator of its member), or why not.
func memberAgreement(ctx context.Context, sr *ent.ServiceRequest) (*viewer.Viewer, error) {
	v := viewer.FromContext(ctx)
	if v == nil || !slices.Contains(v.MemberIDs("member_admin"), sr.MemberID) {
		return nil, communs.Errorf(communs.EFORBIDDEN,
			"only a member_admin of the member may agree to a service or its estimate: the agreement is the member's")
	}
	return v, nil
}

// RecordTime records time a staff member of the groupement spent on a
// service, and puts the request IN_PROGRESS. The request must be
// estimated; a supplementary service must have the member's agreement, and
// its time is recorded from the day (in Paris) the agreement was given.
// The day worked may not be in the future; an entry is of 1 to 1440
// minutes, at an hourly rate in cents of zero or more.
func (s *ServiceRequests) RecordTime(ctx context.Context, in TimeEntryInput) (*ent.TimeEntry, error) {
	staffName, err := requiredText("staffName", in.StaffName, maxStaffName)
	if err != nil {
		return nil, err
	}
	if in.WorkedOn.IsZero() {
		return nil, communs.InvalidField("workedOn", "give the day the time was spent")
	}
	workedOn := calendar.Day(in.WorkedOn)
	if today := s.today(); workedOn.After(today) {
		return nil, communs.InvalidField("workedOn", "%s is in the future: record time once it is spent",
			workedOn.Format(time.DateOnly))
	}
	if in.Minutes < 1 || in.Minutes > minutesPerDay {
		return nil, communs.InvalidField("minutes", "a time entry is of 1 to %d minutes", minutesPerDay)
	}
	if in.HourlyRate < 0 {
		return nil, communs.InvalidField("hourlyRate", "an hourly rate cannot be negative")
	}
	note := strings.TrimSpace(in.Note)

	var recorded *ent.TimeEntry
	err = s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		// The lock serialises the entries of one request with its other
		// changes: no time is recorded on a request being completed or
		// cancelled.
		sr, err := lockServiceRequest(ctx, tx, in.ServiceRequestID)
		if err != nil {
			return err
		}
		if err := checkTimeRecordable(sr, workedOn); err != nil {
			return err
		}
		recorded, err = tx.TimeEntry.Create().
			SetServiceRequestID(sr.ID).
			SetStaffName(staffName).
			SetWorkedOn(workedOn).
			SetMinutes(in.Minutes).
			SetHourlyRate(in.HourlyRate).
			SetNote(note).
			Save(ctx)
		if err != nil {
			return err
		}
		if sr.Status == servicerequest.StatusIN_PROGRESS {
			return nil
		}
		return updateServiceRequest(ctx, tx, sr, servicerequest.StatusIN_PROGRESS, nil)
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, recorded), nil
}

// checkTimeRecordable refuses time on sr for workedOn when sr's state does
// not allow it.
func checkTimeRecordable(sr *ent.ServiceRequest, workedOn time.Time) error {
	switch sr.Status {
	case servicerequest.StatusDONE, servicerequest.StatusCANCELLED:
		return communs.Errorf(communs.ECONFLICT, "the service request is %s: no more time is recorded on it", sr.Status)
	case servicerequest.StatusREQUESTED:
		return communs.Errorf(communs.ECONFLICT, "the service request is %s: estimate the service first", sr.Status)
	}
	if sr.Kind != servicerequest.KindSUPPLEMENTARY {
		return nil // a startup service needs no agreement: ESTIMATED, AGREED or IN_PROGRESS
	}
	if (sr.Status != servicerequest.StatusAGREED && sr.Status != servicerequest.StatusIN_PROGRESS) || sr.AgreedAt == nil {
		return communs.Errorf(communs.ECONFLICT,
			"the supplementary service is %s without the member's agreement: no time is billed before the member's agreement", sr.Status)
	}
	if agreedOn := calendar.Day(sr.AgreedAt.In(calendar.Paris)); workedOn.Before(agreedOn) {
		return communs.InvalidField("workedOn",
			"the member agreed to the service on %s: no time is billed before the member's agreement",
			agreedOn.Format(time.DateOnly))
	}
	return nil
}

// Complete closes a service IN_PROGRESS (DONE): its time is then
// billed.
func (s *ServiceRequests) Complete(ctx context.Context, id pulid.ID) (*ent.ServiceRequest, error) {
	return s.moveService(ctx, id, func(ctx context.Context, tx *ent.Client, sr *ent.ServiceRequest) (servicerequest.Status, func(*ent.ServiceRequestUpdate), error) {
		if sr.Status != servicerequest.StatusIN_PROGRESS {
			return "", nil, communs.Errorf(communs.ECONFLICT,
				"the service request is %s: only a request IN_PROGRESS can be completed", sr.Status)
		}
		return servicerequest.StatusDONE, nil, nil
	})
}

// Cancel cancels a service request (CANCELLED). A member's
// administrator cancels its REQUESTED or ESTIMATED requests, before
// agreeing; the groupement cancels any request not DONE or CANCELLED yet.
// A request on which time was spent is not cancelled: it is completed, and
// its time billed. A reason, if given, is appended to the description.
func (s *ServiceRequests) Cancel(ctx context.Context, id pulid.ID, reason string) (*ent.ServiceRequest, error) {
	reason = strings.TrimSpace(reason)
	return s.moveService(ctx, id, func(ctx context.Context, tx *ent.Client, sr *ent.ServiceRequest) (servicerequest.Status, func(*ent.ServiceRequestUpdate), error) {
		memberSide := !actsForGroupement(ctx)
		if memberSide {
			if err := requireMemberRole(ctx, sr.MemberID, "member_admin"); err != nil {
				return "", nil, err
			}
		}
		if sr.Status == servicerequest.StatusDONE || sr.Status == servicerequest.StatusCANCELLED {
			return "", nil, communs.Errorf(communs.ECONFLICT, "the service request is %s: it can no longer be cancelled", sr.Status)
		}
		if memberSide {
			if sr.Status != servicerequest.StatusREQUESTED && sr.Status != servicerequest.StatusESTIMATED {
				return "", nil, communs.Errorf(communs.ECONFLICT,
					"the service request is %s: once agreed, ask the groupement to cancel it", sr.Status)
			}
		}
		// Every entry counts, whoever may see it.
		spent, err := tx.TimeEntry.Query().
			Where(timeentry.ServiceRequestID(sr.ID)).Exist(viewer.SystemContext(ctx))
		if err != nil {
			return "", nil, err
		}
		if spent {
			return "", nil, communs.Errorf(communs.ECONFLICT,
				"the service request is %s and time was spent: complete it instead", sr.Status)
		}
		var set func(*ent.ServiceRequestUpdate)
		if reason != "" {
			description := "Annulée : " + reason
			if sr.Description != "" {
				description = sr.Description + "\n\n" + description
			}
			set = func(u *ent.ServiceRequestUpdate) { u.SetDescription(description) }
		}
		return servicerequest.StatusCANCELLED, set, nil
	})
}

// Actuals returns, for each of the service requests ids, the time
// spent on it and its amount (see charging.TimeAmount), counting the time entries
// the viewer may see. Every id has an entry, of zero when no time is
// visible.
func (s *ServiceRequests) Actuals(ctx context.Context, ids []pulid.ID) (map[pulid.ID]ServiceActual, error) {
	actuals := make(map[pulid.ID]ServiceActual, len(ids))
	if len(ids) == 0 {
		return actuals, nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	entries, err := s.db(ctx).TimeEntry.Query().
		Where(timeentry.ServiceRequestIDIn(ids...)).
		Select(timeentry.FieldServiceRequestID, timeentry.FieldMinutes, timeentry.FieldHourlyRate).
		All(ctx)
	if err != nil {
		return nil, err
	}
	// Σ minutes×rate is summed exactly before rounding once: an entry is
	// at most 1440 minutes, so even at 1,000,000 €/h (1e8 cents) a request
	// reaches int64's limit only past 60 million entries.
	minutes := make(map[pulid.ID]int, len(ids))
	products := make(map[pulid.ID]int64, len(ids))
	for _, e := range entries {
		minutes[e.ServiceRequestID] += e.Minutes
		products[e.ServiceRequestID] += int64(e.Minutes) * e.HourlyRate
	}
	for _, id := range ids {
		actuals[id] = ServiceActual{Minutes: minutes[id], Amount: charging.TimeAmount(products[id])}
	}
	return actuals, nil
}

// serviceStep decides the move of a locked service request: its new
// status and what else to set, or why it is refused.
type serviceStep func(ctx context.Context, tx *ent.Client, sr *ent.ServiceRequest) (servicerequest.Status, func(*ent.ServiceRequestUpdate), error)

// moveService applies step to the service request id, read and locked
// under the caller's viewer, in one transaction, and returns the request
// as changed.
func (s *ServiceRequests) moveService(ctx context.Context, id pulid.ID, step serviceStep) (*ent.ServiceRequest, error) {
	var moved *ent.ServiceRequest
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		sr, err := lockServiceRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		to, set, err := step(ctx, tx, sr)
		if err != nil {
			return err
		}
		if err := updateServiceRequest(ctx, tx, sr, to, set); err != nil {
			return err
		}
		moved, err = tx.ServiceRequest.Get(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, moved), nil
}

// lockServiceRequest reads the service request id under the caller's
// viewer and locks it until the transaction ends.
func lockServiceRequest(ctx context.Context, tx *ent.Client, id pulid.ID) (*ent.ServiceRequest, error) {
	sr, err := tx.ServiceRequest.Query().Where(servicerequest.ID(id), txn.LockedForUpdate).Only(ctx)
	if err != nil {
		return nil, notFoundAs(err, "service request %s not found", id)
	}
	return sr, nil
}

// updateServiceRequest sets sr's status, if sr is still in the status it
// was read with, and whatever set sets.
func updateServiceRequest(ctx context.Context, tx *ent.Client, sr *ent.ServiceRequest, status servicerequest.Status, set func(*ent.ServiceRequestUpdate)) error {
	u := tx.ServiceRequest.Update().
		Where(servicerequest.ID(sr.ID), servicerequest.StatusEQ(sr.Status)).
		SetStatus(status)
	if set != nil {
		set(u)
	}
	n, err := u.Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return communs.Errorf(communs.ECONFLICT, "the service request changed meanwhile: reload it and try again")
	}
	return nil
}

// actsForGroupement reports whether the viewer of ctx acts for the
// groupement (one of its roles) or is the platform itself.
func actsForGroupement(ctx context.Context) bool {
	v := viewer.FromContext(ctx)
	return v != nil && (v.System || slices.ContainsFunc(v.Roles, func(r viewer.Role) bool { return r.MemberID == "" }))
}

// requireMemberWriter refuses a member-side viewer that is neither an
// administrator nor staff of memberID; the groupement's roles and the
// system pass.
func requireMemberWriter(ctx context.Context, memberID pulid.ID) error {
	if requireMemberRole(ctx, memberID, "member_admin") == nil || requireMemberRole(ctx, memberID, "member_staff") == nil {
		return nil
	}
	return communs.Errorf(communs.EFORBIDDEN, "only a member_admin or member_staff of the member may do this")
}

// requiredText returns value trimmed, or an INVALID_INPUT error on field
// when it is empty or longer than maxLen bytes (the schema's measure, which
// counts an accented letter as two).
func requiredText(field, value string, maxLen int) (string, error) {
	value = strings.TrimSpace(value)
	switch {
	case value == "":
		return "", communs.InvalidField(field, "required")
	case len(value) > maxLen:
		return "", communs.InvalidField(field, "at most %d characters, an accented letter counting as two", maxLen)
	}
	return value, nil
}
