package userrecord

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/accesslogentry"
	"communs/ent/activity"
	"communs/ent/consent"
	"communs/ent/journalnote"
	"communs/ent/needassessment"
	"communs/ent/person"
	"communs/ent/personalproject"
	"communs/ent/personcontact"
	"communs/ent/schema/pulid"
	"communs/ent/stay"
	"communs/internal/httperror"
	"communs/internal/viewer"
	"communs/modules/userrecord/serafin"
)

// Export is everything the user record holds about one person, for the
// right of access (Art. 15): identity, contacts, stays, needs, projects,
// services delivered, notes (all of them, whatever their confidentiality),
// consents and the access log of the file.
type Export struct {
	GeneratedAt time.Time             `json:"generatedAt"`
	Member      string                `json:"member"`
	Person      ExportedPerson        `json:"person"`
	Contacts    []*ent.PersonContact  `json:"contacts"`
	Stays       []ExportedStay        `json:"stays"`
	Needs       []ExportedNeed        `json:"needs"`
	Projects    []ExportedProject     `json:"projects"`
	Activities  []ExportedActivity    `json:"activities"`
	Notes       []ExportedNote        `json:"notes"`
	Consents    []*ent.Consent        `json:"consents"`
	AccessLog   []*ent.AccessLogEntry `json:"accessLog"`
}

// ExportedPerson is the identity of the person.
type ExportedPerson struct {
	ID              pulid.ID   `json:"id"`
	LastName        string     `json:"lastName"`
	FirstNames      string     `json:"firstNames"`
	BirthName       string     `json:"birthName,omitempty"`
	BirthDate       string     `json:"birthDate"`
	Sex             string     `json:"sex"`
	INS             string     `json:"ins,omitempty"`
	LegalProtection string     `json:"legalProtection"`
	AnonymizedAt    *time.Time `json:"anonymizedAt,omitempty"`
}

// ExportedStay is a stay, with its establishment's name.
type ExportedStay struct {
	Establishment        string `json:"establishment"`
	AdmittedOn           string `json:"admittedOn"`
	DischargedOn         string `json:"dischargedOn,omitempty"`
	ReceptionType        string `json:"receptionType"`
	OrientationReference string `json:"orientationReference,omitempty"`
}

// ExportedNeed is a need, opened.
type ExportedNeed struct {
	Code       string `json:"code"`
	Label      string `json:"label"`
	AssessedOn string `json:"assessedOn"`
	Evaluator  string `json:"evaluator,omitempty"`
	Comment    string `json:"comment,omitempty"`
}

// ExportedProject is a version of the personalised project, opened.
type ExportedProject struct {
	StartsOn        string   `json:"startsOn"`
	ReviewOn        string   `json:"reviewOn"`
	Objectives      []string `json:"objectives"`
	PlannedServices []string `json:"plannedServices"`
}

// ExportedActivity is a service delivered.
type ExportedActivity struct {
	PerformedOn  string `json:"performedOn"`
	ServiceCode  string `json:"serviceCode"`
	Service      string `json:"service"`
	Minutes      int    `json:"minutes"`
	Professional string `json:"professional,omitempty"`
}

// ExportedNote is a journal note, opened.
type ExportedNote struct {
	ID              pulid.ID  `json:"id"`
	WrittenAt       time.Time `json:"writtenAt"`
	Author          string    `json:"author"`
	Confidentiality string    `json:"confidentiality"`
	Amends          pulid.ID  `json:"amends,omitempty"`
	Body            string    `json:"body"`
}

