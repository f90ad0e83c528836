package main

import (
	"strings"
	"testing"

	"communs/ent/schema/pulid"
	"communs/ent/trainingcourse"
	"communs/internal/viewer"
	"communs/modules/training"
)

// trainingFigures are the demo year's training figures as the report and
// the aggregate give them.
type trainingFigures struct {
	TrainingReport struct {
		Hours    float64
		Trainees int
		Members  int
		Courses  int
		ByCourse []struct{ Hours float64 }
	}
	All []struct {
		Sum      struct{ Hours float64 }
		Trainees int
		Members  int
		Courses  int
	}
	PerMember []struct {
		Keys     struct{ Member struct{ ID string } }
		Sum      struct{ Hours float64 }
		Trainees int
	}
}

// TestTrainingHoursAddUp: the demo's training hours and trainees add up
// the same in the year's report, the attendance aggregate, and the
// quantities pre-filled in each member's usage declaration.
func TestTrainingHoursAddUp(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	var f trainingFigures
	s.as(t, gsmStaff).data(t, `{
		trainingReport(year: 2026) { hours trainees members courses byCourse { hours } }
		all: trainingAttendancesAggregate(where: {year: 2026}) { sum { hours }
			trainees: countDistinct(field: TRAINEE) members: countDistinct(field: MEMBER) courses: countDistinct(field: COURSE) }
		perMember: trainingAttendancesAggregate(where: {year: 2026}, groupBy: [MEMBER]) {
			keys { member { id } } sum { hours } trainees: countDistinct(field: TRAINEE) } }`, nil, &f)
	r := f.TrainingReport
	if r.Hours == 0 || len(f.All) != 1 {
		t.Fatalf("no training in the demo year: %+v", f)
	}
	all := f.All[0]
	if all.Sum.Hours != r.Hours || all.Trainees != r.Trainees || all.Members != r.Members || all.Courses != r.Courses {
		t.Errorf("the report %+v and the aggregate %+v differ", r, all)
	}
	var byCourse, byMember float64
	for _, c := range r.ByCourse {
		byCourse += c.Hours
	}
	prefilled := 0
	sys := viewer.SystemContext(t.Context())
	hook := training.Module().Hooks.DeclarationLines
	for _, m := range f.PerMember {
		byMember += m.Sum.Hours
		lines, err := hook(sys, s.db.Client, pulid.ID(m.Keys.Member.ID), 2026)
		if err != nil || len(lines) != 1 {
			t.Fatalf("pre-filled lines of %s: %v, %v; want the training resource's", m.Keys.Member.ID, lines, err)
		}
		for _, q := range lines {
			if int(q) != m.Trainees {
				t.Errorf("member %s: %d participants pre-filled, %d trainees in the aggregate", m.Keys.Member.ID, q, m.Trainees)
			}
			prefilled += int(q)
		}
	}
	if byCourse != r.Hours || byMember != r.Hours || prefilled != r.Trainees {
		t.Errorf("hours: report %v, by course %v, by member %v; trainees: report %d, pre-filled %d",
			r.Hours, byCourse, byMember, r.Trainees, prefilled)
	}
}

// declarationLines is the answer of saveUsageDeclaration.
type declarationLines struct {
	SaveUsageDeclaration struct {
		UsageDeclaration struct {
			Lines []struct {
				Quantity int
				Resource struct{ ID, Code string }
			}
		}
	}
}

// formationLine returns the training resource's line: its id and quantity.
func (d declarationLines) formationLine(t *testing.T) (string, int) {
	t.Helper()
	for _, l := range d.SaveUsageDeclaration.UsageDeclaration.Lines {
		if l.Resource.Code == "FORMATION" {
			return l.Resource.ID, l.Quantity
		}
	}
	t.Fatalf("no FORMATION line in %+v", d)
	return "", 0
}

