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

// repeated is an operation of its own name asking for field n times.
func repeated(name, field string, n int) string {
	return "query " + name + " {" + strings.Repeat(" "+field, n) + " }"
}

// distinct asks for n fields of distinct names (aliases of __typename).
func distinct(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " a%d: __typename", i)
	}
	return b.String()
}

// The selections are counted before validation, whose check of fields to
// merge is quadratic: the refusal is the count's, whatever the operation's
// name (a new name is a new document for the cache).
func TestRepeatedFieldsAreRefusedBeforeValidation(t *testing.T) {
	h := NewHandler(openClient(t), HandlerOptions{MaxAliases: 2 * DefaultMaxSelections})
	for _, name := range []string{"U1", "U2"} {
		res := post(t, h, repeated(name, "__typename", 9000), nil)
		if res.code() != "GRAPHQL_VALIDATION_FAILED" || len(res.Errors) != 1 ||
			res.Errors[0].Message != "the document has 9000 selections, more than the limit of 1000" {
			t.Errorf("9000 selections in %s: %.300s", name, res.Raw)
		}
	}
	for _, tc := range []struct {
		name, query string
		refused     string
	}{
		{"the most fields under one name", repeated("Q", "__typename", DefaultMaxSameName), ""},
		{"one more", repeated("Q", "__typename", DefaultMaxSameName+1), `asks for "__typename" 51 times`},
		{"one more through inline fragments", "{" + strings.Repeat(" ... on Query { __typename }", DefaultMaxSameName+1) + " }", `asks for "__typename" 51 times`},
		{"the most selections", "{" + distinct(DefaultMaxSelections) + " }", ""},
		{"one more", "{" + distinct(DefaultMaxSelections+1) + " }", "1001 selections"},
		{"fragments count as written, each once", "{ ...F ...F } fragment F on Query {" + distinct(DefaultMaxSelections-2) + " }", ""},
		{"with their spreads", "{ ...F ...F __typename } fragment F on Query {" + distinct(DefaultMaxSelections-2) + " }", "1001 selections"},
	} {
		res := post(t, h, tc.query, nil)
		if tc.refused == "" && len(res.Errors) > 0 ||
			tc.refused != "" && (res.code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(res.Errors[0].Message, tc.refused)) {
			t.Errorf("%s: %.300s", tc.name, res.Raw)
		}
	}
}

// BenchmarkRepeatedFields measures the answer to 9 000 repeated fields
// under a new operation name each time (refused by the selection count),
// and to the most repeated fields a document may hold (validated).
func BenchmarkRepeatedFields(b *testing.B) {
	h := NewHandler(openClient(b), HandlerOptions{})
	for _, n := range []int{9000, DefaultMaxSameName} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				post(b, h, repeated(fmt.Sprintf("U%d", i), "__typename", n), nil)
			}
		})
	}
	// The selections allowed, in as few names as allowed: 20 names asked 50 times each.
	b.Run("20×50", func(b *testing.B) {
		var names strings.Builder
		for n := range DefaultMaxSelections / DefaultMaxSameName {
			names.WriteString(strings.Repeat(fmt.Sprintf(" a%d: __typename", n), DefaultMaxSameName))
		}
		i := 0
		for b.Loop() {
			i++
			post(b, h, fmt.Sprintf("query U%d {%s }", i, names.String()), nil)
		}
	})
}