// Export gathers a person's file for the right of access. The member's
// CIL referents and administrators export; the export is logged first, so
// that it is in the access log it carries.
func (s *Service) Export(ctx context.Context, personID pulid.ID, reason string) (*Export, error) {
	v, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	platform := asPlatform(ctx)
	p, err := s.client.Person.Get(platform, personID)
	if err != nil {
		return nil, notFound(err, "person", personID)
	}
	if mayAdminister(v, p.MemberID, true) != nil {
		return nil, communs.Errorf(communs.ENOTFOUND, "no person %s", personID)
	}
	if err := logRead(ctx, s.client, p, "export", reason); err != nil {
		return nil, err
	}
	member, err := s.client.Member.Get(platform, p.MemberID)
	if err != nil {
		return nil, err
	}
	x := &Export{GeneratedAt: s.now().UTC(), Member: member.Name}
	if x.Person, err = s.exportedPerson(p); err != nil {
		return nil, err
	}
	for _, gather := range []func(context.Context, *Export, pulid.ID) error{
		s.exportStays, s.exportNeeds, s.exportProjects, s.exportActivities, s.exportNotes, s.exportRest,
	} {
		if err := gather(platform, x, p.ID); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func (s *Service) exportedPerson(p *ent.Person) (ExportedPerson, error) {
	ins, err := s.open(person.Table, p.ID, person.FieldInsSealed, p.InsSealed)
	return ExportedPerson{
		ID: p.ID, LastName: p.LastName, FirstNames: p.FirstNames, BirthName: p.BirthName,
		BirthDate: dateText(p.BirthDate), Sex: string(p.Sex), INS: ins,
		LegalProtection: string(p.LegalProtection), AnonymizedAt: p.AnonymizedAt,
	}, err
}

func (s *Service) exportStays(ctx context.Context, x *Export, id pulid.ID) error {
	stays, err := s.client.Stay.Query().Where(stay.PersonID(id)).WithEstablishment().
		Order(ent.Asc(stay.FieldAdmittedOn)).All(ctx)
	for _, st := range stays {
		x.Stays = append(x.Stays, ExportedStay{
			Establishment: st.Edges.Establishment.Name, AdmittedOn: dateText(st.AdmittedOn),
			DischargedOn: dateTextOf(st.DischargedOn), ReceptionType: string(st.ReceptionType),
			OrientationReference: st.OrientationReference,
		})
	}
	return err
}

func (s *Service) exportNeeds(ctx context.Context, x *Export, id pulid.ID) error {
	needs, err := s.client.NeedAssessment.Query().Where(needassessment.PersonID(id)).
		Order(ent.Asc(needassessment.FieldAssessedOn)).All(ctx)
	for _, n := range needs {
		code, err := s.NeedCode(n)
		if err != nil {
			return err
		}
		comment, err := s.NeedComment(n)
		if err != nil {
			return err
		}
		e, _ := serafin.Lookup(code)
		x.Needs = append(x.Needs, ExportedNeed{code, e.Label, dateText(n.AssessedOn), n.Evaluator, comment})
	}
	return err
}

func (s *Service) exportProjects(ctx context.Context, x *Export, id pulid.ID) error {
	projects, err := s.client.PersonalProject.Query().Where(personalproject.PersonID(id)).
		Order(ent.Asc(personalproject.FieldStartsOn)).All(ctx)
	for _, p := range projects {
		objectives, err := s.Objectives(p)
		if err != nil {
			return err
		}
		x.Projects = append(x.Projects, ExportedProject{dateText(p.StartsOn), dateText(p.ReviewOn), objectives, p.PlannedServices})
	}
	return err
}

func (s *Service) exportActivities(ctx context.Context, x *Export, id pulid.ID) error {
	activities, err := s.client.Activity.Query().Where(activity.PersonID(id)).
		Order(ent.Asc(activity.FieldPerformedOn)).All(ctx)
	for _, a := range activities {
		e, _ := serafin.Lookup(a.ServiceCode)
		x.Activities = append(x.Activities, ExportedActivity{dateText(a.PerformedOn), a.ServiceCode, e.Label, a.Minutes, a.Professional})
	}
	return err
}

func (s *Service) exportNotes(ctx context.Context, x *Export, id pulid.ID) error {
	notes, err := s.client.JournalNote.Query().Where(journalnote.PersonID(id)).
		Order(ent.Asc(journalnote.FieldCreatedAt)).All(ctx)
	for _, n := range notes {
		body, err := s.NoteBody(n)
		if err != nil {
			return err
		}
		var amends pulid.ID
		if n.AmendsID != nil {
			amends = *n.AmendsID
		}
		x.Notes = append(x.Notes, ExportedNote{n.ID, n.CreatedAt, n.Author, string(n.Confidentiality), amends, body})
	}
	return err
}

// exportRest gathers the contacts, the consents and the access log.
func (s *Service) exportRest(ctx context.Context, x *Export, id pulid.ID) error {
	var err error
	if x.Contacts, err = s.client.PersonContact.Query().Where(personcontact.PersonID(id)).All(ctx); err != nil {
		return err
	}
	if x.Consents, err = s.client.Consent.Query().Where(consent.PersonID(id)).
		Order(ent.Asc(consent.FieldRecordedOn), ent.Asc(consent.FieldCreatedAt)).All(ctx); err != nil {
		return err
	}
	x.AccessLog, err = s.client.AccessLogEntry.Query().Where(accesslogentry.PersonID(id)).
		Order(ent.Asc(accesslogentry.FieldCreatedAt), ent.Asc(accesslogentry.FieldID)).All(ctx)
	return err
}

func dateText(t time.Time) string { return t.Format(time.DateOnly) }

func dateTextOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return dateText(*t)
}

// WriteJSON writes an export as indented JSON.
func WriteJSON(w io.Writer, x *Export) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(x)
}

