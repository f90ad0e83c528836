package graph

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"communs/ent"
	"communs/ent/membercategorychange"
	"communs/graph/generated"
	"communs/internal/budget"
	"communs/internal/viewer"
)

// addChanges gives the first member n category changes.
func addChanges(t *testing.T, client *ent.Client, n int) {
	t.Helper()
	ctx := viewer.SystemContext(context.Background())
	for _, m := range client.Member.Query().AllX(ctx) {
		for i := range n {
			client.MemberCategoryChange.Create().SetMemberID(m.ID).SetToCategory(membercategorychange.ToCategoryACTIVE).
				SetEffectiveOn(time.Date(2020, 1, 1+i%28, 0, 0, 0, 0, time.UTC)).ExecX(ctx)
		}
	}
}

// A list field past its bound is an error naming it, never a shortened
// list; at its bound it answers.
func TestListsLongerThanTheirBound(t *testing.T) {
	client := openClient(t)
	addMembers(t, client, 1)
	addChanges(t, client, DefaultListBound)
	h := NewHandler(client, HandlerOptions{})
	const q = `{ members(first: 1) { edges { node { categoryChanges { id } } } } }`
	if res := post(t, h, q, nil); len(res.Errors) > 0 {
		t.Errorf("%d changes: %s", DefaultListBound, res.Raw)
	}
	addChanges(t, client, 1)
	res := post(t, h, q, nil)
	if res.code() != "LIMIT_EXCEEDED" || !strings.Contains(res.Errors[0].Message, "Member.categoryChanges has more than 100 rows") {
		t.Errorf("%d changes: %s", DefaultListBound+1, res.Raw)
	}
}

// A list without arguments weighs its bound in the complexity.
func TestListsWeighTheirBound(t *testing.T) {
	var root generated.ComplexityRoot
	types := generated.NewExecutableSchema(generated.Config{}).Schema()
	boundComplexity(&root, types, listBounds(types))
	if got := root.Member.CategoryChanges(3); got != 1+3*DefaultListBound {
		t.Errorf("member.categoryChanges: %d", got)
	}
	if got := root.Member.Subscriptions(3); got != 1+3*listBoundOverrides["Member.subscriptions"] {
		t.Errorf("member.subscriptions: %d", got)
	}
	if root.Member.Name != nil {
		t.Error("a scalar field weighs a bound")
	}
}

// A query past its row budget answers only the budget's error, with the
// rows it had loaded; under it, it answers.
func TestRowBudget(t *testing.T) {
	client := openClient(t)
	budget.Intercept(client)
	addMembers(t, client, 10)
	addChanges(t, client, 2) // 10 members + 20 changes
	const q = `{ members(first: 10) { edges { node { name categoryChanges { id } } } } }`
	if res := post(t, NewHandler(client, HandlerOptions{RowBudget: 30}), q, nil); len(res.Errors) > 0 {
		t.Errorf("30 rows on a budget of 30: %s", res.Raw)
	}
	res := post(t, NewHandler(client, HandlerOptions{RowBudget: 29}), q, nil)
	if res.code() != "LIMIT_EXCEEDED" || len(res.Errors) != 1 || (len(res.Data) > 0 && string(res.Data) != "null") {
		t.Errorf("30 rows on a budget of 29: %s", res.Raw)
	}
	if loaded, _ := res.Errors[0].Extensions["rowsLoaded"].(float64); loaded != 30 {
		t.Errorf("rows loaded: %v, want the budget and one more row at most", res.Errors[0].Extensions["rowsLoaded"])
	}
	// A member's own list stops after the budget's rows, not all of them.
	one := openClient(t)
	budget.Intercept(one)
	addMembers(t, one, 1)
	addChanges(t, one, 90)
	res = post(t, NewHandler(one, HandlerOptions{RowBudget: 29}), `{ members(first: 1) { edges { node { categoryChanges { id } } } } }`, nil)
	if loaded, _ := res.Errors[0].Extensions["rowsLoaded"].(float64); res.code() != "LIMIT_EXCEEDED" || loaded > 30 {
		t.Errorf("90 changes on a budget of 29: %s", res.Raw)
	}
}

// A request past its deadline stops its statements and says so.
func TestDeadline(t *testing.T) {
	client := openClient(t)
	addMembers(t, client, 1)
	// A slow database: each query starts once the request's time is up.
	client.Intercept(ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			<-ctx.Done()
			return next.Query(ctx, q)
		})
	}))
	h := NewHandler(client, HandlerOptions{})
	expired := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 20*time.Millisecond)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
	res := post(t, expired, `{ members(first: 1) { edges { node { name } } } }`, nil)
	if res.code() != "LIMIT_EXCEEDED" || !strings.Contains(res.Errors[0].Message, "deadline") {
		t.Errorf("past the deadline: %s", res.Raw)
	}
}

// An aggregate weighs what its scan costs: a query holds ten at most.
func TestAggregatesWeighTheirScan(t *testing.T) {
	h := NewHandler(openClient(t), HandlerOptions{})
	var ten, eleven strings.Builder
	for i := range 11 {
		q := fmt.Sprintf(" a%d: membersAggregate { count }", i)
		if i < 10 {
			ten.WriteString(q)
		}
		eleven.WriteString(q)
	}
	if res := post(t, h, "{"+ten.String()+" }", nil); len(res.Errors) > 0 {
		t.Errorf("ten aggregates: %s", res.Raw)
	}
	if res := post(t, h, "{"+eleven.String()+" }", nil); res.code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("eleven aggregates: %s", res.Raw)
	}
}

// The worst query the limits allow passes them: a page of members, each
// with its declarations and their lines, 30,303 rows at the lists'
// bounds.
func TestWorstQuery(t *testing.T) {
	q, rows, complexity := WorstQuery(func(string) bool { return true })
	t.Logf("%d rows, complexity %d: %s", rows, complexity, q)
	if complexity > DefaultComplexityLimit || rows < 10_000 {
		t.Errorf("complexity %d, %d rows", complexity, rows)
	}
	res := post(t, NewHandler(openClient(t), HandlerOptions{}), q, nil)
	for _, e := range res.Errors {
		if code, _ := e.Extensions["code"].(string); code == "COMPLEXITY_LIMIT_EXCEEDED" || code == "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("the limits refuse it: %s", res.Raw)
		}
	}
}
