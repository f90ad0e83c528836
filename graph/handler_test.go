package graph

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "modernc.org/sqlite"

	"communs/ent"
	"communs/ent/member"
	_ "communs/ent/runtime" // the schema's hooks and privacy policies
	"communs/graph/generated"
	"communs/internal/requestid"
	"communs/internal/viewer"
)

// testRequestID is the request id every test request carries.
const testRequestID = "test-req-42"

// openClient opens an ent client on a fresh SQLite database.
func openClient(t testing.TB) *ent.Client {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "t.db")+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	client := ent.NewClient(ent.Driver(entsql.OpenDB(dialect.SQLite, db)))
	t.Cleanup(func() { _ = client.Close() })
	if err := client.Schema.Create(context.Background()); err != nil {
		t.Fatal(err)
	}
	return client
}

// addMembers creates n members named M00, M01, …
func addMembers(t testing.TB, client *ent.Client, n int) {
	t.Helper()
	for i := range n {
		_, err := client.Member.Create().
			SetName(string(rune('A'+i%26)) + "-member").
			SetCategory(member.CategoryACTIVE).
			SetJoinedOn(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).
			Save(viewer.SystemContext(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
	}
}

// logBuffer collects log output; resolvers log concurrently.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger() (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResult struct {
	Status int
	Raw    string
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

func (r gqlResult) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	code, _ := r.Errors[0].Extensions["code"].(string)
	return code
}

func (r gqlResult) field() string {
	if len(r.Errors) == 0 {
		return ""
	}
	field, _ := r.Errors[0].Extensions["field"].(string)
	return field
}

// admin is the viewer of test requests: the groupement's administrator,
// whom the Casbin policy and row isolation let read everything.
var admin = &viewer.Viewer{Email: "admin@gsm.example", Roles: []viewer.Role{{Name: "gsm_admin"}}}

// post runs a GraphQL request against h as admin, with a request id in the
// context as internal/server sets it.
func post(t testing.TB, h http.Handler, query string, vars map[string]any) gqlResult {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	return send(t, h, http.MethodPost, "/graphql", "application/json", string(body))
}

func send(t testing.TB, h http.Handler, method, target, contentType, body string) gqlResult {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req = req.WithContext(viewer.NewContext(requestid.With(req.Context(), testRequestID), admin))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := gqlResult{Status: rec.Code, Raw: rec.Body.String()}
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatalf("answer is not JSON (status %d): %v\n%s", rec.Code, err, rec.Body.String())
	}
	return res
}

func TestHandlerAnswersQueries(t *testing.T) {
	client := openClient(t)
	addMembers(t, client, 3)
	h := NewHandler(client, HandlerOptions{})
	res := post(t, h, `{ members(first: 5) { totalCount edges { node { id name } } } }`, nil)
	if res.Status != http.StatusOK || len(res.Errors) > 0 {
		t.Fatalf("status %d, errors %+v", res.Status, res.Errors)
	}
	var data struct {
		Members struct {
			TotalCount int
			Edges      []struct{ Node struct{ ID, Name string } }
		}
	}
	if err := json.Unmarshal(res.Data, &data); err != nil {
		t.Fatal(err)
	}
	if data.Members.TotalCount != 3 || len(data.Members.Edges) != 3 || data.Members.Edges[0].Node.ID == "" {
		t.Errorf("got %+v", data.Members)
	}
}

func TestHandlerTransports(t *testing.T) {
	client := openClient(t)
	h := NewHandler(client, HandlerOptions{})
	for _, tc := range []struct {
		name, method, target, contentType, body string
	}{
		{"GET query", http.MethodGet, "/graphql?query=%7B__typename%7D", "", ""},
		{"form POST", http.MethodPost, "/graphql", "application/x-www-form-urlencoded", "query=%7B__typename%7D"},
		{"text POST", http.MethodPost, "/graphql", "text/plain", `{"query":"{__typename}"}`},
		{"multipart POST", http.MethodPost, "/graphql", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"{__typename}\"}\r\n--x--\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := send(t, h, tc.method, tc.target, tc.contentType, tc.body)
			if res.Status == http.StatusOK || res.Data != nil && string(res.Data) != "null" {
				t.Errorf("executed: status %d, %s", res.Status, res.Raw)
			}
		})
	}
	t.Run("OPTIONS", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if allow := rec.Header().Get("Allow"); strings.Contains(allow, "GET") {
			t.Errorf("Allow: %q", allow)
		}
	})
}

