package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"communs/internal/metrics"
	"communs/internal/seed"
	"communs/internal/store"
	"communs/internal/store/storetest"
	"communs/modules"
)

// testServer is the real application, wired as `communs serve --demo` wires
// it, listening on a free port.
type testServer struct {
	url    string
	token  string    // sent as a bearer token when set
	reason string    // sent as X-Access-Reason when set
	db     *store.DB // the server's database, for fixtures the API cannot make yet
	// metrics are the server's, served apart from the API.
	metrics *metrics.Metrics
	// sent counts the GraphQL requests of the clients made by as, which
	// metrics count once answered (see statementsOf).
	sent *atomic.Int64
}

// gqlResponse is a GraphQL answer.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// code returns the extensions.code of the first error, or "".
func (r gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	code, _ := r.Errors[0].Extensions["code"].(string)
	return code
}

// gsmStaff is the demo account of the groupement's staff, who reads everything.
const gsmStaff = "staff@communs.example"

// testEnviron is the environment the test servers' modules read: a fixed
// user-record key, so that the demo template's sealed fields open in every
// copy of it.
var testEnviron = []string{"COMMUNS_USERRECORD_KEYS=k1 " + base64.StdEncoding.EncodeToString(make([]byte, 32))}

// newTestServer serves a copy of the demo data that `communs serve --demo`
// loads with the modules configure enables; the demo is loaded once per
// test process and module list, and copied for each server.
func newTestServer(t *testing.T, configure ...func(*serveConfig)) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logger := slog.New(slog.DiscardHandler)
	cfg := serveConfig{graphiql: true, introspection: true, sessionCache: 10 * time.Second}
	cfg.db.dataDir = t.TempDir()
	for _, c := range configure {
		c(&cfg)
	}
	set := buildModules(cfg.db.dataDir, logger, testEnviron)
	mods, err := set.enabled(cfg.modules)
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.OpenFilled(t, "demo with modules "+strings.Join(modules.Names(mods), ","), func(ctx context.Context, db *store.DB) error {
		return prepare(ctx, serveConfig{demo: true}, db, mods, io.Discard)
	})
	srv, m, err := newServer(ctx, cfg, db, set, logger, io.Discard)
	if err != nil {
		t.Fatalf("wiring the server: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, context.Canceled) {
			t.Errorf("server stopped with %v", err)
		}
	})
	return &testServer{url: "http://" + ln.Addr().String(), db: db, metrics: m, sent: new(atomic.Int64)}
}

// query posts a GraphQL operation and decodes the answer, whatever its status.
func (s *testServer) query(t *testing.T, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if s.reason != "" {
		req.Header.Set("X-Access-Reason", s.reason)
	}
	if s.sent != nil {
		s.sent.Add(1)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out gqlResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decoding the answer (status %d): %v", resp.StatusCode, err)
	}
	return out
}

// as logs in with a demo account and returns a client acting as it.
func (s *testServer) as(t *testing.T, email string) *testServer {
	t.Helper()
	var got struct {
		Login struct{ Token string } `json:"login"`
	}
	anonymous := &testServer{url: s.url, sent: s.sent}
	anonymous.data(t, `mutation($email: String!, $password: String!) { login(input: {email: $email, password: $password}) { token } }`,
		map[string]any{"email": email, "password": seed.DemoPassword}, &got)
	return &testServer{url: s.url, token: got.Login.Token, db: s.db, metrics: s.metrics, sent: s.sent}
}

// data runs a query that must succeed and decodes its data into v.
func (s *testServer) data(t *testing.T, query string, vars map[string]any, v any) {
	t.Helper()
	decode(t, s.query(t, query, vars), v)
}

// decode checks that an answer has no error and decodes its data into v.
func decode(t *testing.T, resp gqlResponse, v any) {
	t.Helper()
	if len(resp.Errors) > 0 {
		t.Fatalf("query failed: %+v", resp.Errors)
	}
	if err := json.Unmarshal(resp.Data, v); err != nil {
		t.Fatal(err)
	}
}

