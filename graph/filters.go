package graph

import (
	"context"
	"reflect"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"communs"
	"communs/ent/schema"
	"communs/internal/viewer"
)

// guardFilters refuses a where filter that goes through a kind of rows the
// viewer does not see whole. Row isolation narrows the rows a query returns,
// but a filter such as resources(where: {hasSubscriptionsWith: {memberID:
// "<another member>"}}) runs in SQL over every row: its answer would tell
// whether another member subscribes to a resource.
func guardFilters(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc.Object != "Query" || fc.Args["where"] == nil {
		return next(ctx)
	}
	if hidden := hiddenKind(viewer.FromContext(ctx), reflect.ValueOf(fc.Args["where"])); hidden != "" {
		return nil, communs.Errorf(communs.EFORBIDDEN,
			"your roles do not allow filtering through %s rows: filter on the fields of %s itself", hidden, fc.Field.Name)
	}
	return next(ctx)
}

// hiddenKind walks a where input (a *XWhereInput, or a slice of them) and
// returns the first kind it filters through (a Has…With field) whose rows v
// does not all see, or "".
func hiddenKind(v *viewer.Viewer, w reflect.Value) string {
	switch w.Kind() {
	case reflect.Slice:
		for i := range w.Len() {
			if kind := hiddenKind(v, w.Index(i)); kind != "" {
				return kind
			}
		}
		return ""
	case reflect.Pointer:
		if w.IsNil() {
			return ""
		}
		w = w.Elem()
	}
	if w.Kind() != reflect.Struct {
		return ""
	}
	for i := range w.NumField() {
		field, value := w.Type().Field(i), w.Field(i)
		kind, isWhere := whereKind(field.Type)
		if !isWhere || value.IsZero() {
			continue
		}
		through := strings.HasPrefix(field.Name, "Has") && strings.HasSuffix(field.Name, "With")
		if through && !schema.SeesAllRows(v, kind) {
			return kind
		}
		if kind := hiddenKind(v, value); kind != "" {
			return kind
		}
	}
	return ""
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