func TestBadJSONBodyIsNotEchoed(t *testing.T) {
	h := NewHandler(openClient(t), HandlerOptions{})
	res := send(t, h, http.MethodPost, "/graphql", "application/json", `{"query": "{ __typename }", SECRET-TOKEN`)
	if res.code() != "INVALID_INPUT" || strings.Contains(res.Raw, "SECRET-TOKEN") {
		t.Errorf("got %d %s", res.Status, res.Raw)
	}
}

func TestParseAndValidationErrorsKeepTheirCodes(t *testing.T) {
	h := NewHandler(openClient(t), HandlerOptions{})
	for _, tc := range []struct{ query, code string }{
		{`{ members(first: 1`, "GRAPHQL_PARSE_FAILED"},
		{`{ nosuchfield }`, "GRAPHQL_VALIDATION_FAILED"},
		{`{ members(first: "ten") { totalCount } }`, "GRAPHQL_VALIDATION_FAILED"},
	} {
		res := post(t, h, tc.query, nil)
		if res.code() != tc.code {
			t.Errorf("%s: got %s", tc.query, res.Raw)
		}
	}
	// Variables of the wrong type are refused before execution too.
	res := post(t, h, `query($n: Int) { members(first: $n) { totalCount } }`, map[string]any{"n": "ten"})
	if res.code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("variable: got %s", res.Raw)
	}
}

