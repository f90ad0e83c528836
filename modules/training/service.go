package training

import (
	"context"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/establishment"
	"communs/ent/schema/pulid"
	"communs/ent/trainingattendance"
	"communs/ent/trainingcourse"
	"communs/ent/trainingenrolment"
	"communs/ent/trainingsession"
	"communs/internal/calendar"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// Service manages the training catalogue, the enrolments and the
// attendance. Who may call which operation is decided by the module's
// policy lines; which member's rows a viewer touches, by row isolation.
// It holds nothing but its client: the resolvers build one per request
// over the request's client.
type Service struct {
	client *ent.Client
}

// New returns the training service over client.
func New(client *ent.Client) *Service { return &Service{client: client} }

// TrainingCourseInput describes a course of the catalogue.
type TrainingCourseInput struct {
	Title                            string
	Objectives, Audience, PriceBasis *string
	DurationHours                    float64
	Modality                         trainingcourse.Modality
}

// TrainingSessionInput schedules a session of a course.
type TrainingSessionInput struct {
	CourseID         pulid.ID
	StartsOn, EndsOn time.Time
	Place, Trainer   *string
	Capacity         int
}

// EnrolTraineeInput enrols an existing trainee (TraineeID) or a new one
// (Trainee) in a session.
type EnrolTraineeInput struct {
	SessionID pulid.ID
	TraineeID *pulid.ID
	Trainee   *TraineeInput
}

// TraineeInput is a member's staff member taking a course.
type TraineeInput struct {
	MemberID             pulid.ID
	LastName, FirstNames string
	Job                  *string
	EstablishmentID      *pulid.ID
}

// TrainingAttendanceInput records one half-day attended.
type TrainingAttendanceInput struct {
	EnrolmentID pulid.ID
	Day         time.Time
	HalfDay     trainingattendance.HalfDay
	Hours       float64
}

// CreateCourse adds a course to the catalogue.
func (s *Service) CreateCourse(ctx context.Context, in TrainingCourseInput) (*ent.TrainingCourse, error) {
	if strings.TrimSpace(in.Title) == "" {
		return nil, communs.InvalidField("title", "the course's title is required")
	}
	if in.DurationHours <= 0 {
		return nil, communs.InvalidField("durationHours", "the course's length in hours is positive")
	}
	return s.client.TrainingCourse.Create().SetTitle(in.Title).SetDurationHours(in.DurationHours).
		SetModality(in.Modality).SetObjectives(text(in.Objectives)).SetAudience(text(in.Audience)).
		SetPriceBasis(text(in.PriceBasis)).Save(ctx)
}

// ScheduleSession adds a session to a course.
func (s *Service) ScheduleSession(ctx context.Context, in TrainingSessionInput) (*ent.TrainingSession, error) {
	startsOn, endsOn := calendar.Day(in.StartsOn), calendar.Day(in.EndsOn)
	switch {
	case endsOn.Before(startsOn):
		return nil, communs.InvalidField("endsOn", "a session ends on or after the day it starts")
	case in.Capacity <= 0:
		return nil, communs.InvalidField("capacity", "a session has at least one place")
	}
	if _, err := s.client.TrainingCourse.Get(ctx, in.CourseID); err != nil {
		return nil, notFound(err, "course %s not found", in.CourseID)
	}
	return s.client.TrainingSession.Create().SetCourseID(in.CourseID).SetStartsOn(startsOn).SetEndsOn(endsOn).
		SetPlace(text(in.Place)).SetTrainer(text(in.Trainer)).SetCapacity(in.Capacity).Save(ctx)
}

// CancelSession cancels a session no one has attended yet, and every
// enrolment in it, of every member, waiting list included.
func (s *Service) CancelSession(ctx context.Context, id pulid.ID) (*ent.TrainingSession, error) {
	var cancelled *ent.TrainingSession
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		session, err := tx.TrainingSession.Query().Where(trainingsession.ID(id), txn.LockedForUpdate).Only(ctx)
		if err != nil {
			return notFound(err, "session %s not found", id)
		}
		if session.Status == trainingsession.StatusCANCELLED {
			return communs.Errorf(communs.ECONFLICT, "the session is cancelled already")
		}
		attended, err := tx.TrainingAttendance.Query().
			Where(trainingattendance.HasEnrolmentWith(trainingenrolment.SessionID(id))).Exist(ctx)
		if err != nil || attended {
			if err == nil {
				err = communs.Errorf(communs.ECONFLICT, "the session has begun: attendance is recorded")
			}
			return err
		}
		err = tx.TrainingEnrolment.Update().
			Where(trainingenrolment.SessionID(id), trainingenrolment.StatusNEQ(trainingenrolment.StatusCANCELLED)).
			SetStatus(trainingenrolment.StatusCANCELLED).SetCancelledAt(time.Now().UTC()).Exec(ctx)
		if err != nil {
			return err
		}
		cancelled, err = tx.TrainingSession.UpdateOne(session).SetStatus(trainingsession.StatusCANCELLED).Save(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, cancelled), nil
}

// Enrol enrols a trainee in a session: ENROLLED while places are left,
// WAITLISTED once the session is full. The session's row is locked so that
// two enrolments never take its last place together.
func (s *Service) Enrol(ctx context.Context, in EnrolTraineeInput) (*ent.TrainingEnrolment, error) {
	if (in.TraineeID == nil) == (in.Trainee == nil) {
		return nil, communs.InvalidField("traineeId", "give either traineeId or trainee")
	}
	var enrolment *ent.TrainingEnrolment
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		session, err := tx.TrainingSession.Query().
			Where(trainingsession.ID(in.SessionID), txn.LockedForUpdate).Only(ctx)
		if err != nil {
			return notFound(err, "session %s not found", in.SessionID)
		}
		if session.Status == trainingsession.StatusCANCELLED {
			return communs.Errorf(communs.ECONFLICT, "the session of %s is cancelled", session.StartsOn.Format(time.DateOnly))
		}
		t, err := s.traineeOf(ctx, tx, in)
		if err != nil {
			return err
		}
		taken, err := enrolledOn(ctx, tx, session.ID, t.ID)
		if err != nil || taken {
			if err == nil {
				err = communs.Errorf(communs.ECONFLICT, "%s %s is already enrolled in this session", t.FirstNames, t.LastName)
			}
			return err
		}
		status, err := placeLeft(ctx, tx, session)
		if err != nil {
			return err
		}
		enrolment, err = tx.TrainingEnrolment.Create().SetMemberID(t.MemberID).SetSessionID(session.ID).
			SetTraineeID(t.ID).SetStatus(status).Save(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, enrolment), nil
}

// traineeOf returns the trainee the input names, or creates it.
func (s *Service) traineeOf(ctx context.Context, tx *ent.Client, in EnrolTraineeInput) (*ent.Trainee, error) {
	if in.TraineeID != nil {
		t, err := tx.Trainee.Get(ctx, *in.TraineeID)
		return t, notFound(err, "trainee %s not found", *in.TraineeID)
	}
	n := in.Trainee
	switch {
	case strings.TrimSpace(n.LastName) == "":
		return nil, communs.InvalidField("trainee.lastName", "the trainee's last name is required")
	case strings.TrimSpace(n.FirstNames) == "":
		return nil, communs.InvalidField("trainee.firstNames", "the trainee's first names are required")
	}
	if n.EstablishmentID != nil {
		// Read as the viewer: another member's establishment is not found.
		ok, err := tx.Establishment.Query().
			Where(establishment.ID(*n.EstablishmentID), establishment.MemberID(n.MemberID)).Exist(ctx)
		if err != nil || !ok {
			if err == nil {
				err = communs.InvalidField("trainee.establishmentId", "no establishment %s in the member's directory", *n.EstablishmentID)
			}
			return nil, err
		}
	}
	t, err := tx.Trainee.Create().SetMemberID(n.MemberID).SetLastName(n.LastName).SetFirstNames(n.FirstNames).
		SetJob(text(n.Job)).SetNillableEstablishmentID(n.EstablishmentID).Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, communs.InvalidField("trainee.memberId", "no member %s", n.MemberID)
	}
	return t, err // another member's: the privacy rules deny it
}

