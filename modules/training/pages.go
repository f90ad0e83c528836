package training

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/schema/pulid"
	"communs/ent/trainingattendance"
	"communs/ent/trainingenrolment"
	"communs/internal/httperror"
	"communs/internal/viewer"
)

//go:embed pages.html
var pagesHTML string

var pages = template.Must(template.New("pages").Funcs(template.FuncMap{
	"date":  func(t time.Time) string { return t.Format("02/01/2006") },
	"style": func() template.CSS { return template.CSS(pageStyle) },
}).Parse(pagesHTML))

// pageStyle is the pages' one style sheet. The API's policy (default-src
// 'none') would drop it: the pages allow it, and nothing else, by its hash.
const pageStyle = `body{font-family:serif;max-width:48em;margin:2em auto}` +
	`table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:.3em;text-align:left}` +
	`.n{text-align:right}`

var pagePolicy = func() string {
	sum := sha256.Sum256([]byte(pageStyle))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; frame-ancestors 'none'"
}()

// Routes of the printable pages, with the access of their queries.
const (
	certificatePattern = "GET /exports/training/certificates/{id}"
	reportPattern      = "GET /exports/training/reports/{year}"
)

// routes serves the printable pages: an enrolment's attendance
// certificate, to whoever may read that enrolment (trainingEnrolments and
// row isolation), and the year's report, to whoever may run
// trainingReport.
func routes(client *ent.Client, allowed func(*viewer.Viewer, string) bool, errs *httperror.Writer) map[string]http.Handler {
	return map[string]http.Handler{
		certificatePattern: page(allowed, "trainingEnrolments", errs, func(r *http.Request) (string, any, error) {
			c, err := certificateOf(r, client, pulid.ID(r.PathValue("id")))
			return "certificate", c, err
		}),
		reportPattern: page(allowed, "trainingReport", errs, func(r *http.Request) (string, any, error) {
			year, err := strconv.Atoi(r.PathValue("year"))
			if err != nil || year < 2000 || year > 2100 {
				return "", nil, communs.Errorf(communs.ENOTFOUND, "ask for a year, such as /exports/training/reports/2026")
			}
			report, err := New(client).Report(r.Context(), year)
			return "report", report, err
		}),
	}
}

// page answers a printable page whose data load gives, when the viewer
// may run field.
func page(allowed func(*viewer.Viewer, string) bool, field string, errs *httperror.Writer,
	load func(*http.Request) (string, any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !errs.Permitted(w, r, func(v *viewer.Viewer) bool { return allowed(v, field) }, "read this page") {
			return
		}
		name, data, err := load(r)
		var body bytes.Buffer
		if err == nil {
			err = pages.ExecuteTemplate(&body, name, data)
		}
		if err != nil {
			errs.Write(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", pagePolicy)
		_, _ = body.WriteTo(w)
	})
}

// Certificate is an attendance certificate: who attended which session
// of which course, which half-days, how many hours.
type Certificate struct {
	Enrolment  *ent.TrainingEnrolment
	Attendance []*ent.TrainingAttendance
	Hours      float64
	IssuedOn   time.Time
}

// certificateOf reads an enrolment and its attendance as the viewer: an
// enrolment of another member is not found.
func certificateOf(r *http.Request, client *ent.Client, id pulid.ID) (*Certificate, error) {
	ctx := r.Context()
	e, err := client.TrainingEnrolment.Query().Where(trainingenrolment.ID(id)).
		WithTrainee().WithMember().WithSession(func(q *ent.TrainingSessionQuery) { q.WithCourse() }).Only(ctx)
	if err != nil {
		return nil, notFound(err, "enrolment %s not found", id)
	}
	attendance, err := client.TrainingAttendance.Query().Where(trainingattendance.EnrolmentID(id)).
		Order(ent.Asc(trainingattendance.FieldDay), ent.Desc(trainingattendance.FieldHalfDay)).All(ctx)
	if err != nil {
		return nil, err
	}
	c := &Certificate{Enrolment: e, Attendance: attendance, IssuedOn: time.Now().UTC()}
	for _, a := range attendance {
		c.Hours += a.Hours
	}
	return c, nil
}