func TestIntrospection(t *testing.T) {
	client := openClient(t)
	off := NewHandler(client, HandlerOptions{})
	for _, q := range []string{
		`{ __schema { types { name } } }`,
		`{ members(first: 1) { edges { node { ... on Member { __type: name } } } } }`, // an alias, not introspection
	} {
		res := post(t, off, q, nil)
		introspects := !strings.Contains(q, "__type: name")
		if introspects && (res.code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(res.Errors[0].Message, "introspection is disabled")) {
			t.Errorf("off, %s: got %s", q, res.Raw)
		}
		if !introspects && len(res.Errors) > 0 {
			t.Errorf("off, %s: got %s", q, res.Raw)
		}
	}
	if res := post(t, off, `{ __typename }`, nil); len(res.Errors) > 0 {
		t.Errorf("__typename refused: %s", res.Raw)
	}
	// __type answers as for a type that does not exist.
	if res := post(t, off, `{ __type(name: "Member") { name fields { name } } }`, nil); len(res.Errors) > 0 || string(res.Data) != `{"__type":null}` {
		t.Errorf("off, __type: %s", res.Raw)
	}
	// No "did you mean" hints that would map the schema.
	if res := post(t, off, `{ membrs(first: 1) { totalCount } }`, nil); strings.Contains(res.Raw, "Did you mean") {
		t.Errorf("suggestion leaked: %s", res.Raw)
	}

	on := NewHandler(client, HandlerOptions{Introspection: true})
	res := post(t, on, `{ __schema { queryType { name } } }`, nil)
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"Query"`) {
		t.Errorf("on: got %s", res.Raw)
	}
	if res := post(t, on, `{ membrs(first: 1) { totalCount } }`, nil); !strings.Contains(res.Raw, "Did you mean") {
		t.Errorf("on: suggestions expected: %s", res.Raw)
	}
}

func TestInputErrors(t *testing.T) {
	client := openClient(t)
	addMembers(t, client, 3)
	h := NewHandler(client, HandlerOptions{})

	// A cursor made for ORDER BY name.
	var page struct {
		Members struct{ PageInfo struct{ EndCursor string } }
	}
	res := post(t, h, `{ members(first: 1, orderBy: [{field: NAME}]) { edges { cursor } pageInfo { endCursor } } }`, nil)
	if err := json.Unmarshal(res.Data, &page); err != nil || page.Members.PageInfo.EndCursor == "" {
		t.Fatalf("no cursor: %s", res.Raw)
	}
	cursor := page.Members.PageInfo.EndCursor

	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		code, field string
	}{
		{"page too large", `{ members(first: 1000) { totalCount } }`, nil, "INVALID_INPUT", "first"},
		{"unbounded page", `{ members { totalCount } }`, nil, "INVALID_INPUT", "first"},
		{"negative last", `{ members(last: -1) { totalCount } }`, nil, "INVALID_INPUT", "last"},
		{"first and last", `{ members(first: 1, last: 1) { totalCount } }`, nil, "INVALID_INPUT", "last"},
		{"garbage cursor", `{ members(first: 1, after: "not-a-cursor!") { totalCount } }`, nil, "INVALID_INPUT", "after"},
		{"garbage cursor variable", `query($c: Cursor) { members(first: 1, before: $c) { totalCount } }`, map[string]any{"c": "zzz"}, "INVALID_INPUT", "before"},
		{"cursor for another order", `query($c: Cursor) { members(first: 1, after: $c, orderBy: [{field: NAME}, {field: CITY}]) { edges { node { id } } } }`, map[string]any{"c": cursor}, "INVALID_INPUT", "after"},
		{"empty not", `{ members(first: 1, where: {not: {}}) { totalCount } }`, nil, "INVALID_INPUT", "where"},
		{"bad date", `{ members(first: 1, where: {joinedOnGT: "yesterday"}) { totalCount } }`, nil, "INVALID_INPUT", "joinedOnGT"},
		{"unknown node", `{ node(id: "MBR01ARZ3NDEKTSV4RRFFQ69G5FAV") { id } }`, nil, "NOT_FOUND", ""},
		{"malformed node id", `{ node(id: "nope") { id } }`, nil, "NOT_FOUND", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := post(t, h, tc.query, tc.vars)
			if res.code() != tc.code || res.field() != tc.field {
				t.Errorf("got code %q field %q, want %q %q: %s", res.code(), res.field(), tc.code, tc.field, res.Raw)
			}
		})
	}
}

// panicky makes every query of members panic.
func panicky(client *ent.Client) {
	client.Member.Intercept(ent.InterceptFunc(func(ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(context.Context, ent.Query) (ent.Value, error) {
			panic("boom: the member table caught fire")
		})
	}))
}

func TestPanicInResolverIsInternal(t *testing.T) {
	client := openClient(t)
	panicky(client)
	logger, logs := newLogger()
	h := NewHandler(client, HandlerOptions{Logger: logger})
	res := post(t, h, `{ members(first: 5) { totalCount } }`, nil)
	if res.code() != "INTERNAL" || res.Errors[0].Message != "internal error (request "+testRequestID+")" {
		t.Fatalf("got %s", res.Raw)
	}
	for _, leak := range []string{"boom", "goroutine", ".go:"} {
		if strings.Contains(res.Raw, leak) {
			t.Errorf("answer leaks %q: %s", leak, res.Raw)
		}
	}
	for _, want := range []string{"graphql: panic", "boom: the member table caught fire", testRequestID, "goroutine"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

func TestInternalErrorHidesSQL(t *testing.T) {
	client := openClient(t)
	const sqlText = `SELECT "members"."id" FROM "members" WHERE secret = 1: database is locked`
	client.Member.Intercept(ent.InterceptFunc(func(ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(context.Context, ent.Query) (ent.Value, error) {
			return nil, &sqlError{sqlText}
		})
	}))
	logger, logs := newLogger()
	h := NewHandler(client, HandlerOptions{Logger: logger})
	res := post(t, h, `query Members { members(first: 5) { totalCount } }`, nil)
	if res.code() != "INTERNAL" || res.Errors[0].Message != "internal error (request "+testRequestID+")" {
		t.Fatalf("got %s", res.Raw)
	}
	if strings.Contains(res.Raw, "SELECT") || strings.Contains(res.Raw, "FROM") || strings.Contains(res.Raw, "secret") {
		t.Errorf("SQL leaked: %s", res.Raw)
	}
	for _, want := range []string{"graphql: internal error", "database is locked", testRequestID, `"operation":"Members"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

type sqlError struct{ msg string }

func (e *sqlError) Error() string { return e.msg }

func TestConnectionComplexity(t *testing.T) {
	var root generated.ComplexityRoot
	setComplexity(&root)
	// Every connection-shaped field of the schema got a complexity.
	types := reflect.ValueOf(root)
	found := 0
	for i := range types.NumField() {
		fields := types.Field(i)
		for j := range fields.NumField() {
			f := fields.Field(j)
			if f.Kind() == reflect.Func && isConnectionComplexity(f.Type()) {
				found++
				if f.IsNil() {
					t.Errorf("%s.%s has no complexity", types.Type().Field(i).Name, fields.Type().Field(j).Name)
				}
			}
		}
	}
	if found < 10 || root.Query.Members == nil || root.Query.Nodes == nil {
		t.Fatalf("found %d connections", found)
	}
	ten, thousand := 10, 1000
	for _, tc := range []struct {
		first, last *int
		want        int
	}{
		{&ten, nil, 1 + 4*10},
		{nil, &ten, 1 + 4*10},
		{&thousand, nil, 1 + 4*maxPageSize},
		{nil, nil, 1 + 4*maxPageSize},
	} {
		if got := root.Query.Members(4, nil, tc.first, nil, tc.last, nil, nil); got != tc.want {
			t.Errorf("members complexity = %d, want %d", got, tc.want)
		}
	}
}

func TestComplexityLimit(t *testing.T) {
	client := openClient(t)
	h := NewHandler(client, HandlerOptions{ComplexityLimit: 50})
	// edges(1) + node(1) + id(1) + name(1) = 4 per item, + 1: first 10 → 41.
	if res := post(t, h, `{ members(first: 10) { edges { node { id name } } } }`, nil); len(res.Errors) > 0 {
		t.Errorf("41 refused: %s", res.Raw)
	}
	res := post(t, h, `{ members(first: 20) { edges { node { id name } } } }`, nil)
	if res.code() != "COMPLEXITY_LIMIT_EXCEEDED" || res.Data != nil && string(res.Data) != "null" {
		t.Errorf("81 allowed: %s", res.Raw)
	}

	// The default lets a full page through, and refuses pages of pages.
	def := NewHandler(client, HandlerOptions{})
	if res := post(t, def, `{ members(first: 100) { totalCount edges { node { id name siren city category subscriptions { id status resource { id name } } } } } }`, nil); len(res.Errors) > 0 {
		t.Errorf("a full page refused: %s", res.Raw)
	}
	var b strings.Builder
	b.WriteString("{")
	for _, alias := range []string{"a", "b", "c"} {
		b.WriteString(alias + `: members(first: 100) { edges { node { id name siren city category subscriptions { id status resource { id name } } } } } `)
	}
	b.WriteString("}")
	if res := post(t, def, b.String(), nil); res.code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("three full pages allowed: %s", res.Raw)
	}
}

