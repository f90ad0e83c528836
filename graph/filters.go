package graph

import (
	"context"
	"reflect"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"communs/ent/schema"
	"communs/internal/viewer"
)

// narrowFilters makes every filter that reaches through an edge consider
// only the rows the viewer may see. Row isolation narrows the rows a query
// returns, but a filter such as resources(where: {hasSubscriptionsWith:
// {memberID: "<another member>"}}) runs in SQL over the edge's rows: left
// alone, its answer would tell whether another member subscribes to a
// resource.
func narrowFilters(ctx context.Context, fc *graphql.FieldContext) {
	if fc.Object == "Query" && fc.Args["where"] != nil {
		narrow(viewer.FromContext(ctx), reflect.ValueOf(fc.Args["where"]))
	}
}

// narrowWhere narrows the where input of a field below the root (a nested
// connection), as narrowFilters does for root fields.
func narrowWhere(ctx context.Context, where any) {
	narrow(viewer.FromContext(ctx), reflect.ValueOf(where))
}

// narrow walks a where input (a *XWhereInput, or a slice of them) and adds
// to the input of every Has…With field the predicate of the rows v sees.
func narrow(v *viewer.Viewer, w reflect.Value) {
	switch w.Kind() {
	case reflect.Slice:
		for i := range w.Len() {
			narrow(v, w.Index(i))
		}
		return
	case reflect.Pointer:
		if w.IsNil() {
			return
		}
		w = w.Elem()
	}
	if w.Kind() != reflect.Struct {
		return
	}
	rewriteHasFlags(v, w)
	for i := range w.NumField() {
		field, value := w.Type().Field(i), w.Field(i)
		kind, isWhere := whereKind(field.Type)
		if !isWhere || value.IsZero() {
			continue
		}
		if strings.HasPrefix(field.Name, "Has") && strings.HasSuffix(field.Name, "With") {
			if visible := schema.VisibleRows(v, kind); visible != nil {
				restrict(value, visible)
			}
		}
		narrow(v, value)
	}
}

// rewriteHasFlags turns hasX: true into hasXWith: [{}], and hasX: false
// into not: {hasXWith: [{}]}, for the kinds v does not see whole, so that
// the edge's rows are narrowed like any Has…With filter.
func rewriteHasFlags(v *viewer.Viewer, w reflect.Value) {
	boolPtr := reflect.TypeFor[*bool]()
	for i := range w.NumField() {
		name, flag := w.Type().Field(i).Name, w.Field(i)
		with := w.FieldByName(name + "With")
		if flag.Type() != boolPtr || flag.IsNil() || !strings.HasPrefix(name, "Has") || !with.IsValid() {
			continue
		}
		if kind, _ := whereKind(with.Type()); schema.VisibleRows(v, kind) == nil {
			continue
		}
		exists := reflect.New(w.Type())
		anyRow := reflect.New(with.Type().Elem().Elem())
		exists.Elem().FieldByName(name + "With").Set(reflect.Append(reflect.MakeSlice(with.Type(), 0, 1), anyRow))
		condition := exists
		if !flag.Elem().Bool() {
			condition = reflect.New(w.Type())
			condition.Elem().FieldByName("Not").Set(exists)
		}
		and := w.FieldByName("And")
		and.Set(reflect.Append(and, condition))
		flag.Set(reflect.Zero(boolPtr))
	}
}

// restrict adds predicate to each where input of a Has…With list.
func restrict(inputs reflect.Value, predicate any) {
	for i := range inputs.Len() {
		add := inputs.Index(i).MethodByName("AddPredicates") // AddPredicates(...predicate.X)
		typed := reflect.ValueOf(predicate).Convert(add.Type().In(0).Elem())
		add.Call([]reflect.Value{typed})
	}
}

// whereKind tells whether t is a where input (or a slice of pointers to
// them) and of which kind: *ent.SubscriptionWhereInput → "Subscription".
func whereKind(t reflect.Type) (string, bool) {
	for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	kind, ok := strings.CutSuffix(t.Name(), "WhereInput")
	return kind, ok && t.Kind() == reflect.Struct
}
