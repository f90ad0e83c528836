package graph

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// nested returns a members query nesting member → subscriptions → member …
// until it is depth levels deep.
func nested(depth int) string {
	// members(1) edges(2) node(3) name(4): depth 4; each
	// application { member { … } } adds 2, through single rows only, so
	// that the complexity stays small.
	var open, close strings.Builder
	d := 3
	for d+2 < depth {
		open.WriteString(" application { member {")
		close.WriteString(" } }")
		d += 2
	}
	leaf := " name"
	if d+2 == depth {
		leaf = " application { id }"
	}
	return "{ members(first: 1) { edges { node {" + open.String() + leaf + close.String() + " } } } }"
}

func TestMeasureDepth(t *testing.T) {
	for depth := 4; depth <= 15; depth++ {
		doc, err := parser.ParseQuery(&ast.Source{Input: nested(depth)})
		if err != nil {
			t.Fatal(err)
		}
		if got := newMeasurer(doc).depth(doc.Operations[0].SelectionSet); got != depth {
			t.Errorf("depth of %s = %d, want %d", nested(depth), got, depth)
		}
	}
}

func TestMeasureThroughFragments(t *testing.T) {
	doc, err := parser.ParseQuery(&ast.Source{Input: `
		query { members(first: 1) { edges { node { ...M x: name } } } }
		fragment M on Member { a: name b: city subscriptions { ...S } }
		fragment S on Subscription { c: id member { ...M } }
	`})
	if err != nil {
		t.Fatal(err)
	}
	m := newMeasurer(doc)
	set := doc.Operations[0].SelectionSet
	// The cycle M → S → M is cut: it counts once (and fails validation).
	if got := m.depth(set); got != 5 {
		t.Errorf("depth = %d, want 5", got)
	}
	if got := m.aliases(set); got != 4 {
		t.Errorf("aliases = %d, want 4", got)
	}
}

func TestDepthLimit(t *testing.T) {
	client := openClient(t)
	addMembers(t, client, 1)
	h := NewHandler(client, HandlerOptions{})
	if res := post(t, h, nested(DefaultMaxDepth), nil); len(res.Errors) > 0 {
		t.Errorf("depth %d refused: %s", DefaultMaxDepth, res.Raw)
	}
	res := post(t, h, nested(DefaultMaxDepth+1), nil)
	if res.code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(res.Errors[0].Message, "levels deep") {
		t.Errorf("depth %d allowed: %s", DefaultMaxDepth+1, res.Raw)
	}
	// Through a fragment, and with a limit of one's own.
	small := NewHandler(client, HandlerOptions{MaxDepth: 4})
	if res := post(t, small, `{ members(first: 1) { ...C } } fragment C on MemberConnection { edges { node { id } } }`, nil); len(res.Errors) > 0 {
		t.Errorf("depth 4 refused: %s", res.Raw)
	}
	res = post(t, small, `{ members(first: 1) { ...C } } fragment C on MemberConnection { edges { node { subscriptions { id } } } }`, nil)
	if res.code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("depth 5 through a fragment allowed: %s", res.Raw)
	}
}

func aliased(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: __typename", i)
	}
	b.WriteString(" }")
	return b.String()
}

func TestAliasLimit(t *testing.T) {
	h := NewHandler(openClient(t), HandlerOptions{})
	if res := post(t, h, aliased(DefaultMaxAliases), nil); len(res.Errors) > 0 {
		t.Errorf("%d aliases refused: %s", DefaultMaxAliases, res.Raw)
	}
	res := post(t, h, aliased(DefaultMaxAliases+1), nil)
	if res.code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(res.Errors[0].Message, "aliases") {
		t.Errorf("%d aliases allowed: %s", DefaultMaxAliases+1, res.Raw)
	}
	// A fragment's aliases count at each use.
	var frag strings.Builder
	for i := range 16 {
		fmt.Fprintf(&frag, " n%d: name", i)
	}
	q := `{ a: members(first: 1) { edges { node { ...F } } } b: members(first: 1) { edges { node { ...F } } } }
		fragment F on Member {` + frag.String() + ` }`
	if res := post(t, h, q, nil); res.code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("2 × 16 aliases through a fragment allowed: %s", res.Raw)
	}
	// name: name is no alias.
	if res := post(t, h, `{ members(first: 1) { edges { node { name: name id: id } } } }`, nil); len(res.Errors) > 0 {
		t.Errorf("self-alias refused: %s", res.Raw)
	}
}

// TestFragmentBombIsRefusedFast would run for hours without the field rule:
// gqlgen's complexity walker expands 2^40 spreads.
func TestFragmentBombIsRefusedFast(t *testing.T) {
	h := NewHandler(openClient(t), HandlerOptions{})
	const n = 40
	var b strings.Builder
	b.WriteString("{ ...F0 }")
	for i := range n {
		fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...F%d }", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Query { __typename }", n)
	res := post(t, h, b.String(), nil)
	if res.code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(res.Errors[0].Message, "fields once its fragments are expanded") {
		t.Errorf("got %s", res.Raw)
	}
}

func TestParserTokenLimit(t *testing.T) {
	h := NewHandler(openClient(t), HandlerOptions{ParserTokenLimit: 100})
	q := "{ __typename" + strings.Repeat(" @skip(if: false)", 30) + " }"
	if res := post(t, h, q, nil); res.code() != "GRAPHQL_PARSE_FAILED" {
		t.Errorf("got %s", res.Raw)
	}
}