// enrolledOn tells whether the trainee holds a live enrolment in session.
func enrolledOn(ctx context.Context, tx *ent.Client, session, t pulid.ID) (bool, error) {
	return tx.TrainingEnrolment.Query().Where(trainingenrolment.SessionID(session), trainingenrolment.TraineeID(t),
		trainingenrolment.StatusNEQ(trainingenrolment.StatusCANCELLED)).Exist(ctx)
}

// placeLeft is the status of a new enrolment in session: ENROLLED while
// the enrolled of every member are fewer than its capacity. It counts
// every member's enrolments, which the viewer does not see: the platform
// counts them, and tells only whether a place is left.
func placeLeft(ctx context.Context, tx *ent.Client, session *ent.TrainingSession) (trainingenrolment.Status, error) {
	enrolled, err := tx.TrainingEnrolment.Query().
		Where(trainingenrolment.SessionID(session.ID), trainingenrolment.StatusEQ(trainingenrolment.StatusENROLLED)).
		Count(viewer.SystemContext(ctx))
	if err != nil {
		return "", err
	}
	if enrolled < session.Capacity {
		return trainingenrolment.StatusENROLLED, nil
	}
	return trainingenrolment.StatusWAITLISTED, nil
}

// CancelEnrolment cancels an enrolment; the place it frees goes to the
// first on the session's waiting list, whatever its member.
func (s *Service) CancelEnrolment(ctx context.Context, id pulid.ID) (*ent.TrainingEnrolment, error) {
	var cancelled *ent.TrainingEnrolment
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		e, err := tx.TrainingEnrolment.Get(ctx, id)
		if err != nil {
			return notFound(err, "enrolment %s not found", id)
		}
		if e.Status == trainingenrolment.StatusCANCELLED {
			return communs.Errorf(communs.ECONFLICT, "the enrolment is cancelled already")
		}
		if _, err := tx.TrainingSession.Query().Where(trainingsession.ID(e.SessionID), txn.LockedForUpdate).Only(ctx); err != nil {
			return err
		}
		if cancelled, err = tx.TrainingEnrolment.UpdateOne(e).SetStatus(trainingenrolment.StatusCANCELLED).
			SetCancelledAt(time.Now().UTC()).Save(ctx); err != nil {
			return err
		}
		if e.Status == trainingenrolment.StatusENROLLED {
			return promoteFirstWaiting(ctx, tx, e.SessionID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, cancelled), nil
}

// promoteFirstWaiting gives a freed place to the oldest enrolment on the
// session's waiting list; it may be another member's, so the platform
// moves it.
func promoteFirstWaiting(ctx context.Context, tx *ent.Client, session pulid.ID) error {
	ctx = viewer.SystemContext(ctx)
	first, err := tx.TrainingEnrolment.Query().
		Where(trainingenrolment.SessionID(session), trainingenrolment.StatusEQ(trainingenrolment.StatusWAITLISTED)).
		Order(ent.Asc(trainingenrolment.FieldCreatedAt), ent.Asc(trainingenrolment.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return tx.TrainingEnrolment.UpdateOne(first).SetStatus(trainingenrolment.StatusENROLLED).Exec(ctx)
}

// RecordAttendance records that an enrolled trainee attended a half-day
// within the session's dates.
func (s *Service) RecordAttendance(ctx context.Context, in TrainingAttendanceInput) (*ent.TrainingAttendance, error) {
	if in.Hours <= 0 || in.Hours > 6 {
		return nil, communs.InvalidField("hours", "a half-day counts more than 0 and at most 6 hours")
	}
	e, err := s.client.TrainingEnrolment.Query().Where(trainingenrolment.ID(in.EnrolmentID)).
		WithSession(func(q *ent.TrainingSessionQuery) { q.WithCourse() }).Only(ctx)
	if err != nil {
		return nil, notFound(err, "enrolment %s not found", in.EnrolmentID)
	}
	day := calendar.Day(in.Day)
	session := e.Edges.Session
	switch {
	case e.Status != trainingenrolment.StatusENROLLED:
		return nil, communs.InvalidField("enrolmentId", "only an ENROLLED trainee attends (this one is %s)", e.Status)
	case day.Before(session.StartsOn) || day.After(session.EndsOn):
		return nil, communs.InvalidField("day", "the session runs from %s to %s",
			session.StartsOn.Format(time.DateOnly), session.EndsOn.Format(time.DateOnly))
	}
	a, err := s.client.TrainingAttendance.Create().SetMemberID(e.MemberID).SetEnrolmentID(e.ID).
		SetTraineeID(e.TraineeID).SetCourseID(session.CourseID).SetDay(day).SetHalfDay(in.HalfDay).
		SetYear(day.Year()).SetHours(in.Hours).Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, communs.Errorf(communs.ECONFLICT, "that half-day is recorded already")
	}
	return a, err
}

// text is an optional text, empty when not given.
func text(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// notFound turns ent's not-found (a row missing or hidden by row
// isolation: the same answer) into NOT_FOUND.
func notFound(err error, format string, args ...any) error {
	if ent.IsNotFound(err) {
		return communs.Errorf(communs.ENOTFOUND, format, args...)
	}
	return err
}