//go:embed export.html
var exportHTML string

var exportTemplate = template.Must(template.New("export").Funcs(template.FuncMap{
	"date": dateText,
	"time": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
}).Parse(exportHTML))

// WriteHTML writes an export as a printable page.
func WriteHTML(w io.Writer, x *Export) error { return exportTemplate.Execute(w, x) }

// ExportPattern is the route of the exports: GET
// /exports/userrecord/persons/PRS….json or .html, with an optional
// ?reason= that goes to the access log.
const ExportPattern = "GET /exports/userrecord/persons/{file}"

var exportFormats = map[string]struct {
	contentType string
	write       func(io.Writer, *Export) error
}{
	".json": {"application/json", WriteJSON},
	".html": {"text/html; charset=utf-8", WriteHTML},
}

func exportHandler(client *ent.Client, keys Keys, allowed func(*viewer.Viewer, string) bool, errs *httperror.Writer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file := r.PathValue("file")
		dot := strings.LastIndexByte(file, '.')
		format, ok := exportFormats[file[max(dot, 0):]]
		if dot <= 0 || !ok {
			errs.Write(w, r, communs.Errorf(communs.ENOTFOUND, "ask for <person id>.json or <person id>.html"))
			return
		}
		v := viewer.FromContext(r.Context())
		switch {
		case v == nil:
			errs.Write(w, r, communs.Errorf(communs.EUNAUTHENTICATED, "log in to export a file"))
			return
		case !allowed(v, "exportPerson"):
			errs.Write(w, r, communs.Errorf(communs.EFORBIDDEN, "a file is exported by the member's CIL referent or administrators"))
			return
		}
		k, err := keys()
		if err != nil {
			errs.Write(w, r, err)
			return
		}
		x, err := New(client, k).Export(r.Context(), pulid.ID(file[:dot]), r.URL.Query().Get("reason"))
		if err != nil {
			errs.Write(w, r, err)
			return
		}
		var body bytes.Buffer
		if err := format.write(&body, x); err != nil {
			errs.Write(w, r, err)
			return
		}
		w.Header().Set("Content-Type", format.contentType)
		w.Header().Set("Cache-Control", "no-store")
		_, _ = body.WriteTo(w)
	})
}