type memberNode struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Category      string `json:"category"`
	Subscriptions []struct {
		Resource struct{ Name string } `json:"resource"`
	} `json:"subscriptions"`
}

type memberPage struct {
	Members struct {
		TotalCount int `json:"totalCount"`
		PageInfo   struct {
			HasNextPage     bool   `json:"hasNextPage"`
			HasPreviousPage bool   `json:"hasPreviousPage"`
			StartCursor     string `json:"startCursor"`
			EndCursor       string `json:"endCursor"`
		} `json:"pageInfo"`
		Edges []struct {
			Node memberNode `json:"node"`
		} `json:"edges"`
	} `json:"members"`
}

func TestActiveMembersWithTheirSubscriptions(t *testing.T) {
	t.Parallel()
	s := newTestServer(t).as(t, gsmStaff)
	var page memberPage
	s.data(t, `{ members(first: 20, where: {category: ACTIVE}) { totalCount edges { node { name category subscriptions { resource { name } } } } } }`, nil, &page)
	if page.Members.TotalCount != 17 || len(page.Members.Edges) != 17 {
		t.Fatalf("got %d members (total %d), want 17", len(page.Members.Edges), page.Members.TotalCount)
	}
	for _, e := range page.Members.Edges {
		if e.Node.Category != "ACTIVE" || len(e.Node.Subscriptions) == 0 || e.Node.Subscriptions[0].Resource.Name == "" {
			t.Errorf("member %+v: want ACTIVE with named subscriptions", e.Node)
		}
	}
}

func TestPaginationRoundTrip(t *testing.T) {
	t.Parallel()
	s := newTestServer(t).as(t, gsmStaff)
	const q = `query($first: Int, $after: Cursor, $last: Int, $before: Cursor) {
		members(first: $first, after: $after, last: $last, before: $before, orderBy: [{field: NAME}]) {
			totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
			edges { node { id name } } } }`
	seen := map[string]bool{}
	var names []string
	var after any
	for pages := 0; ; pages++ {
		var page memberPage
		s.data(t, q, map[string]any{"first": 20, "after": after}, &page)
		for _, e := range page.Members.Edges {
			if seen[e.Node.ID] {
				t.Fatalf("member %s seen twice", e.Node.ID)
			}
			seen[e.Node.ID] = true
			names = append(names, e.Node.Name)
		}
		if !page.Members.PageInfo.HasNextPage {
			break
		}
		after = page.Members.PageInfo.EndCursor
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 51 {
		t.Fatalf("paged through %d members, want 51", len(seen))
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] > names[i] {
			t.Fatalf("not ordered by name: %q before %q", names[i-1], names[i])
		}
	}
	// Backwards from the end: the last 5 are the last 5 names.
	var last memberPage
	s.data(t, q, map[string]any{"last": 5}, &last)
	if len(last.Members.Edges) != 5 || last.Members.Edges[4].Node.Name != names[len(names)-1] || !last.Members.PageInfo.HasPreviousPage {
		t.Fatalf("last page: %+v", last.Members)
	}
	var before memberPage
	s.data(t, q, map[string]any{"last": 3, "before": last.Members.PageInfo.StartCursor}, &before)
	if len(before.Members.Edges) != 3 || before.Members.Edges[2].Node.Name != names[len(names)-6] {
		t.Fatalf("page before the last: %+v", before.Members)
	}
}

