package graph

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// Query-shape limits, enforced as validation rules: an operation that breaks
// one is refused before it runs, with extensions.code
// GRAPHQL_VALIDATION_FAILED. gqlgen's complexity limit covers the cost of
// what a query asks for; these cover what it does not:
//   - depth: each level of nesting is one more query against the database
//     (eager loading is per level), and deep cyclic paths
//     (member → subscriptions → resource → subscriptions → …) are the usual
//     way to make a small query expensive;
//   - aliases: the same field asked many times under different names
//     (alias overloading), e.g. to try many values of an argument in one
//     request and so get around per-request rate limits;
//   - fields: the number of fields once fragments are expanded. A fragment
//     that spreads the next one twice, twenty times over, expands to a
//     million fields; gqlgen's complexity walker expands every spread
//     without memory and would take minutes over such a document. Every
//     field costs at least 1 in complexity, so this rule, with the
//     complexity limit as its bound, refuses nothing that the complexity
//     limit would let through; it only refuses it in linear time.
//
// Fragments are expanded (each fragment is measured once and remembered, so
// the measure is linear in the size of the document). Introspection fields
// (__schema, __type) are not counted towards depth: gqlparser's own
// MaxIntrospectionDepth rule bounds them, and they are refused outright when
// introspection is off.

const (
	depthRuleName           = "CommunsMaxDepth"
	aliasRuleName           = "CommunsMaxAliases"
	fieldRuleName           = "CommunsMaxFields"
	noIntrospectionRuleName = "CommunsNoIntrospection"
)

// shapeLimits are the limits the validation rules enforce.
type shapeLimits struct {
	depth, aliases, fields int
	introspection          bool
}

// validationRules returns gqlparser's default rules plus ours. gqlgen calls
// it for every query it has not cached, and edits the set it gets (to turn
// suggestions off), so it builds a fresh set each time.
func validationRules(l shapeLimits) func() *rules.Rules {
	return func() *rules.Rules {
		r := rules.NewDefaultRules()
		for _, rule := range []core.Rule{depthRule(l.depth), aliasRule(l.aliases), fieldRule(l.fields)} {
			r.AddRule(rule.Name, rule.RuleFunc)
		}
		if !l.introspection {
			r.AddRule(noIntrospectionRule.Name, noIntrospectionRule.RuleFunc)
		}
		return r
	}
}

// depthRule refuses an operation whose fields nest more than max levels:
// `{ members(first: 1) { edges { node { name } } } }` has depth 4.
func depthRule(max int) core.Rule {
	return core.Rule{
		Name: depthRuleName,
		RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
			observers.OnOperation(func(walker *core.Walker, op *ast.OperationDefinition) {
				m := newMeasurer(walker.Document)
				if depth := m.depth(op.SelectionSet); depth > max {
					addError(
						core.Message("%s is %d levels deep, more than the limit of %d", operationLabel(op), depth, max),
						core.At(op.Position),
					)
				}
			})
		},
	}
}

// aliasRule refuses an operation with more than max aliased fields, counted
// as executed: an alias inside a fragment counts once per use of the
// fragment. An alias equal to the field name (`name: name`) is no alias.
func aliasRule(max int) core.Rule {
	return core.Rule{
		Name: aliasRuleName,
		RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
			observers.OnOperation(func(walker *core.Walker, op *ast.OperationDefinition) {
				m := newMeasurer(walker.Document)
				if n := m.aliases(op.SelectionSet); n > max {
					addError(
						core.Message("%s uses %s aliases, more than the limit of %d", operationLabel(op), countLabel(n), max),
						core.At(op.Position),
					)
				}
			})
		},
	}
}

// fieldRule refuses an operation with more than max fields once fragments
// are expanded. Fields under __schema are not counted (nor are they by the
// complexity limit).
func fieldRule(max int) core.Rule {
	return core.Rule{
		Name: fieldRuleName,
		RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
			observers.OnOperation(func(walker *core.Walker, op *ast.OperationDefinition) {
				m := newMeasurer(walker.Document)
				if n := m.fields(op.SelectionSet); n > max {
					addError(
						core.Message("%s selects %s fields once its fragments are expanded, more than the limit of %d", operationLabel(op), countLabel(n), max),
						core.At(op.Position),
					)
				}
			})
		},
	}
}

// noIntrospectionRule refuses __schema when introspection is off, so that
// such a query fails validation instead of executing half-way. __typename
// stays allowed: clients need it and it reveals nothing; so does __type,
// which then answers null (authorize).
var noIntrospectionRule = core.Rule{
	Name: noIntrospectionRuleName,
	RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
		observers.OnField(func(_ *core.Walker, field *ast.Field) {
			if field.Name == "__schema" {
				addError(
					core.Message("introspection is disabled on this server"),
					core.At(field.Position),
				)
			}
		})
	},
}

// saturation caps the counts of the alias and field rules: an exponential document
// (fragments that spread the next fragment twice) must not overflow.
const saturation = 1 << 30

// measurer measures selection sets, expanding fragment spreads. Each
// fragment is measured once. A fragment being measured that is reached
// again (a cycle, refused by NoFragmentCyclesRule anyway) counts as empty.
type measurer struct {
	fragments map[string]*ast.FragmentDefinition

	depthMemo, aliasMemo, fieldMemo map[string]int
	visiting                        map[string]bool
}

