package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"communs/ent/accesslogentry"
	"communs/ent/account"
	"communs/ent/auditevent"
	"communs/ent/careassignment"
	"communs/ent/establishment"
	"communs/ent/person"
	"communs/ent/schema/pulid"
	"communs/ent/stay"
	"communs/internal/viewer"
)

const (
	tilleulsStaff  = "staff@tilleuls-yonne.example"
	tilleulsViewer = "viewer@tilleuls-yonne.example"
	genetsAdmin    = "admin@genets-morvan.example"
)

// assignedEstablishments returns the establishments the viewer is assigned
// to, by care role.
func assignedEstablishments(t *testing.T, c *testServer) map[string]string {
	t.Helper()
	var got struct {
		CareAssignments struct {
			Edges []struct {
				Node struct{ EstablishmentID, CareRole string }
			}
		}
	}
	c.data(t, `{ careAssignments(first: 50) { edges { node { establishmentID careRole } } } }`, nil, &got)
	byRole := map[string]string{}
	for _, e := range got.CareAssignments.Edges {
		byRole[e.Node.CareRole] = e.Node.EstablishmentID
	}
	return byRole
}

// createPerson records a person admitted to establishment and returns its id.
func createPerson(t *testing.T, c *testServer, establishment, lastName string) string {
	t.Helper()
	var created struct{ CreatePerson struct{ ID string } }
	c.data(t, `mutation($e: ID!, $name: String!) { createPerson(input: {
		identity: {lastName: $name, firstNames: "Camille", birthDate: "1994-05-17", sex: FEMALE,
			ins: "2 94 05 89 024 312 87", legalProtection: CURATORSHIP},
		stay: {establishmentId: $e, admittedOn: "2026-02-02", receptionType: DAY, orientationReference: "CDAPH-89-2025-0042"}}) { id } }`,
		map[string]any{"e": establishment, "name": lastName}, &created)
	return created.CreatePerson.ID
}

// accessLog counts the access-log entries of a person's file, by part.
func accessLog(t *testing.T, s *testServer, person string) map[string]int {
	t.Helper()
	entries, err := s.db.Client.AccessLogEntry.Query().
		Where(accesslogentry.PersonID(pulid.ID(person))).All(viewer.SystemContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]int{}
	for _, e := range entries {
		parts[e.Part]++
	}
	return parts
}

// staffWithPerson serves the demo and records, as Les Tilleuls' staff, a
// person admitted to the establishment where it has the CARE role.
func staffWithPerson(t *testing.T, lastName string) (s, staff *testServer, care, person string) {
	t.Helper()
	s = newTestServer(t)
	staff = s.as(t, tilleulsStaff)
	care = assignedEstablishments(t, staff)["CARE"]
	return s, staff, care, createPerson(t, staff, care, lastName)
}

// fillFile writes every part of a person's file: contacts, a need, a
// project, three activities in establishment, a note and its amendment, a
// consent.
func fillFile(t *testing.T, staff *testServer, person, establishment string) {
	t.Helper()
	vars := map[string]any{"p": person, "e": establishment}
	staff.data(t, `mutation($p: ID!) { setPersonContacts(personId: $p, contacts: [
		{kind: LEGAL_REPRESENTATIVE, name: "UDAF de l'Yonne", relation: "curateur", email: "mjpm@udaf89.example"}]) { id } }`, vars, &struct{}{})
	staff.data(t, `mutation($p: ID!) { assessNeed(input: {personId: $p, code: "1.1.1", assessedOn: "2026-02-10",
		evaluator: "Dr Martin", comment: "Suivi cardiaque trimestriel"}) { id label } }`, vars, &struct{}{})
	staff.data(t, `mutation($p: ID!) { setPersonalProject(input: {personId: $p, objectives: ["Retrouver un logement autonome"],
		plannedServices: ["2.3.1.1"], startsOn: "2026-03-01", reviewOn: "2026-09-01"}) { id } }`, vars, &struct{}{})
	staff.data(t, `mutation($p: ID!, $e: ID!) { recordActivities(input: [
		{personId: $p, establishmentId: $e, serviceCode: "2.3.1.1", performedOn: "2026-03-02", minutes: 60, professional: "A. Leroy"},
		{personId: $p, establishmentId: $e, serviceCode: "2.3.1.1", performedOn: "2026-03-09", minutes: 45, professional: "A. Leroy"},
		{personId: $p, establishmentId: $e, serviceCode: "2.1.1.1", performedOn: "2026-03-16", minutes: 30, professional: "Dr Martin"}]) { id } }`,
		vars, &struct{}{})
	var note struct{ WriteNote struct{ ID string } }
	staff.data(t, `mutation($p: ID!) { writeNote(input: {personId: $p, body: "Nuit agitée, appel au cadre d'astreinte", confidentiality: TEAM}) { id } }`, vars, &note)
	staff.data(t, `mutation($p: ID!, $n: ID!) { writeNote(input: {personId: $p, amendsId: $n,
		body: "Rectificatif : appel au médecin d'astreinte", confidentiality: TEAM}) { id } }`,
		map[string]any{"p": person, "n": note.WriteNote.ID}, &struct{}{})
	staff.data(t, `mutation($p: ID!) { recordConsent(input: {personId: $p, purpose: "Droit à l'image", given: true, recordedOn: "2026-02-02"}) { id } }`, vars, &struct{}{})
}

