package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"os"
	"strings"
	"testing"

	"communs/ent/member"
	"communs/ent/schema/pulid"
	"communs/internal/store"
	"communs/internal/viewer"
	"communs/modules/directory"
)

type establishmentPage struct {
	Establishments struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				ID, Name, Status, Department string
				CapacityTotal                int
			}
		}
	}
}

// withoutUserRecord leaves the user record's demo out: it gives Les
// Tilleuls establishments of its own, and these tests count Les Tilleuls'.
func withoutUserRecord(c *serveConfig) { c.modules = "directory,cil" }

func TestDirectoryThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, withoutUserRecord)
	admin, staff := s.as(t, tilleulsAdmin), s.as(t, gsmStaff)
	tilleuls := memberOf(t, admin)

	// Attributes the member defines, then an establishment that uses them.
	for _, def := range []string{
		`{memberId: $m, key: "surface_m2", label: "Surface (m²)", type: NUMBER}`,
		`{memberId: $m, key: "zone", label: "Zone", type: CHOICE, choices: ["urbain", "rural"], required: true}`,
	} {
		admin.data(t, `mutation($m: ID!) { defineAttribute(input: `+def+`) { id } }`, map[string]any{"m": tilleuls}, &struct{}{})
	}
	const create = `mutation($in: EstablishmentInput!) { createEstablishment(input: $in) { id department capacityTotal status } }`
	input := map[string]any{
		"memberId": tilleuls, "finessEt": directory.WithFINESSKey("89000010"), "name": "IME Les Tilleuls", "city": "Auxerre",
		"categoryCode": "183", "categoryLabel": "Institut Médico-Educatif",
		"capacities": []map[string]any{{"receptionType": "BOARDING", "places": 40}, {"receptionType": "DAY", "places": 12}},
		"attributes": []map[string]any{{"key": "surface_m2", "value": "1200,5"}, {"key": "zone", "value": "rural"}},
	}
	var created struct {
		CreateEstablishment struct {
			ID, Department, Status string
			CapacityTotal          int
		}
	}
	admin.data(t, create, map[string]any{"in": input}, &created)
	e := created.CreateEstablishment
	if e.Department != "89" || e.CapacityTotal != 52 || e.Status != "OPEN" {
		t.Errorf("created %+v", e)
	}
	for name, change := range map[string]map[string]any{
		"finessEt":            {"finessEt": "890000101"},
		"attributes":          {"attributes": []map[string]any{{"key": "surface_m2", "value": "1"}}},
		"attributes[0].value": {"attributes": []map[string]any{{"key": "zone", "value": "montagne"}}},
	} {
		bad := map[string]any{"memberId": tilleuls, "name": "Refusé"}
		for k, v := range change {
			bad[k] = v
		}
		resp := admin.query(t, create, map[string]any{"in": bad})
		if resp.code() != "INVALID_INPUT" || resp.Errors[0].Extensions["field"] != name {
			t.Errorf("%s: %+v", name, resp.Errors)
		}
	}

	admin.data(t, `mutation($id: ID!) { updateEstablishment(id: $id, input: {phone: "0386000000", attributes: [{key: "surface_m2", value: "900"}]}) { id } }`,
		map[string]any{"id": e.ID}, &struct{}{})

	// Filters: department, category, capacity range, a custom attribute.
	count := func(c *testServer, where string) int {
		t.Helper()
		var page establishmentPage
		c.data(t, `{ establishments(first: 50, where: `+where+`) { totalCount } }`, nil, &page)
		return page.Establishments.TotalCount
	}
	for where, want := range map[string]int{
		`{department: "89", categoryCode: "183"}`:                             1,
		`{capacityTotalGTE: 50, capacityTotalLTE: 60}`:                        1,
		`{capacityTotalGT: 52}`:                                               0,
		`{hasAttributeValuesWith: {numberValueGTE: 800}}`:                     1,
		`{hasAttributeValuesWith: {numberValueGT: 1000}}`:                     0,
		`{hasAttributeValuesWith: {textValue: "rural"}, phone: "0386000000"}`: 1,
	} {
		if got := count(admin, where); got != want {
			t.Errorf("establishments(where: %s): %d, want %d", where, got, want)
		}
	}
	// Row isolation: another member sees none of them; the staff sees all.
	if got := count(s.as(t, "admin@genets-morvan.example"), `{department: "89", categoryCode: "183", capacityTotal: 52}`); got != 0 {
		t.Errorf("another member sees %d of Les Tilleuls' establishments", got)
	}
	if got := count(staff, `{capacityTotal: 52, department: "89"}`); got != 1 {
		t.Errorf("the staff sees %d", got)
	}
	if code := staff.query(t, create, map[string]any{"in": input}).code(); code != "FORBIDDEN" {
		t.Errorf("the groupement's staff creating a member's establishment: %s", code)
	}

	const closeIt = `mutation($id: ID!) { closeEstablishment(id: $id, closedOn: "2026-06-30") { status closedOn } }`
	var closed struct {
		CloseEstablishment struct{ Status, ClosedOn string }
	}
	admin.data(t, closeIt, map[string]any{"id": e.ID}, &closed)
	if closed.CloseEstablishment.Status != "CLOSED" || closed.CloseEstablishment.ClosedOn != "2026-06-30" {
		t.Errorf("closed: %+v", closed.CloseEstablishment)
	}
	if code := admin.query(t, closeIt, map[string]any{"id": e.ID}).code(); code != "CONFLICT" {
		t.Errorf("closing twice: %s", code)
	}
}

