package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "modernc.org/sqlite"

	"communs/ent"
	_ "communs/ent/runtime" // the schema's hooks and privacy policies
	"communs/graph"
	"communs/internal/requestid"
	"communs/internal/viewer"
)

// startGraphQL serves the real GraphQL handler over a fresh SQLite database.
func startGraphQL(t *testing.T, prepare func(*ent.Client)) *testServer {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "t.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	client := ent.NewClient(ent.Driver(entsql.OpenDB(dialect.SQLite, db)))
	t.Cleanup(func() { _ = client.Close() })
	if err := client.Schema.Create(context.Background()); err != nil {
		t.Fatal(err)
	}
	if prepare != nil {
		prepare(client)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	api := graph.NewHandler(client, graph.HandlerOptions{Logger: logger})
	// Stands for the authentication middleware: the groupement's
	// administrator asks.
	admin := &viewer.Viewer{Email: "admin@gsm.example", Roles: []viewer.Role{{Name: "gsm_admin"}}}
	asAdmin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.ServeHTTP(w, r.WithContext(viewer.NewContext(r.Context(), admin)))
	})
	srv := start(t, Config{Logger: logger}, asAdmin, db.PingContext)
	srv.logs = logs
	return srv
}

type answer struct {
	Data   json.RawMessage
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

func TestGraphQLThroughTheServer(t *testing.T) {
	srv := startGraphQL(t, nil)
	resp, body := do(t, newRequest(t, http.MethodPost, srv.url+"/graphql", "application/json",
		strings.NewReader(`{"query":"{ members(first: 5) { totalCount edges { node { id name } } } }"}`)))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"totalCount":0`) {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	resp, body = do(t, newRequest(t, http.MethodGet, srv.url+"/graphql?query=%7B__typename%7D", "", nil))
	if resp.StatusCode != http.StatusMethodNotAllowed || strings.Contains(body, "Query") {
		t.Errorf("GET: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(t, newRequest(t, http.MethodGet, srv.url+"/readyz", "", nil)); resp.StatusCode != http.StatusOK {
		t.Errorf("readyz: %d", resp.StatusCode)
	}
}

// The id in an internal error's message is the request's: a user who
// reports it leads to the log line.
func TestInternalErrorNamesTheRequest(t *testing.T) {
	srv := startGraphQL(t, func(client *ent.Client) {
		client.Member.Intercept(ent.InterceptFunc(func(ent.Querier) ent.Querier {
			return ent.QuerierFunc(func(context.Context, ent.Query) (ent.Value, error) {
				panic("resolver exploded")
			})
		}))
	})
	req := newRequest(t, http.MethodPost, srv.url+"/graphql", "application/json",
		strings.NewReader(`{"query":"{ members(first: 5) { totalCount } }"}`))
	resp, body := do(t, req)
	id := resp.Header.Get(requestid.Header)
	var out answer
	if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Errors) != 1 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if out.Errors[0].Extensions["code"] != "INTERNAL" || out.Errors[0].Message != "internal error (request "+id+")" {
		t.Errorf("got %+v (request id %s)", out.Errors[0], id)
	}
	if strings.Contains(body, "exploded") || strings.Contains(body, "goroutine") {
		t.Errorf("panic leaked: %s", body)
	}
	if logs := srv.logs.String(); !strings.Contains(logs, "resolver exploded") || !strings.Contains(logs, id) {
		t.Errorf("log lacks the panic or the id %s:\n%s", id, logs)
	}
}