func TestUserRecordJourney(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff := s.as(t, tilleulsStaff)
	establishments := assignedEstablishments(t, staff)
	care := establishments["CARE"]
	if care == "" {
		t.Fatalf("the demo staff member has no CARE assignment: %v", establishments)
	}

	// Admission, needs, project, activities, notes, consent.
	person := createPerson(t, staff, care, "Parcours-Essai")
	vars := map[string]any{"p": person, "e": care}
	fillFile(t, staff, person, care)
	if code := staff.query(t, `mutation($p: ID!) { assessNeed(input: {personId: $p, code: "2.3.1.1", assessedOn: "2026-02-10"}) { id } }`, vars).code(); code != "INVALID_INPUT" {
		t.Errorf("a service code given as a need: %s", code)
	}

	// The list summary is not logged; every part of the file read is, once
	// per query, with the reason given.
	before := accessLog(t, s, person)
	staff.data(t, `{ persons(first: 50) { edges { node { lastName firstNames birthDate } } } }`, nil, &struct{}{})
	if after := accessLog(t, s, person); len(after) != len(before) {
		t.Errorf("reading the list summary was logged: %v", after)
	}
	reader := *staff
	reader.reason = "préparation de la synthèse"
	var file struct {
		Node struct {
			Ins      string
			Contacts []struct{ Name string }
			Stays    []struct{ AdmittedOn string }
			Needs    []struct{ Code, Label, Comment string }
			Projects []struct{ Objectives []string }
			Notes    []struct {
				Body   string
				Amends *struct{ ID string }
			}
			Consents   []struct{ Purpose string }
			Activities []struct{ ServiceCode string }
		}
	}
	reader.data(t, `query($p: ID!) { node(id: $p) { ... on Person { ins contacts { name } stays { admittedOn }
		needs { code label comment } projects { objectives } notes { body amends { id } } consents { purpose }
		activities { serviceCode } } } }`, vars, &file)
	f := file.Node
	if f.Ins != "294058902431287" || len(f.Contacts) != 1 || len(f.Stays) != 1 || len(f.Needs) != 1 ||
		f.Needs[0].Comment != "Suivi cardiaque trimestriel" || f.Needs[0].Label == "" ||
		len(f.Projects) != 1 || f.Projects[0].Objectives[0] != "Retrouver un logement autonome" ||
		len(f.Notes) != 2 || len(f.Consents) != 1 || len(f.Activities) != 3 {
		t.Errorf("the file read back: %+v", f)
	}
	logged := accessLog(t, s, person)
	for _, part := range []string{"identity", "contacts", "stays", "needs", "projects", "notes", "consents", "activities"} {
		if logged[part] != before[part]+1 {
			t.Errorf("reading the %s: %d entries, want %d", part, logged[part], before[part]+1)
		}
	}
	var log struct {
		AccessLogEntries struct {
			TotalCount int
			Edges      []struct {
				Node struct{ Actor, Reason, Part string }
			}
		}
	}
	s.as(t, tilleulsCIL).data(t, `query($p: ID!) { accessLogEntries(first: 100, where: {personID: $p, part: "needs"}) {
		totalCount edges { node { actor reason part } } } }`, vars, &log)
	if e := log.AccessLogEntries.Edges; len(e) == 0 || e[len(e)-1].Node.Actor != tilleulsStaff ||
		!slicesContainReason(e, "préparation de la synthèse") {
		t.Errorf("the member's CIL reads the access log: %+v", log.AccessLogEntries)
	}

	// The aggregate counts the month's services by code.
	var agg struct {
		ActivityAggregate []struct {
			ServiceCode                  string
			Activities, Minutes, Persons int
		}
	}
	member := memberOf(t, s.as(t, tilleulsAdmin))
	staff.data(t, `query($m: ID!, $e: [ID!]) { activityAggregate(input: {memberId: $m, from: "2026-03", to: "2026-03",
		groupBy: [SERVICE_CODE], establishmentIds: $e}) { serviceCode activities minutes persons } }`,
		map[string]any{"m": member, "e": []string{care}}, &agg)
	totals := map[string][2]int{}
	for _, r := range agg.ActivityAggregate {
		totals[r.ServiceCode] = [2]int{r.Activities, r.Minutes}
	}
	if totals["2.3.1.1"][0] < 2 || totals["2.1.1.1"][0] < 1 {
		t.Errorf("the March aggregate by code: %+v", agg.ActivityAggregate)
	}

	// The raw rows hold no plaintext of the sealed fields, and the audit
	// trail names no value of the file.
	for _, secret := range []string{"Suivi cardiaque", "logement autonome", "Nuit agitée", "294058902431287", "1.1.1"} {
		if n := rawRowsContaining(t, s, secret); n > 0 {
			t.Errorf("%q is in clear in %d rows", secret, n)
		}
	}
	if n := rawRowsContaining(t, s, "Parcours-Essai"); n != 1 {
		t.Errorf("the last name is in %d rows, want only the person's own (not the audit trail)", n)
	}

	// Art. 15 export by the member's CIL, JSON and HTML; it is logged.
	cil := s.as(t, tilleulsCIL)
	body := download(t, cil, "/exports/userrecord/persons/"+person+".json?reason=demande%20du%2012%20mars", 200)
	var export struct {
		Person    struct{ LastName, INS string }
		Notes     []struct{ Body string }
		AccessLog []struct{ Part, Reason string }
	}
	if err := json.Unmarshal([]byte(body), &export); err != nil {
		t.Fatal(err)
	}
	if export.Person.LastName != "Parcours-Essai" || export.Person.INS != "294058902431287" || len(export.Notes) != 2 ||
		len(export.AccessLog) == 0 || export.AccessLog[len(export.AccessLog)-1].Part != "export" ||
		export.AccessLog[len(export.AccessLog)-1].Reason != "demande du 12 mars" {
		t.Errorf("the JSON export: %+v", export)
	}
	if html := download(t, cil, "/exports/userrecord/persons/"+person+".html", 200); !strings.Contains(html, "Parcours-Essai") ||
		!strings.Contains(html, "Rectificatif : appel au médecin") || !strings.Contains(html, "Journal des accès") {
		t.Error("the HTML export lacks the identity, a note or the access log")
	}
	download(t, staff, "/exports/userrecord/persons/"+person+".json", 403)
	download(t, s.as(t, genetsAdmin), "/exports/userrecord/persons/"+person+".json", 404)
	download(t, s, "/exports/userrecord/persons/"+person+".json", 401)

	// Erasure: refused while the person is supported, then done.
	erase := `mutation($p: ID!) { erasePerson(id: $p, reason: "demande de la personne") { lastName anonymizedAt } }`
	if code := cil.query(t, erase, vars).code(); code != "CONFLICT" {
		t.Errorf("erasing the file of a person still supported: %s", code)
	}
	var stays struct {
		Node struct{ Stays []struct{ ID string } }
	}
	staff.data(t, `query($p: ID!) { node(id: $p) { ... on Person { stays { id } } } }`, vars, &stays)
	staff.data(t, `mutation($s: ID!) { dischargePerson(stayId: $s, dischargedOn: "2026-04-30") { id } }`,
		map[string]any{"s": stays.Node.Stays[0].ID}, &struct{}{})
	var erased struct {
		ErasePerson struct{ LastName, AnonymizedAt string }
	}
	cil.data(t, erase, vars, &erased)
	if erased.ErasePerson.LastName != "ANONYME" || erased.ErasePerson.AnonymizedAt == "" {
		t.Errorf("erased: %+v", erased.ErasePerson)
	}
	if n := rawRowsContaining(t, s, "Parcours-Essai"); n != 0 {
		t.Errorf("the last name is still in %d rows after erasure", n)
	}
	if logged := accessLog(t, s, person); logged["erasure"] != 1 {
		t.Errorf("the erasure is not in the access log: %v", logged)
	}
}