func newMeasurer(doc *ast.QueryDocument) *measurer {
	m := &measurer{
		fragments: make(map[string]*ast.FragmentDefinition),
		depthMemo: make(map[string]int),
		aliasMemo: make(map[string]int),
		fieldMemo: make(map[string]int),
		visiting:  make(map[string]bool),
	}
	if doc != nil {
		for _, f := range doc.Fragments {
			if _, seen := m.fragments[f.Name]; !seen {
				m.fragments[f.Name] = f
			}
		}
	}
	return m
}

// depth is the number of nested field levels of a selection set.
func (m *measurer) depth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				// __typename is a leaf; __schema and __type are bounded
				// by MaxIntrospectionDepth.
				d = 1
				break
			}
			d = 1 + m.depth(s.SelectionSet)
		case *ast.InlineFragment:
			d = m.depth(s.SelectionSet)
		case *ast.FragmentSpread:
			d = m.fragment(s.Name, m.depthMemo, m.depth)
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// aliases is the number of aliased fields of a selection set.
func (m *measurer) aliases(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				n = addSat(n, 1)
			}
			n = addSat(n, m.aliases(s.SelectionSet))
		case *ast.InlineFragment:
			n = addSat(n, m.aliases(s.SelectionSet))
		case *ast.FragmentSpread:
			n = addSat(n, m.fragment(s.Name, m.aliasMemo, m.aliases))
		}
	}
	return n
}

// fields is the number of fields of a selection set, fragments expanded.
func (m *measurer) fields(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" {
				continue
			}
			n = addSat(n, addSat(1, m.fields(s.SelectionSet)))
		case *ast.InlineFragment:
			n = addSat(n, m.fields(s.SelectionSet))
		case *ast.FragmentSpread:
			n = addSat(n, m.fragment(s.Name, m.fieldMemo, m.fields))
		}
	}
	return n
}

// fragment measures a named fragment once, with the given measure.
func (m *measurer) fragment(name string, memo map[string]int, measure func(ast.SelectionSet) int) int {
	if v, ok := memo[name]; ok {
		return v
	}
	def, ok := m.fragments[name]
	if !ok || m.visiting[name] {
		return 0
	}
	m.visiting[name] = true
	v := measure(def.SelectionSet)
	delete(m.visiting, name)
	memo[name] = v
	return v
}

func addSat(a, b int) int {
	if a+b > saturation {
		return saturation
	}
	return a + b
}

func countLabel(n int) string {
	if n >= saturation {
		return "over a billion"
	}
	return fmt.Sprint(n)
}

func operationLabel(op *ast.OperationDefinition) string {
	kind := string(op.Operation)
	if kind == "" {
		kind = "query"
	}
	if op.Name != "" {
		return fmt.Sprintf("%s %q", kind, op.Name)
	}
	return "the " + kind
}

// selectionLimit refuses, before it is validated, a document with more
// selections than max (every field, fragment spread and inline fragment as
// written, duplicates included) or asking for one name more than
// maxSameName times in one selection set. The validation of fields that
// must merge (those asked under the same name) is quadratic in their
// number: `{ __typename __typename … }` nine thousand times would cost
// seconds of CPU, and a new operation name each time would miss the cache
// of validated documents. A document in that cache passed already and is
// not counted again; any other is parsed once more here (linear, and
// bounded by the parser's token limit).
type selectionLimit struct {
	max, maxSameName, tokens int
	validated                graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = selectionLimit{}

func (selectionLimit) ExtensionName() string                   { return "CommunsMaxSelections" }
func (selectionLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l selectionLimit) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if _, ok := l.validated.Get(ctx, params.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, l.tokens)
	if err != nil {
		return nil // gqlgen parses it again and reports the error
	}
	var c selectionCount
	c.document(doc)
	var refusal *gqlerror.Error
	switch {
	case c.selections > l.max:
		refusal = gqlerror.Errorf("the document has %d selections, more than the limit of %d", c.selections, l.max)
	case c.sameName > l.maxSameName:
		refusal = gqlerror.Errorf("the document asks for %q %d times in one selection set, more than the limit of %d", c.name, c.sameName, l.maxSameName)
	default:
		return nil
	}
	errcode.Set(refusal, errcode.ValidationFailed)
	return refusal
}

// selectionCount measures the selections written in a document: in its
// operations and in its fragments, each fragment once.
type selectionCount struct {
	selections int
	// sameName is the most fields one selection set asks under one name
	// (its inline fragments included), and name that name.
	sameName int
	name     string
}

func (c *selectionCount) document(doc *ast.QueryDocument) {
	for _, op := range doc.Operations {
		c.set(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		c.set(f.SelectionSet)
	}
}

// set counts a selection set and the sets below it.
func (c *selectionCount) set(set ast.SelectionSet) {
	names := make(map[string]int)
	c.fields(set, names)
	for name, n := range names {
		if n > c.sameName {
			c.sameName, c.name = n, name
		}
	}
}

// fields counts the selections of set, and its fields by response name in
// names, with those of its inline fragments, which merge with them.
func (c *selectionCount) fields(set ast.SelectionSet, names map[string]int) {
	c.selections += len(set)
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			names[cmp.Or(s.Alias, s.Name)]++
			c.set(s.SelectionSet)
		case *ast.InlineFragment:
			c.fields(s.SelectionSet, names)
		}
	}
}
