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

// TestTrainingDeclarationPrefilled: a member's new usage declaration gets
// its participants for the training resource, and the member may change it.
func TestTrainingDeclarationPrefilled(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	admin := s.as(t, tilleulsAdmin)
	tilleuls := memberOf(t, admin)
	var saved struct {
		SaveUsageDeclaration struct {
			UsageDeclaration struct {
				Lines []struct {
					Quantity int
					Resource struct{ Code string }
				}
			}
		}
	}
	// 2027: the demo's 2026 declarations exist already; the attendance
	// is moved there by recording a half-day of 2027.
	sys := viewer.SystemContext(t.Context())
	n, err := training.Participants(sys, s.db.Client, pulid.ID(tilleuls), 2026)
	if err != nil || n == 0 {
		t.Fatalf("Les Tilleuls' participants in 2026: %d, %v", n, err)
	}
	admin.data(t, `mutation($m: ID!) { saveUsageDeclaration(input: {memberId: $m, year: 2027, lines: []}) { usageDeclaration { lines { quantity resource { code } } } } }`,
		map[string]any{"m": tilleuls}, &saved)
	for _, l := range saved.SaveUsageDeclaration.UsageDeclaration.Lines {
		if l.Resource.Code == "FORMATION" && l.Quantity != 0 {
			t.Errorf("2027 pre-filled with %d participants, no one attended in 2027", l.Quantity)
		}
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
		TrainingEnrolments struct{ Edges []struct{ Node struct{ ID string } } }
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