func slicesContainReason(edges []struct {
	Node struct{ Actor, Reason, Part string }
}, reason string) bool {
	for _, e := range edges {
		if e.Node.Reason == reason {
			return true
		}
	}
	return false
}

// rawRowsContaining counts the rows of the user record's tables, and of the
// audit trail, whose text holds s: what someone reading the database files
// would see.
func rawRowsContaining(t *testing.T, s *testServer, text string) int {
	t.Helper()
	ctx := context.Background()
	total := 0
	for table, columns := range map[string]string{
		"userrecord_persons":  "last_name || first_names || coalesce(ins_sealed, '')",
		"userrecord_needs":    "coalesce(code_sealed, '') || coalesce(comment_sealed, '') || evaluator",
		"userrecord_projects": "coalesce(objectives_sealed, '')",
		"userrecord_notes":    "coalesce(body_sealed, '')",
		"audit_events":        "summary",
	} {
		rows, err := s.db.Client.QueryContext(ctx, "SELECT count(*) FROM "+table+" WHERE "+columns+" LIKE $1", "%"+text+"%")
		if err != nil {
			t.Fatal(err)
		}
		var n int
		for rows.Next() {
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
		total += n
	}
	return total
}

func TestUserRecordAccessRules(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff := s.as(t, tilleulsStaff)
	establishments := assignedEstablishments(t, staff)
	person := createPerson(t, staff, establishments["CARE"], "Regle-Acces")
	vars := map[string]any{"p": person}
	readStays := `query($p: ID!) { node(id: $p) { ... on Person { lastName stays { id } } } }`
	sees := func(c *testServer) bool {
		t.Helper()
		resp := c.query(t, readStays, vars)
		if resp.code() == "NOT_FOUND" {
			return false
		}
		var got struct{ Node *struct{ LastName string } }
		decode(t, resp, &got)
		return got.Node != nil
	}

	// A member's viewer not assigned, another member, the groupement: nothing.
	for _, email := range []string{tilleulsViewer, genetsAdmin, gsmStaff} {
		if sees(s.as(t, email)) {
			t.Errorf("%s reads a file of an establishment it is not assigned to", email)
		}
	}
	if code := s.as(t, genetsAdmin).query(t, `mutation($p: ID!) { writeNote(input: {personId: $p, body: "x", confidentiality: TEAM}) { id } }`, vars).code(); code != "NOT_FOUND" {
		t.Errorf("another member writes a note: %s", code)
	}
	var page struct{ Persons struct{ TotalCount int } }
	s.as(t, genetsAdmin).data(t, `{ persons(first: 1, where: {lastName: "Regle-Acces"}) { totalCount } }`, nil, &page)
	if page.Persons.TotalCount != 0 {
		t.Error("another member counts the person")
	}

	// A filter through a file's parts sees the rows the viewer reads.
	throughStays := `query($e: ID!) { persons(first: 1, where: {lastName: "Regle-Acces", hasStaysWith: {hasEstablishmentWith: {id: $e}}}) { totalCount } }`
	for viewer, want := range map[*testServer]int{staff: 1, s.as(t, genetsAdmin): 0, s.as(t, tilleulsViewer): 0} {
		viewer.data(t, throughStays, map[string]any{"e": establishments["CARE"]}, &page)
		if page.Persons.TotalCount != want {
			t.Errorf("persons through their stays: %d, want %d", page.Persons.TotalCount, want)
		}
	}

	// Another member's retention rule is not for its people.
	if code := s.as(t, genetsAdmin).query(t, `query($m: ID!) { recordRetention(memberId: $m) }`,
		map[string]any{"m": memberOf(t, s.as(t, tilleulsAdmin))}).code(); code != "FORBIDDEN" {
		t.Errorf("another member's retention rule: %s", code)
	}

	// Creating a file where one is not assigned is refused.
	admin := s.as(t, tilleulsAdmin)
	var others struct {
		Establishments struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	admin.data(t, `{ establishments(first: 50) { edges { node { id } } } }`, nil, &others)
	for _, e := range others.Establishments.Edges {
		if e.Node.ID == establishments["CARE"] || e.Node.ID == establishments["EDUCATIONAL"] {
			continue
		}
		if code := staff.query(t, `mutation($e: ID!) { createPerson(input: {identity: {lastName: "X", firstNames: "Y", birthDate: "2000-01-01", sex: MALE},
			stay: {establishmentId: $e, admittedOn: "2026-01-01", receptionType: DAY}}) { id } }`, map[string]any{"e": e.Node.ID}).code(); code != "FORBIDDEN" {
			t.Errorf("creating a file in an establishment one is not assigned to: %s", code)
		}
	}

	// A support access opens the member's files to a groupement's account,
	// until it is revoked; its reads are logged under its name.
	var me struct{ Me struct{ ID string } }
	gsm := s.as(t, gsmStaff)
	gsm.data(t, `{ me { id } }`, nil, &me)
	var granted struct{ GrantSupportAccess struct{ ID string } }
	admin.data(t, `mutation($m: ID!, $a: ID!) { grantSupportAccess(input: {memberId: $m, accountId: $a,
		reason: "ticket 4521: doublons", hours: 4}) { id } }`,
		map[string]any{"m": memberOf(t, admin), "a": me.Me.ID}, &granted)
	if !sees(gsm) {
		t.Error("the groupement's staff does not read the file under a support access")
	}
	if code := gsm.query(t, `mutation($p: ID!) { writeNote(input: {personId: $p, body: "x", confidentiality: TEAM}) { id } }`, vars).code(); code != "FORBIDDEN" {
		t.Errorf("a support access writes: %s", code)
	}
	admin.data(t, `mutation($id: ID!) { revokeSupportAccess(id: $id) { revokedAt } }`, map[string]any{"id": granted.GrantSupportAccess.ID}, &struct{}{})
	if sees(gsm) {
		t.Error("the support access still opens the file after revocation")
	}
	audited, err := s.db.Client.AuditEvent.Query().
		Where(auditevent.EntityType("SupportAccess"), auditevent.EntityID(granted.GrantSupportAccess.ID)).
		Select(auditevent.FieldAction).Strings(viewer.SystemContext(context.Background()))
	slices.Sort(audited)
	if err != nil || !slices.Equal(audited, []string{"create", "update"}) {
		t.Errorf("the support access's audit trail: %v, %v", audited, err)
	}
	entries, err := s.db.Client.AccessLogEntry.Query().
		Where(accesslogentry.PersonID(pulid.ID(person)), accesslogentry.Actor(gsmStaff)).Count(viewer.SystemContext(context.Background()))
	if err != nil || entries == 0 {
		t.Errorf("the support reads are not in the access log: %d, %v", entries, err)
	}
}

func TestUserRecordRestrictedNotes(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff, admin := s.as(t, tilleulsStaff), s.as(t, tilleulsAdmin)
	person := createPerson(t, staff, assignedEstablishments(t, staff)["CARE"], "Note-Reservee")
	vars := map[string]any{"p": person}
	staff.data(t, `mutation($p: ID!) { writeNote(input: {personId: $p, body: "Entretien psychologique", confidentiality: RESTRICTED,
		restrictedTo: [PSYCHOLOGICAL]}) { id } }`, vars, &struct{}{})
	staff.data(t, `mutation($p: ID!) { writeNote(input: {personId: $p, body: "Sortie au marché", confidentiality: TEAM}) { id } }`, vars, &struct{}{})
	notes := func(c *testServer) []string {
		var got struct {
			Node struct{ Notes []struct{ Body string } }
		}
		c.data(t, `query($p: ID!) { node(id: $p) { ... on Person { notes { body } } } }`, vars, &got)
		var bodies []string
		for _, n := range got.Node.Notes {
			bodies = append(bodies, n.Body)
		}
		return bodies
	}
	if got := notes(staff); len(got) != 2 {
		t.Errorf("the author reads %v", got)
	}
	// The administrator (management) is assigned there too, with no
	// psychological role: the team's note only.
	if got := notes(admin); len(got) != 1 || got[0] != "Sortie au marché" {
		t.Errorf("management reads %v", got)
	}
	if code := staff.query(t, `mutation($p: ID!) { writeNote(input: {personId: $p, body: "x", confidentiality: RESTRICTED}) { id } }`, vars).code(); code != "INVALID_INPUT" {
		t.Errorf("a restricted note open to no role: %s", code)
	}
}

func TestUserRecordModuleOff(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(c *serveConfig) { c.modules = "directory,cil" })
	staff := s.as(t, tilleulsStaff)
	for _, q := range []string{
		`{ persons(first: 1) { totalCount } }`,
		`{ serafinCodes { code } }`,
		`mutation { recordActivities(input: []) { id } }`,
	} {
		if code := staff.query(t, q, nil).code(); code != "MODULE_DISABLED" {
			t.Errorf("%s with the module off: %s", q, code)
		}
	}
	download(t, s.as(t, tilleulsCIL), "/exports/userrecord/persons/PRS01JAAAAAAAAAAAAAAAAAAAA.json", 404)
	ctx := viewer.SystemContext(context.Background())
	if n, _ := s.db.Client.Person.Query().Count(ctx); n != 0 {
		t.Errorf("the demo loaded %d persons with the module off", n)
	}
	// Rows written while the module was on are not served by node(id:),
	// even to an account assigned to their establishment.
	admin := s.db.Client.Account.Query().Where(account.Email(genetsAdmin)).WithRoleAssignments().OnlyX(ctx)
	member := *admin.Edges.RoleAssignments[0].MemberID
	e := s.db.Client.Establishment.Query().Where(establishment.MemberID(member)).FirstX(ctx)
	s.db.Client.CareAssignment.Create().SetMemberID(member).SetAccountID(admin.ID).SetEstablishmentID(e.ID).
		SetCareRole(careassignment.CareRoleMANAGEMENT).ExecX(ctx)
	p := s.db.Client.Person.Create().SetMemberID(e.MemberID).SetLastName("Eteint").SetFirstNames("Module").
		SetBirthDate(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)).SetSex(person.SexMALE).SaveX(ctx)
	st := s.db.Client.Stay.Create().SetPersonID(p.ID).SetMemberID(e.MemberID).SetEstablishmentID(e.ID).
		SetAdmittedOn(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)).SetReceptionType(stay.ReceptionTypeDAY).SaveX(ctx)
	for _, id := range []pulid.ID{p.ID, st.ID} {
		if code := s.as(t, genetsAdmin).query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}).code(); code != "MODULE_DISABLED" {
			t.Errorf("node(%s) with the module off: %s", id, code)
		}
	}
}