func TestDirectoryImport(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff := s.as(t, gsmStaff)
	// A member without a FINESS EJ: every establishment of the file is its.
	var members memberPage
	staff.data(t, `{ members(first: 1, where: {finessEjIsNil: true, category: ACTIVE}) { edges { node { id } } } }`, nil, &members)
	member := members.Members.Edges[0].Node.ID
	const upload = `mutation($m: ID!, $file: String!) { importFinessExtract(input: {memberId: $m, contentBase64: $file}) {
		lines created updated unchanged skipped rejected { line reason } } }`
	type report struct {
		ImportFinessExtract struct {
			Lines, Created, Updated, Unchanged, Skipped int
			Rejected                                    []struct {
				Line   int
				Reason string
			}
		}
	}
	run := func(file string) report {
		t.Helper()
		content, err := os.ReadFile("../../modules/directory/testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		var r report
		staff.data(t, upload, map[string]any{"m": member, "file": base64.StdEncoding.EncodeToString(content)}, &r)
		return r
	}
	if r := run("extract-good.csv").ImportFinessExtract; r.Created != 5 || r.Updated+r.Unchanged+len(r.Rejected) != 0 {
		t.Errorf("first import: %+v", r)
	}
	if r := run("extract-utf8.csv").ImportFinessExtract; r.Unchanged != 5 || r.Created+r.Updated != 0 {
		t.Errorf("the same file again, in UTF-8: %+v", r)
	}
	bad := run("extract-bad.csv").ImportFinessExtract
	if len(bad.Rejected) == 0 {
		t.Fatalf("bad lines accepted: %+v", bad)
	}
	for _, r := range bad.Rejected {
		if r.Line < 2 || r.Reason == "" {
			t.Errorf("rejected line without its number or reason: %+v", r)
		}
	}
	var page establishmentPage
	staff.data(t, `query($m: ID!) { establishments(first: 50, where: {memberID: $m, department: "2A"}) { totalCount edges { node { name } } } }`,
		map[string]any{"m": member}, &page)
	if page.Establishments.TotalCount == 0 {
		t.Error("the Corsican establishment of the extract is not in the directory")
	}
	if code := staff.query(t, upload, map[string]any{"m": member, "file": "not base64!"}).code(); code != "INVALID_INPUT" {
		t.Errorf("an upload that is not base64: %s", code)
	}
}

func TestDeclarationPrefilledWithCapacities(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, withoutUserRecord)
	admin := s.as(t, tilleulsAdmin)
	tilleuls := memberOf(t, admin)
	admin.data(t, `mutation($m: ID!) { createEstablishment(input: {memberId: $m, name: "MAS de l'Yonne",
		capacities: [{receptionType: "BOARDING", places: 42}, {receptionType: "TEMPORARY", places: 2}]}) { id } }`,
		map[string]any{"m": tilleuls}, &struct{}{})
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
	admin.data(t, `mutation($m: ID!) { saveUsageDeclaration(input: {memberId: $m, year: 2027, lines: []}) { usageDeclaration { lines { quantity resource { code } } } } }`,
		map[string]any{"m": tilleuls}, &saved)
	lines := saved.SaveUsageDeclaration.UsageDeclaration.Lines
	if len(lines) != 1 || lines[0].Resource.Code != "GESTUSA" || lines[0].Quantity != 44 {
		t.Errorf("a new declaration's lines: %+v, want GESTUSA pre-filled with the 44 places", lines)
	}
}

