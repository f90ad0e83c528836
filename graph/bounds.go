package graph

import (
	"context"
	"reflect"
	"slices"

	"github.com/99designs/gqlgen/codegen/templates"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"communs"
	"communs/graph/generated"
	"communs/internal/budget"
	"communs/internal/metrics"
)

// DefaultListBound is the number of rows a list field without arguments
// (member { subscriptions }) counts for in the complexity of a query, and
// the most it may return: past its bound, the field is a LIMIT_EXCEEDED
// error, never a silently shortened list. A connection (…Connection,
// first) or a root list with a filter pages through longer ones.
const DefaultListBound = 100

// listBoundOverrides are the lists longer by nature than DefaultListBound.
var listBoundOverrides = map[string]int{
	"Member.subscriptions":      200,  // the catalogue's size
	"Member.charges":            1000, // four lines a year per subscription
	"CallForFunds.charges":      1000,
	"ChargeRun.charges":         1000,
	"ChargeRun.callsForFunds":   1000,
	"Member.payments":           1000, // a few a quarter
	"Member.paymentAllocations": 1000,
}

// DefaultRowBudget is the number of rows a query may load from the database
// in all, its nested lists included.
const DefaultRowBudget = 50_000

// listBounds gives the bound of every list field of an entity (a Node)
// whose elements are entities: the edges read from the database, by
// definition. Connections are priced by their page, payloads of mutations
// are not bounded.
func listBounds(schema *ast.Schema) map[*ast.FieldDefinition]int {
	bounds := map[*ast.FieldDefinition]int{}
	for _, t := range schema.Types {
		if t.Kind != ast.Object || !slices.Contains(t.Interfaces, "Node") {
			continue
		}
		for _, f := range t.Fields {
			elem := f.Type.Elem
			if elem == nil || !isNode(schema.Types[elem.Name()]) {
				continue // not a list, or a list of values held in the row itself
			}
			bound, ok := listBoundOverrides[t.Name+"."+f.Name]
			if !ok {
				bound = DefaultListBound
			}
			bounds[f] = bound
		}
	}
	return bounds
}

func isNode(t *ast.Definition) bool {
	return t != nil && (t.Name == "Node" || slices.Contains(t.Interfaces, "Node"))
}

// boundComplexity makes every bounded list field cost its children times
// its bound. Fields with arguments (connections) are priced by
// setComplexity.
func boundComplexity(root *generated.ComplexityRoot, schema *ast.Schema, bounds map[*ast.FieldDefinition]int) {
	listOnly := reflect.TypeFor[func(int) int]()
	types := reflect.ValueOf(root).Elem()
	for _, t := range schema.Types {
		object := types.FieldByName(templates.ToGo(t.Name))
		if !object.IsValid() || object.Kind() != reflect.Struct {
			continue
		}
		for _, f := range t.Fields {
			bound, ok := bounds[f]
			fn := object.FieldByName(templates.ToGo(f.Name))
			if !ok || !fn.IsValid() || fn.Type() != listOnly || !fn.IsNil() {
				continue
			}
			fn.Set(reflect.ValueOf(func(child int) int { return 1 + child*bound }))
		}
	}
}

// checkListBound refuses the result of a bounded list field longer than
// its bound.
func checkListBound(fc *graphql.FieldContext, bounds map[*ast.FieldDefinition]int, result any) error {
	bound, ok := bounds[fc.Field.Definition]
	if !ok {
		return nil
	}
	if rows := reflect.ValueOf(result); rows.Kind() == reflect.Slice && rows.Len() > bound {
		return communs.Errorf(communs.ELIMIT, "%s.%s has more than %d rows: read them a page at a time (a …Connection field, or the root list with a filter)",
			fc.Object, fc.Field.Name, bound)
	}
	return nil
}

// rowBudget gives every query operation a budget of rows (budget.Rows). A
// query past it answers only the budget's error: nothing partial.
type rowBudget struct {
	rows    int
	metrics *metrics.Metrics
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = rowBudget{}

func (rowBudget) ExtensionName() string                   { return "CommunsRowBudget" }
func (rowBudget) Validate(graphql.ExecutableSchema) error { return nil }

func (b rowBudget) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return next(ctx)
	}
	ctx, rows := budget.WithRows(ctx, b.rows)
	respond := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := respond(ctx)
		b.metrics.ObserveRows(rows.Loaded())
		if resp != nil && rows.Exceeded() {
			return &graphql.Response{Errors: gqlerror.List{{
				Message:    rows.Error().(*communs.Error).Message,
				Extensions: map[string]any{"code": communs.ELIMIT, "rowsLoaded": rows.Loaded()},
			}}}
		}
		return resp
	}
}