// filePart is a part of a person's file as the API reads it.
type filePart struct {
	// part as the access log names it, the root list, the edge of
	// Person, the GraphQL type, and a field that is not an id.
	part, list, edge, typ, plain string
}

var fileParts = []filePart{
	{"contacts", "personContacts", "contacts", "PersonContact", "name"},
	{"stays", "stays", "stays", "Stay", "admittedOn"},
	{"needs", "needAssessments", "needs", "NeedAssessment", "assessedOn"},
	{"projects", "personalProjects", "projects", "PersonalProject", "startsOn"},
	{"activities", "activities", "activities", "Activity", "serviceCode"},
	{"notes", "journalNotes", "notes", "JournalNote", "confidentiality"},
	{"consents", "consents", "consents", "Consent", "purpose"},
}

// readShapes are the ways a query reaches a part of a file, with $p the
// person and $row one of the part's rows: SEL is the part's selection,
// LIST its root list, EDGE its edge on Person.
var readShapes = map[string]string{
	"root list":   `query($p: ID!) { LIST(first: 100, where: {personID: $p}) { edges { node { SEL } } } }`,
	"nested edge": `query($p: ID!) { persons(first: 100, where: {id: $p}) { edges { node { EDGE { SEL } } } } }`,
	"node":        `query($row: ID!) { node(id: $row) { ... on TYPE { SEL } } }`,
	"nodes":       `query($row: ID!) { nodes(ids: [$row]) { ... on TYPE { SEL } } }`,
	"person node": `query($p: ID!) { node(id: $p) { ... on Person { EDGE { SEL } } } }`,
}

