package training

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"communs/ent"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/subscription"
	"communs/ent/trainingattendance"
	"communs/ent/trainingcourse"
	"communs/ent/trainingenrolment"
	"communs/internal/viewer"
)

// demoYear is the demo's fiscal year (internal/seed).
const demoYear = 2026

// demoCourses are the demo catalogue, each with one two-day session.
var demoCourses = []struct {
	title, objectives, audience string
	hours                       float64
	modality                    trainingcourse.Modality
	startsOn                    time.Time
	capacity                    int
}{
	{"Bureautique : tableur, niveau 1", "Construire et mettre en forme un tableau de suivi, formules simples.",
		"Personnels administratifs", 14, trainingcourse.ModalityON_SITE, day(demoYear, time.March, 16), 8},
	{"Dossier de l'usager : prise en main", "Tenir le dossier de l'usager, les notes et le projet personnalisé.",
		"Équipes éducatives et de soins", 14, trainingcourse.ModalityREMOTE, day(demoYear, time.May, 11), 6},
	{"RGPD au quotidien", "Connaître les droits des personnes et les bons réflexes de sécurité.",
		"Tous les personnels", 7, trainingcourse.ModalityE_LEARNING, day(demoYear, time.June, 8), 10},
}

// demoStaff are the trainees each demo member enrols.
var demoStaff = []struct{ lastName, firstNames, job string }{
	{"Martin", "Claire", "Secrétaire de direction"},
	{"Bernard", "Yann", "Éducateur spécialisé"},
	{"Petit", "Sonia", "Aide-soignante"},
}

func day(year int, month time.Month, d int) time.Time {
	return time.Date(year, month, d, 0, 0, 0, 0, time.UTC)
}

// Demo loads the catalogue, one session of each course in the demo year,
// the enrolment of a staff member of every member that subscribes to a
// training resource in each (the latest come on the waiting lists), and
// the attendance of the enrolled, unless the catalogue has courses
// already: running it again adds nothing.
func Demo(ctx context.Context, client *ent.Client, out io.Writer) error {
	ctx = viewer.SystemContext(ctx)
	if has, err := client.TrainingCourse.Query().Exist(ctx); err != nil || has {
		return err
	}
	members, err := client.Subscription.Query().
		Where(subscription.StatusEQ(subscription.StatusACTIVE),
			subscription.HasResourceWith(resource.KindEQ(resource.KindTRAINING))).
		Order(ent.Asc(subscription.FieldMemberID)).Select(subscription.FieldMemberID).Strings(ctx)
	if err != nil {
		return err
	}
	members = slices.Compact(members) // a member may subscribe to several training resources
	s := New(client)
	attended := 0
	for i, c := range demoCourses {
		course, err := s.CreateCourse(ctx, TrainingCourseInput{Title: c.title, Objectives: &c.objectives,
			Audience: &c.audience, DurationHours: c.hours, Modality: c.modality})
		if err != nil {
			return err
		}
		days := int(c.hours / 7)
		session, err := s.ScheduleSession(ctx, TrainingSessionInput{CourseID: course.ID, StartsOn: c.startsOn,
			EndsOn: c.startsOn.AddDate(0, 0, days-1), Capacity: c.capacity, Place: ptr("Auxerre, salle du groupement"), Trainer: ptr("Équipe formation du groupement")})
		if err != nil {
			return err
		}
		for j, m := range members {
			n, err := demoEnrolment(ctx, s, session, pulid.ID(m), demoStaff[(i+j)%len(demoStaff)], days)
			if err != nil {
				return err
			}
			attended += n
		}
	}
	if out != nil {
		fmt.Fprintf(out, "training: %d courses, %d half-days attended\n", len(demoCourses), attended)
	}
	return nil
}

// demoEnrolment enrols one staff member of a member in session and, when
// a place was left, records every half-day of its days: 3.5 hours each.
func demoEnrolment(ctx context.Context, s *Service, session *ent.TrainingSession, member pulid.ID,
	staff struct{ lastName, firstNames, job string }, days int) (int, error) {
	e, err := s.Enrol(ctx, EnrolTraineeInput{SessionID: session.ID, Trainee: &TraineeInput{MemberID: member,
		LastName: staff.lastName, FirstNames: staff.firstNames, Job: &staff.job}})
	if err != nil || e.Status != trainingenrolment.StatusENROLLED {
		return 0, err
	}
	n := 0
	for d := range days {
		for _, half := range []trainingattendance.HalfDay{trainingattendance.HalfDayMORNING, trainingattendance.HalfDayAFTERNOON} {
			if _, err := s.RecordAttendance(ctx, TrainingAttendanceInput{EnrolmentID: e.ID,
				Day: session.StartsOn.AddDate(0, 0, d), HalfDay: half, Hours: 3.5}); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

func ptr(s string) *string { return &s }
