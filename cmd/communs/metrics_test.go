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
	// A request is counted once its handler returns, maybe after the
	// client has read the answer: wait for it.
	counted := func(requests float64) float64 {
		for range 100 {
			if statements, n := s.metrics.StatementTotals(); n >= requests {
				return statements
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("request %v was never counted", requests)
		return 0
	}
	_, requests := s.metrics.StatementTotals()
	staff.data(t, page, nil, &struct{}{}) // authenticates: the session is cached from now on
	before := counted(requests + 1)
	staff.data(t, page, nil, &struct{}{})
	if n := counted(requests+2) - before; n != 3 {
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