func TestFilteringAndOrdering(t *testing.T) {
	t.Parallel()
	s := newTestServer(t).as(t, gsmStaff)
	count := func(where string) int {
		var page memberPage
		s.data(t, `{ members(first: 100, where: `+where+`) { totalCount } }`, nil, &page)
		return page.Members.TotalCount
	}
	for where, want := range map[string]int{
		`{category: FOUNDER}`:                           3,
		`{category: USER}`:                              31,
		`{categoryIn: [FOUNDER, ACTIVE]}`:               20,
		`{or: [{category: FOUNDER}, {category: USER}]}`: 34,
	} {
		if got := count(where); got != want {
			t.Errorf("members where %s: %d, want %d", where, got, want)
		}
	}
	// Members subscribed to the user record: the published figure is 4.
	if got := count(`{hasSubscriptionsWith: {hasResourceWith: {nameContainsFold: "dossier"}}}`); got < 1 {
		t.Errorf("members with a user-record subscription: %d", got)
	}

	var page memberPage
	s.data(t, `{ members(first: 100, orderBy: [{field: CATEGORY, direction: ASC}, {field: NAME, direction: DESC}]) { edges { node { name category } } } }`, nil, &page)
	edges := page.Members.Edges
	for i := 1; i < len(edges); i++ {
		a, b := edges[i-1].Node, edges[i].Node
		if a.Category > b.Category || (a.Category == b.Category && a.Name < b.Name) {
			t.Fatalf("not ordered by category then name descending: %+v before %+v", a, b)
		}
	}
}

func TestNodeLookup(t *testing.T) {
	t.Parallel()
	s := newTestServer(t).as(t, gsmStaff)
	var page memberPage
	s.data(t, `{ members(first: 1) { edges { node { id name } } } }`, nil, &page)
	member := page.Members.Edges[0].Node

	var got struct {
		Node  *struct{ ID, Name string } `json:"node"`
		Nodes []*struct{ ID string }     `json:"nodes"`
	}
	s.data(t, `query($id: ID!) { node(id: $id) { id ... on Member { name } } nodes(ids: [$id]) { id } }`,
		map[string]any{"id": member.ID}, &got)
	if got.Node == nil || got.Node.Name != member.Name || len(got.Nodes) != 1 || got.Nodes[0].ID != member.ID {
		t.Fatalf("node(%s) = %+v", member.ID, got)
	}

	for _, id := range []string{"MBR01JAAAAAAAAAAAAAAAAAAAA", "XYZ01JAAAAAAAAAAAAAAAAAAAA", "not-an-id", ""} {
		if code := s.query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}).code(); code != "NOT_FOUND" {
			t.Errorf("node(%q): code %q, want NOT_FOUND", id, code)
		}
	}
}

func TestBadQueriesGetClearAnswers(t *testing.T) {
	t.Parallel()
	s := newTestServer(t).as(t, gsmStaff)
	for _, tc := range []struct{ name, query, code string }{
		{"page above the maximum", `{ members(first: 1000) { totalCount } }`, "INVALID_INPUT"},
		{"no page size", `{ members { totalCount } }`, "INVALID_INPUT"},
		{"malformed GraphQL", `{ members(first: 1) { `, "GRAPHQL_PARSE_FAILED"},
		{"unknown field", `{ members(first: 1) { nope } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"malformed cursor", `{ members(first: 1, after: "garbage") { totalCount } }`, "INVALID_INPUT"},
	} {
		if code := s.query(t, tc.query, nil).code(); code != tc.code {
			t.Errorf("%s: code %q, want %q", tc.name, code, tc.code)
		}
	}
}

func TestMoneyIsADecimalString(t *testing.T) {
	t.Parallel()
	s := newTestServer(t).as(t, gsmStaff)
	var got struct {
		CostEntries struct {
			Edges []struct {
				Node struct {
					Amount string `json:"amount"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"costEntries"`
	}
	s.data(t, `{ costEntries(first: 5, where: {basis: ACTUAL}) { edges { node { amount } } } }`, nil, &got)
	if len(got.CostEntries.Edges) == 0 {
		t.Fatal("no cost entries in the demo data")
	}
	for _, e := range got.CostEntries.Edges {
		if !moneyPattern.MatchString(e.Node.Amount) {
			t.Errorf("amount %q is not a decimal string with two decimals", e.Node.Amount)
		}
	}
}
