package main

import (
	"strings"
	"testing"
	"time"
)

// Lists nested in lists are refused before any statement runs, with the
// estimated cost; a full page of members with their subscriptions answers.
func TestExpensiveShapesAreRefusedBeforeTheyRun(t *testing.T) {
	s := newTestServer(t)
	staff := s.as(t, gsmStaff)
	staff.data(t, `{ me { email } }`, nil, &struct{}{}) // the session is cached from now on
	settled := func() float64 {
		for {
			before, _ := s.metrics.StatementTotals()
			time.Sleep(20 * time.Millisecond)
			if after, _ := s.metrics.StatementTotals(); after == before {
				return after
			}
		}
	}
	for _, q := range []string{
		`{ members(first: 3) { edges { node { name subscriptions { resource { subscriptions { member { subscriptions { resource {
			subscriptions { member { name } } } } } } } } } } } }`,
		`{ members(first: 10) { edges { node { name subscriptions { resource { subscriptions { member { name } } } } } } } }`,
	} {
		before := settled()
		resp := staff.query(t, q, nil)
		if resp.code() != "COMPLEXITY_LIMIT_EXCEEDED" || !strings.Contains(resp.Errors[0].Message, "operation has complexity") {
			t.Errorf("lists of lists: %+v", resp.Errors)
		}
		if ran := settled() - before; ran != 0 {
			t.Errorf("%v statements ran for a query refused", ran)
		}
	}
	const page = `{ members(first: 100) { totalCount edges { node { id name siren city category
		subscriptions { id status resource { id name } } } } } }`
	staff.data(t, page, nil, &struct{}{})
}