// Every read of a part of a file names its member and its person, whatever
// the query selects: the member's CIL sees exactly one entry per person and
// part, and no entry names no one.
func TestAccessLogNamesTheFileWhateverIsSelected(t *testing.T) {
	t.Parallel()
	s, staff, care, person := staffWithPerson(t, "Journal-Complet")
	fillFile(t, staff, person, care)
	cil := s.as(t, tilleulsCIL)
	cilEntries := func(part string) int {
		var log struct{ AccessLogEntries struct{ TotalCount int } }
		cil.data(t, `query($p: ID!, $part: String!) { accessLogEntries(first: 1, where: {personID: $p, part: $part}) { totalCount } }`,
			map[string]any{"p": person, "part": part}, &log)
		return log.AccessLogEntries.TotalCount
	}
	allEntries := func() int {
		n, err := s.db.Client.AccessLogEntry.Query().Count(viewer.SystemContext(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, p := range fileParts {
		var rows map[string]struct {
			Edges []struct{ Node struct{ ID string } }
		}
		staff.data(t, strings.ReplaceAll(`query($p: ID!) { LIST(first: 1, where: {personID: $p}) { edges { node { id } } } }`, "LIST", p.list),
			map[string]any{"p": person}, &rows)
		row := rows[p.list].Edges[0].Node.ID
		for name, shape := range readShapes {
			for _, sel := range []string{p.plain, "id memberID personID " + p.plain} {
				query := strings.NewReplacer("LIST", p.list, "EDGE", p.edge, "TYPE", p.typ, "SEL", sel).Replace(shape)
				before, total := cilEntries(p.part), allEntries()
				staff.data(t, query, map[string]any{"p": person, "row": row}, &struct{}{})
				if got := cilEntries(p.part) - before; got != 1 {
					t.Errorf("%s of %s selecting %q: the CIL sees %d new entries, want 1", name, p.part, sel, got)
				}
				if got := allEntries() - total; got != 1 {
					t.Errorf("%s of %s selecting %q: %d new entries, want 1", name, p.part, sel, got)
				}
			}
		}
	}
	for name, query := range map[string]string{
		"root list":   `query($p: ID!) { persons(first: 100, where: {id: $p}) { edges { node { ins } } } }`,
		"node":        `query($p: ID!) { node(id: $p) { ... on Person { ins } } }`,
		"nodes":       `query($p: ID!) { nodes(ids: [$p]) { ... on Person { ins } } }`,
		"with its id": `query($p: ID!) { persons(first: 100, where: {id: $p}) { edges { node { id memberID ins } } } }`,
	} {
		before, total := cilEntries("identity"), allEntries()
		staff.data(t, query, map[string]any{"p": person}, &struct{}{})
		if got := cilEntries("identity") - before; got != 1 || allEntries()-total != 1 {
			t.Errorf("%s of the identity: the CIL sees %d new entries of %d, want 1 of 1", name, got, allEntries()-total)
		}
	}
}

// A reason with accents, sent as a browser sends it (Latin-1) or as RFC
// 8187 says, is stored and read back as UTF-8; one that cannot be read is
// refused, never stored.
func TestAccessReasonsWithAccents(t *testing.T) {
	t.Parallel()
	s, staff, _, person := staffWithPerson(t, "Motif-Accentué")
	vars := map[string]any{"p": person}
	read := `query($p: ID!) { node(id: $p) { ... on Person { stays { admittedOn } } } }`
	for _, reason := range []string{"pr\xe9paration de la synth\xe8se", "UTF-8''%C5%93d%C3%A8me%20%C3%A0%20suivre"} {
		reader := *staff
		reader.reason = reason
		reader.data(t, read, vars, &struct{}{})
	}
	var log struct {
		AccessLogEntries struct {
			Edges []struct{ Node struct{ Reason string } }
		}
	}
	s.as(t, tilleulsCIL).data(t, `query($p: ID!) { accessLogEntries(first: 10, where: {personID: $p, part: "stays"}) { edges { node { reason } } } }`, vars, &log)
	var reasons []string
	for _, e := range log.AccessLogEntries.Edges {
		reasons = append(reasons, e.Node.Reason)
	}
	slices.Sort(reasons)
	if want := []string{"préparation de la synthèse", "œdème à suivre"}; !slices.Equal(reasons, want) {
		t.Errorf("reasons read back: %q, want %q", reasons, want)
	}
	for _, reason := range []string{"UTF-8''%FF%FE", "UTF-8''a%00b"} {
		reader := *staff
		reader.reason = reason
		if res := reader.query(t, read, vars); res.code() != "INVALID_INPUT" {
			t.Errorf("reason %q: %+v", reason, res)
		}
	}
	cil := s.as(t, tilleulsCIL)
	download(t, cil, "/exports/userrecord/persons/"+person+".json?reason=%FF%00", 400)
	if logged := accessLog(t, s, person); logged["stays"] != 2 || logged["export"] != 0 {
		t.Errorf("entries written: %v", logged)
	}
}
