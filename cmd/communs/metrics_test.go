package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The metrics count operations by name and outcome, the statements of
// each request — a warm page of members with their subscriptions and
// resources takes three — and charge runs; they are not on the API's port.
func TestMetrics(t *testing.T) {
	s := newTestServer(t)
	staff := s.as(t, gsmStaff)
	const page = `query MembersPage { members(first: 50) { edges { node { id subscriptions { id resource { name } } } } } }`
	staff.data(t, page, nil, &struct{}{}) // authenticates: the session is cached from now on
	if n := statementsOf(t, s, func() { staff.data(t, page, nil, &struct{}{}) }); n != 3 {
		t.Errorf("a warm page of members: %v statements, want 3", n)
	}
	staff.query(t, `query Refused { chargeRuns(first: 500) { totalCount } }`, nil)
	staff.data(t, runStep, map[string]any{"step": "Q1"}, &struct{}{})

	rec := httptest.NewRecorder()
	s.metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`communs_graphql_requests_total{code="OK",operation="MembersPage"} 2`,
		`communs_graphql_requests_total{code="INVALID_INPUT",operation="Refused"} 1`,
		`communs_graphql_request_duration_seconds_count{operation="MembersPage"} 2`,
		`communs_sql_statements_per_request_count`,
		`communs_charge_run_duration_seconds_count{step="Q1"} 1`,
		`communs_db_connections_opened_total`,
		`go_sql_open_connections{db_name="communs"}`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("the metrics lack %s", want)
		}
	}

	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "communs_") {
		t.Errorf("the API's port serves the metrics: %d", resp.StatusCode)
	}
}

// statementsOf returns the SQL statements that the requests do makes ran.
func statementsOf(t *testing.T, s *testServer, do func()) float64 {
	t.Helper()
	before := s.countedStatements(t)
	do()
	return s.countedStatements(t) - before
}

// countedStatements returns the statements of the requests sent so far,
// once all are counted: a request is counted when its handler returns,
// maybe after the client has read the answer.
func (s *testServer) countedStatements(t *testing.T) float64 {
	t.Helper()
	for range 300 {
		if statements, n := s.metrics.StatementTotals(); n >= float64(s.sent.Load()) {
			return statements
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d requests sent, not all counted", s.sent.Load())
	return 0
}

// The time spent on a page of service requests is read for all of them at
// once (two statements: the time entries, the charges), whether the rows
// are marshalled one after the other or side by side.
func TestSpentOfAPageIsOneFetch(t *testing.T) {
	s := newTestServer(t)
	staff := s.as(t, gsmStaff)
	const page = `query($spent: Boolean!) { serviceRequests(first: 50) { totalCount
		edges { node { id spent @include(if: $spent) { minutes } } } } }`
	var answer struct {
		ServiceRequests struct{ TotalCount int }
	}
	staff.data(t, page, map[string]any{"spent": false}, &answer)
	if answer.ServiceRequests.TotalCount < 2 {
		t.Fatalf("the demo has %d service requests, want several", answer.ServiceRequests.TotalCount)
	}
	without := statementsOf(t, s, func() { staff.data(t, page, map[string]any{"spent": false}, &answer) })
	with := statementsOf(t, s, func() { staff.data(t, page, map[string]any{"spent": true}, &answer) })
	if with-without != 2 {
		t.Errorf("the spent time of %d service requests: %v statements more, want 2", answer.ServiceRequests.TotalCount, with-without)
	}
}

// A page reads one row past it to tell that another page follows, but
// none of that row's edges; paging through the members forward and back
// meets each once, and the ends say so.
func TestPagesReadNoEdgeOfTheRowPastThem(t *testing.T) {
	s := newTestServer(t)
	staff := s.as(t, gsmStaff)
	const page = `query($first: Int, $after: Cursor, $last: Int, $before: Cursor) {
		members(first: $first, after: $after, last: $last, before: $before) { totalCount
			pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
			edges { node { id subscriptions { id } } } } }`
	type answer struct {
		Members struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage, HasPreviousPage bool
				StartCursor, EndCursor       *string
			}
			Edges []struct{ Node memberNode }
		}
	}
	var first answer
	rowsBefore, _ := s.metrics.RowTotals()
	staff.data(t, page, map[string]any{"first": 1}, &first)
	rowsAfter, _ := s.metrics.RowTotals()
	if len(first.Members.Edges) != 1 || !first.Members.PageInfo.HasNextPage || first.Members.PageInfo.HasPreviousPage {
		t.Fatalf("first page: %+v", first.Members)
	}
	if got, want := rowsAfter-rowsBefore, float64(1+len(first.Members.Edges[0].Node.Subscriptions)); got != want {
		t.Errorf("a page of one member and its subscriptions loaded %v rows, want %v", got, want)
	}

	for _, forward := range []bool{true, false} {
		seen := map[string]bool{}
		var cursor *string
		for more := true; more; {
			vars := map[string]any{"first": 20, "after": cursor}
			if !forward {
				vars = map[string]any{"last": 20, "before": cursor}
			}
			var a answer
			staff.data(t, page, vars, &a)
			for _, e := range a.Members.Edges {
				if seen[e.Node.ID] {
					t.Fatalf("forward %v: member %s twice", forward, e.Node.ID)
				}
				seen[e.Node.ID] = true
			}
			more, cursor = a.Members.PageInfo.HasNextPage, a.Members.PageInfo.EndCursor
			if !forward {
				more, cursor = a.Members.PageInfo.HasPreviousPage, a.Members.PageInfo.StartCursor
			}
		}
		if len(seen) != first.Members.TotalCount {
			t.Errorf("forward %v: %d members met, want %d", forward, len(seen), first.Members.TotalCount)
		}
	}
}
