package training

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/member"
	"communs/ent/schema/pulid"
	"communs/ent/trainingattendance"
	"communs/ent/trainingcourse"
	"communs/ent/trainingenrolment"
	"communs/internal/seed"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

// fixture is a course with a session of two places, and two members.
type fixture struct {
	client  *ent.Client
	session *ent.TrainingSession
	a, b    pulid.ID
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	client := storetest.Open(t).Client
	ctx := viewer.SystemContext(t.Context())
	var ids []pulid.ID
	for _, name := range []string{"Les Tilleuls", "Les Genêts"} {
		m, err := client.Member.Create().SetName(name).SetCategory(member.CategoryACTIVE).SetJoinedOn(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	s := New(client)
	course, err := s.CreateCourse(ctx, TrainingCourseInput{Title: "Tableur", DurationHours: 7, Modality: trainingcourse.ModalityON_SITE})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, time.March, 16, 0, 0, 0, 0, time.UTC)
	session, err := s.ScheduleSession(ctx, TrainingSessionInput{CourseID: course.ID, StartsOn: day, EndsOn: day, Capacity: 2})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{client: client, session: session, a: ids[0], b: ids[1]}
}

// staffOf is the context of a member's staff.
func staffOf(t *testing.T, m pulid.ID) *viewer.Viewer {
	return &viewer.Viewer{AccountID: pulid.ID("ACC" + string(m)), Roles: []viewer.Role{{Name: "member_staff", MemberID: m}}}
}

func (f fixture) enrol(t *testing.T, m pulid.ID, lastName string) (*ent.TrainingEnrolment, error) {
	t.Helper()
	ctx := viewer.NewContext(t.Context(), staffOf(t, m))
	return New(f.client).Enrol(ctx, EnrolTraineeInput{SessionID: f.session.ID,
		Trainee: &TraineeInput{MemberID: m, LastName: lastName, FirstNames: "Claire"}})
}

func code(err error) string {
	var e *communs.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestTrainingWaitingListAndCancellation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first, _ := f.enrol(t, f.a, "Martin")
	second, _ := f.enrol(t, f.b, "Bernard")
	waiting, err := f.enrol(t, f.a, "Petit")
	if err != nil {
		t.Fatal(err)
	}
	if first.Status != trainingenrolment.StatusENROLLED || second.Status != trainingenrolment.StatusENROLLED ||
		waiting.Status != trainingenrolment.StatusWAITLISTED {
		t.Fatalf("statuses %s %s %s, want two ENROLLED and one WAITLISTED", first.Status, second.Status, waiting.Status)
	}
	// B's staff cancels B's enrolment: A's waiting trainee takes the place.
	ctx := viewer.NewContext(t.Context(), staffOf(t, f.b))
	if _, err := New(f.client).CancelEnrolment(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	promoted, err := f.client.TrainingEnrolment.Get(viewer.SystemContext(t.Context()), waiting.ID)
	if err != nil || promoted.Status != trainingenrolment.StatusENROLLED {
		t.Fatalf("the first on the waiting list after a cancellation: %v %v, want ENROLLED", promoted, err)
	}
	// B's staff may not cancel A's enrolment: it does not see it.
	if _, err := New(f.client).CancelEnrolment(ctx, first.ID); code(err) != communs.ENOTFOUND {
		t.Errorf("cancelling another member's enrolment: %v, want NOT_FOUND", err)
	}
	if _, err := New(f.client).CancelEnrolment(ctx, second.ID); code(err) != communs.ECONFLICT {
		t.Errorf("cancelling twice: %v, want CONFLICT", err)
	}
}

func TestTrainingEnrolmentIsForOwnMember(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := viewer.NewContext(t.Context(), staffOf(t, f.a))
	_, err := New(f.client).Enrol(ctx, EnrolTraineeInput{SessionID: f.session.ID,
		Trainee: &TraineeInput{MemberID: f.b, LastName: "Martin", FirstNames: "Claire"}})
	if err == nil {
		t.Fatal("A's staff enrolled a trainee of B")
	}
	if n := f.client.Trainee.Query().CountX(viewer.SystemContext(t.Context())); n != 0 {
		t.Errorf("%d trainees after a refused enrolment", n)
	}
	for _, in := range []EnrolTraineeInput{
		{SessionID: f.session.ID},
		{SessionID: f.session.ID, Trainee: &TraineeInput{MemberID: f.a, FirstNames: "Claire"}},
	} {
		if _, err := New(f.client).Enrol(ctx, in); code(err) != communs.EINVALID {
			t.Errorf("Enrol(%+v): %v, want INVALID_INPUT", in, err)
		}
	}
}

func TestTrainingAttendanceChecks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, _ := f.enrol(t, f.a, "Martin")
	ctx := viewer.SystemContext(t.Context())
	s := New(f.client)
	in := TrainingAttendanceInput{EnrolmentID: e.ID, Day: f.session.StartsOn, HalfDay: trainingattendance.HalfDayMORNING, Hours: 3.5}
	if _, err := s.RecordAttendance(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordAttendance(ctx, in); code(err) != communs.ECONFLICT {
		t.Errorf("the same half-day twice: %v, want CONFLICT", err)
	}
	late := in
	late.Day, late.HalfDay = f.session.StartsOn.AddDate(0, 0, 1), trainingattendance.HalfDayAFTERNOON
	if _, err := s.RecordAttendance(ctx, late); code(err) != communs.EINVALID {
		t.Errorf("a day after the session: %v, want INVALID_INPUT", err)
	}
	report, err := s.Report(ctx, 2026)
	if err != nil || report.Hours != 3.5 || report.Trainees != 1 || report.Members != 1 || report.Courses != 1 {
		t.Errorf("report %+v, %v; want 3.5 hours of one trainee of one member in one course", report, err)
	}
}

// TestTrainingDemo loads the core's demo and the module's twice: the
// second run adds nothing; enrolled trainees have attended, waiting lists
// exist, and every subscriber's declaration is pre-filled with its
// participants.
func TestTrainingDemo(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	ctx := viewer.SystemContext(t.Context())
	if _, err := seed.Demo(ctx, client, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Demo(ctx, client, &out); err != nil {
		t.Fatal(err)
	}
	counts := func() [3]int {
		return [3]int{client.TrainingCourse.Query().CountX(ctx), client.TrainingEnrolment.Query().CountX(ctx),
			client.TrainingAttendance.Query().CountX(ctx)}
	}
	before := counts()
	if err := Demo(ctx, client, io.Discard); err != nil {
		t.Fatal(err)
	}
	if after := counts(); after != before {
		t.Errorf("the second demo run changed the counts %v to %v", before, after)
	}
	if !strings.HasPrefix(out.String(), "training: 3 courses") || before[2] == 0 {
		t.Errorf("demo summary %q, counts %v", out.String(), before)
	}
	waiting := client.TrainingEnrolment.Query().Where(trainingenrolment.StatusEQ(trainingenrolment.StatusWAITLISTED)).CountX(ctx)
	if waiting == 0 {
		t.Error("the demo has no waiting list")
	}
}

// TestTrainingTraineeEstablishmentIsTheMembers: a trainee's establishment
// must be one of its member's; another member's is not found.
func TestTrainingTraineeEstablishmentIsTheMembers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sys := viewer.SystemContext(t.Context())
	own := f.client.Establishment.Create().SetMemberID(f.a).SetName("IME Auxerre").SaveX(sys)
	other := f.client.Establishment.Create().SetMemberID(f.b).SetName("MAS Autun").SaveX(sys)
	ctx := viewer.NewContext(t.Context(), staffOf(t, f.a))
	enrol := func(establishment pulid.ID) error {
		_, err := New(f.client).Enrol(ctx, EnrolTraineeInput{SessionID: f.session.ID,
			Trainee: &TraineeInput{MemberID: f.a, LastName: "Martin", FirstNames: "Claire", EstablishmentID: &establishment}})
		return err
	}
	if err := enrol(other.ID); code(err) != communs.EINVALID {
		t.Errorf("a trainee in another member's establishment: %v, want INVALID_INPUT", err)
	}
	if err := enrol(own.ID); err != nil {
		t.Errorf("a trainee in the member's establishment: %v", err)
	}
}

// TestTrainingLastPlaceTakenOnce: enrolments racing for a session's two
// places leave exactly two enrolled, the others on the waiting list.
func TestTrainingLastPlaceTakenOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Go(func() {
			_, err := f.enrol(t, f.a, fmt.Sprintf("Martin-%d", i))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	sys := viewer.SystemContext(t.Context())
	enrolled := f.client.TrainingEnrolment.Query().Where(trainingenrolment.StatusEQ(trainingenrolment.StatusENROLLED)).CountX(sys)
	waiting := f.client.TrainingEnrolment.Query().Where(trainingenrolment.StatusEQ(trainingenrolment.StatusWAITLISTED)).CountX(sys)
	if enrolled != 2 || waiting != 4 {
		t.Errorf("%d enrolled and %d waiting, want 2 and 4", enrolled, waiting)
	}
}

// TestTrainingCancelSession: cancelling a session cancels its enrolments
// of every member; a cancelled session takes no enrolment; a session
// with attendance cannot be cancelled.
func TestTrainingCancelSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enrol(t, f.a, "Martin")
	f.enrol(t, f.b, "Bernard")
	f.enrol(t, f.b, "Petit") // waiting
	sys := viewer.SystemContext(t.Context())
	s := New(f.client)
	if _, err := s.CancelSession(sys, f.session.ID); err != nil {
		t.Fatal(err)
	}
	live := f.client.TrainingEnrolment.Query().Where(trainingenrolment.StatusNEQ(trainingenrolment.StatusCANCELLED)).CountX(sys)
	if live != 0 {
		t.Errorf("%d enrolments left in a cancelled session", live)
	}
	if _, err := f.enrol(t, f.a, "Roux"); code(err) != communs.ECONFLICT {
		t.Errorf("enrolling in a cancelled session: %v, want CONFLICT", err)
	}

	begun := newFixture(t)
	e, _ := begun.enrol(t, begun.a, "Martin")
	if _, err := New(begun.client).RecordAttendance(sys, TrainingAttendanceInput{EnrolmentID: e.ID,
		Day: begun.session.StartsOn, HalfDay: trainingattendance.HalfDayMORNING, Hours: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(begun.client).CancelSession(sys, begun.session.ID); code(err) != communs.ECONFLICT {
		t.Errorf("cancelling a session that has begun: %v, want CONFLICT", err)
	}
}