func TestRootFieldsAreAuthorized(t *testing.T) {
	h := NewHandler(openClient(t), HandlerOptions{})
	anonymous := func(query string) gqlResult {
		body, _ := json.Marshal(map[string]any{"query": query})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var res gqlResult
		res.Raw = rec.Body.String()
		_ = json.Unmarshal(rec.Body.Bytes(), &res)
		return res
	}
	if res := anonymous(`{ members(first: 1) { totalCount } }`); res.code() != "UNAUTHENTICATED" {
		t.Errorf("anonymous members: %s", res.Raw)
	}
	if res := anonymous(`{ __typename }`); len(res.Errors) > 0 {
		t.Errorf("anonymous __typename: %s", res.Raw)
	}
	if res := post(t, h, `{ members(first: 1) { totalCount } }`, nil); len(res.Errors) > 0 {
		t.Errorf("admin members: %s", res.Raw)
	}
}

// GraphQL over HTTP: a request that does not execute answers 200 under
// application/json, 400 without a data entry under
// application/graphql-response+json; JSON that does not parse, 400.
func TestGraphQLOverHTTPStatuses(t *testing.T) {
	h := NewHandler(openClient(t), HandlerOptions{})
	for _, tc := range []struct {
		name, body string
		executes   bool
		notJSON    bool
	}{
		{"a query", `{"query": "{ __typename }"}`, true, false},
		{"a parse error", `{"query": "{"}`, false, false},
		{"a validation error", `{"query": "{ nosuchfield }"}`, false, false},
		{"a variable that does not coerce", `{"query": "query($id: ID!) { __typename }", "variables": {"id": null}}`, false, false},
		{"an argument past its bounds", `{"query": "{ members(first: 1, where: {nameContains: \"\\u0000\"}) { totalCount } }"}`, false, false},
		{"a body that is not JSON", `{ "not JSON`, false, true},
	} {
		for _, accept := range []string{"", "*/*", mediaJSON, mediaGraphQLResponse, "text/html, application/graphql-response+json;q=0.9"} {
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
			req.Header.Set("Accept", accept)
			req = req.WithContext(viewer.NewContext(req.Context(), admin))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			media := mediaJSON
			if strings.Contains(accept, mediaGraphQLResponse) {
				media = mediaGraphQLResponse
			}
			status := http.StatusOK
			if tc.notJSON || !tc.executes && media == mediaGraphQLResponse {
				status = http.StatusBadRequest
			}
			var body map[string]json.RawMessage
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("%s, Accept %q: not JSON: %s", tc.name, accept, rec.Body.String())
			}
			_, hasData := body["data"]
			if rec.Code != status || rec.Header().Get("Content-Type") != media+"; charset=utf-8" ||
				media == mediaGraphQLResponse && !tc.executes && hasData {
				t.Errorf("%s, Accept %q: %d %s %s", tc.name, accept, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
			}
		}
	}
}
