package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"communs/ent/cpomcontract"
	"communs/ent/member"
	"communs/internal/viewer"
)

// cpomIndicators is what the API says of Les Tilleuls' indicators.
type cpomIndicators struct {
	CpomIndicators struct {
		Edges []struct {
			Node struct {
				Name, SourceCode string
				Fed              bool
				ValueFor         *float64
			}
		}
	}
}

// TestCPOMWithTheOtherModules: the to-do, the review, and the indicator
// fed by the user record's activities.
func TestCPOMWithTheOtherModules(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	v := s.as(t, tilleulsViewer)
	var got cpomIndicators
	v.data(t, `{ cpomIndicators(first: 10, where: {sourceCodeNotNil: true}) { edges { node { name sourceCode fed valueFor(year: 2026) } } } }`, nil, &got)
	if len(got.CpomIndicators.Edges) != 1 {
		t.Fatalf("fed indicators: %+v", got)
	}
	if n := got.CpomIndicators.Edges[0].Node; !n.Fed || n.ValueFor == nil || *n.ValueFor <= 0 {
		t.Errorf("the indicator fed by the user record: %+v, want the 2026 hours of %s", n, n.SourceCode)
	}
	var todo struct {
		CpomTodo struct {
			LateActions         []struct{ Title string }
			OffTargetIndicators []struct {
				Indicator struct{ Name string }
				Year      int
			}
		}
	}
	v.data(t, `query($m: ID!) { cpomTodo(memberId: $m, on: "2026-03-01") { lateActions { title } offTargetIndicators { indicator { name } year } } }`,
		map[string]any{"m": memberOf(t, v)}, &todo)
	if len(todo.CpomTodo.LateActions) != 1 || len(todo.CpomTodo.OffTargetIndicators) != 1 || todo.CpomTodo.OffTargetIndicators[0].Year != 2025 {
		t.Errorf("the to-do: %+v", todo)
	}
	sys := viewer.SystemContext(context.Background())
	c := s.db.Client.CpomContract.Query().Where(cpomcontract.HasMemberWith(member.Name("Association Les Tilleuls de l'Yonne"))).OnlyX(sys)
	review := download(t, v, "/exports/cpom/contracts/"+string(c.ID)+"/2025.html", 200)
	if !strings.Contains(review, "Revue annuelle 2025") || !strings.Contains(review, "Dialogue de gestion 2025") {
		t.Errorf("the review:\n%s", review)
	}
	download(t, s.as(t, gsmStaff), "/exports/cpom/contracts/"+string(c.ID)+"/2025.html", 404)
	download(t, s.as(t, genetsAdmin), "/exports/cpom/contracts/"+string(c.ID)+"/2025.html", 404)
	if code := s.as(t, "staff@tilleuls-yonne.example").query(t, `mutation($m: ID!) { createCpomContract(input: {memberId: $m,
		authority: "ARS", title: "Trop long", startsOn: "2026-01-01", endsOn: "2031-06-30"}) { id } }`,
		map[string]any{"m": memberOf(t, v)}).code(); code != "INVALID_INPUT" {
		t.Errorf("a contract of five years and a half: %s", code)
	}
}

// TestCPOMAlone: the module runs alone; its sourced indicator keeps its
// recorded values without the user record.
func TestCPOMAlone(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(c *serveConfig) { c.modules = "cpom" })
	var got cpomIndicators
	s.as(t, tilleulsViewer).data(t, `{ cpomIndicators(first: 10, where: {sourceCodeNotNil: true}) { edges { node { name fed valueFor(year: 2026) } } } }`, nil, &got)
	if len(got.CpomIndicators.Edges) != 1 || got.CpomIndicators.Edges[0].Node.Fed || got.CpomIndicators.Edges[0].Node.ValueFor != nil {
		t.Errorf("the sourced indicator without the user record: %+v", got)
	}
}

// TestCPOMModuleOff: its fields answer MODULE_DISABLED, node(id:) serves
// none of its rows, its route is not served, and the demo loads nothing.
func TestCPOMModuleOff(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(c *serveConfig) { c.modules = "directory,cil,userrecord" })
	v := s.as(t, tilleulsViewer)
	for _, q := range []string{
		`{ cpomContracts(first: 1) { totalCount } }`,
		`{ cpomTodo(memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA") { lateActions { id } } }`,
		`mutation { addCpomMilestone(input: {contractId: "CPC01JAAAAAAAAAAAAAAAAAAAA", title: "x", dueOn: "2026-01-01"}) { id } }`,
	} {
		if code := v.query(t, q, nil).code(); code != "MODULE_DISABLED" {
			t.Errorf("%s with the module off: %s", q, code)
		}
	}
	sys := viewer.SystemContext(context.Background())
	if n := s.db.Client.CpomContract.Query().CountX(sys); n != 0 {
		t.Errorf("the demo loaded %d contracts with the module off", n)
	}
	m := s.db.Client.Member.Query().Where(member.Name("Association Les Tilleuls de l'Yonne")).OnlyIDX(sys)
	c := s.db.Client.CpomContract.Create().SetMemberID(m).SetAuthority("ARS").SetTitle("x").
		SetStartsOn(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).SetEndsOn(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)).SaveX(sys)
	if code := v.query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": c.ID}).code(); code != "MODULE_DISABLED" {
		t.Errorf("node(id:) of a contract with the module off: %s", code)
	}
	download(t, v, "/exports/cpom/contracts/"+string(c.ID)+"/2026.html", 404)
}