func TestModulesSwitchedOff(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(c *serveConfig) { c.modules = "none" })
	staff := s.as(t, gsmStaff)
	for _, op := range []string{
		`{ establishments(first: 1) { totalCount } }`,
		`mutation { createEstablishment(input: {name: "x"}) { id } }`,
		`mutation { importFinessExtract(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", contentBase64: ""}) { created } }`,
	} {
		if code := staff.query(t, op, nil).code(); code != "MODULE_DISABLED" {
			t.Errorf("%s with the directory off: %s", op, code)
		}
	}
	var members memberPage
	staff.data(t, `{ members(first: 1) { totalCount edges { node { id } } } }`, nil, &members)
	if members.Members.TotalCount == 0 {
		t.Fatal("the core is affected by switching the modules off")
	}
	// Rows written while the module was on are not served by node(id:).
	sys := viewer.SystemContext(context.Background())
	e := s.db.Client.Establishment.Create().SetMemberID(pulid.ID(members.Members.Edges[0].Node.ID)).
		SetName("IME").SaveX(sys)
	if code := staff.query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": e.ID}).code(); code != "MODULE_DISABLED" {
		t.Errorf("node(id:) of an establishment with the directory off: %s", code)
	}
	var nodes struct{ Nodes []*struct{ ID string } }
	staff.data(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{string(e.ID), members.Members.Edges[0].Node.ID}}, &nodes)
	if len(nodes.Nodes) != 2 || nodes.Nodes[0] != nil || nodes.Nodes[1] == nil {
		t.Errorf("nodes(ids:) with the directory off: %+v", nodes.Nodes)
	}
}

func TestDirectoryImportFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if err := run(ctx, []string{"seed", "--demo", "--data-dir", dir}, io.Discard); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.Client.Member.Query().Where(member.FinessEjIsNil()).First(viewer.SystemContext(ctx))
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	importFile := func() string {
		t.Helper()
		var out bytes.Buffer
		err := run(ctx, []string{"directory", "import", "--data-dir", dir, "--member", string(m.ID),
			"../../modules/directory/testdata/extract-bad.csv"}, &out)
		if err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	first := importFile()
	if !strings.Contains(first, "created") || !strings.Contains(first, "  line ") {
		t.Errorf("first import:\n%s", first)
	}
	if again := importFile(); !strings.Contains(again, " 0 created, 0 updated") {
		t.Errorf("the same file again:\n%s", again)
	}
	err = run(ctx, []string{"directory", "import", "--data-dir", dir, "--member", string(m.ID), "/no/such/file.csv"}, io.Discard)
	if err == nil {
		t.Error("a missing file was accepted")
	}
	t.Setenv("COMMUNS_MODULES", "none")
	if err := run(ctx, []string{"directory", "import", "--data-dir", dir}, io.Discard); err == nil || !strings.Contains(err.Error(), "switched off") {
		t.Errorf("the command with the module off: %v", err)
	}
}