// TestTrainingDeclarationPrefilled, through the API: the groupement
// schedules a 2027 session, a member's staff enrols a trainee, the
// groupement records a half-day; the member's new 2027 declaration is
// pre-filled with one participant, and the member changes it.
func TestTrainingDeclarationPrefilled(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	gsm, member, admin := s.as(t, gsmStaff), s.as(t, "staff@tilleuls-yonne.example"), s.as(t, tilleulsAdmin)
	tilleuls := memberOf(t, admin)
	var course struct{ CreateTrainingCourse struct{ ID string } }
	gsm.data(t, `mutation { createTrainingCourse(input: {title: "Messagerie", durationHours: 3.5, modality: REMOTE}) { id } }`, nil, &course)
	var session struct{ ScheduleTrainingSession struct{ ID string } }
	gsm.data(t, `mutation($c: ID!) { scheduleTrainingSession(input: {courseId: $c, startsOn: "2027-02-01", endsOn: "2027-02-01", capacity: 1}) { id } }`,
		map[string]any{"c": course.CreateTrainingCourse.ID}, &session)
	var enrolled struct{ EnrolTrainee struct{ ID, Status string } }
	member.data(t, `mutation($s: ID!, $m: ID!) { enrolTrainee(input: {sessionId: $s, trainee: {memberId: $m, lastName: "Roux", firstNames: "Camille", job: "Comptable"}}) { id status } }`,
		map[string]any{"s": session.ScheduleTrainingSession.ID, "m": tilleuls}, &enrolled)
	if enrolled.EnrolTrainee.Status != "ENROLLED" {
		t.Fatalf("enrolment: %+v", enrolled)
	}
	gsm.data(t, `mutation($e: ID!) { recordTrainingAttendance(input: {enrolmentId: $e, day: "2027-02-01", halfDay: MORNING, hours: 3.5}) { id } }`,
		map[string]any{"e": enrolled.EnrolTrainee.ID}, &struct{}{})

	var saved declarationLines
	admin.data(t, `mutation($m: ID!) { saveUsageDeclaration(input: {memberId: $m, year: 2027, lines: []}) { usageDeclaration { lines { quantity resource { id code } } } } }`,
		map[string]any{"m": tilleuls}, &saved)
	resource, quantity := saved.formationLine(t)
	if quantity != 1 {
		t.Errorf("2027 pre-filled with %d participants, want 1", quantity)
	}
	admin.data(t, `mutation($m: ID!, $r: ID!) { saveUsageDeclaration(input: {memberId: $m, year: 2027, lines: [{resourceId: $r, quantity: 4}]}) { usageDeclaration { lines { quantity resource { id code } } } } }`,
		map[string]any{"m": tilleuls, "r": resource}, &saved)
	if _, changed := saved.formationLine(t); changed != 4 {
		t.Errorf("the member changed the participants to 4, the declaration says %d", changed)
	}
}

// TestTrainingPages: the attendance certificate is served to the
// enrolment's member and the groupement, not to another member; the
// year's report to the groupement's staff only.
func TestTrainingPages(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff := s.as(t, "staff@tilleuls-yonne.example")
	var enrolments struct {
		TrainingEnrolments struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	staff.data(t, `{ trainingEnrolments(first: 1, where: {status: ENROLLED}) { edges { node { id } } } }`, nil, &enrolments)
	if len(enrolments.TrainingEnrolments.Edges) == 0 {
		t.Fatal("Les Tilleuls has no demo enrolment")
	}
	path := "/exports/training/certificates/" + enrolments.TrainingEnrolments.Edges[0].Node.ID
	if page := download(t, staff, path, 200); !strings.Contains(page, "Attestation de présence") || !strings.Contains(page, "Tilleuls") {
		t.Errorf("certificate:\n%s", page)
	}
	download(t, s.as(t, gsmStaff), path, 200)
	download(t, s.as(t, "admin@genets-morvan.example"), path, 404)
	download(t, &testServer{url: s.url}, path, 401)
	if page := download(t, s.as(t, gsmStaff), "/exports/training/reports/2026", 200); !strings.Contains(page, "Bilan des formations 2026") {
		t.Errorf("report:\n%s", page)
	}
	download(t, staff, "/exports/training/reports/2026", 403)
	download(t, s.as(t, gsmStaff), "/exports/training/reports/next", 404)
}

// TestTrainingModuleSwitch: alone, the module runs; off, its fields answer
// MODULE_DISABLED and node(id:) serves none of its rows.
func TestTrainingModuleSwitch(t *testing.T) {
	t.Parallel()
	alone := newTestServer(t, func(c *serveConfig) { c.modules = "training" })
	var courses struct{ TrainingCourses struct{ TotalCount int } }
	alone.as(t, "staff@tilleuls-yonne.example").data(t, `{ trainingCourses(first: 1) { totalCount } }`, nil, &courses)
	if courses.TrainingCourses.TotalCount == 0 {
		t.Error("the module alone has no catalogue")
	}

	off := newTestServer(t, func(c *serveConfig) { c.modules = "directory,cil,userrecord" })
	staff := off.as(t, gsmStaff)
	for _, op := range []string{
		`{ trainingCourses(first: 1) { totalCount } }`,
		`{ trainingAttendancesAggregate { count } }`,
		`{ trainingReport(year: 2026) { hours } }`,
		`mutation { enrolTrainee(input: {sessionId: "TRS01JAAAAAAAAAAAAAAAAAAAA"}) { id } }`,
	} {
		if code := staff.query(t, op, nil).code(); code != "MODULE_DISABLED" {
			t.Errorf("%s with the training module off: %s", op, code)
		}
	}
	sys := viewer.SystemContext(t.Context())
	c := off.db.Client.TrainingCourse.Create().SetTitle("Tableur").SetDurationHours(7).
		SetModality(trainingcourse.ModalityREMOTE).SaveX(sys)
	if code := staff.query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": c.ID}).code(); code != "MODULE_DISABLED" {
		t.Errorf("node(id:) of a course with the module off: %s", code)
	}
	download(t, staff, "/exports/training/reports/2026", 404)
}
