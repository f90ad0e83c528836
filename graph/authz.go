package graph

import (
	"context"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"communs"
	"communs/internal/viewer"
	"communs/policies"
)

// authorize runs a root field only when its module, if it belongs to one,
// is enabled, and the Casbin policy grants it to the viewer: deny by
// default, one check per root field and operation.
func authorize(enforcer *policies.Enforcer, modules []string) graphql.RootFieldMiddleware {
	return func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		root := graphql.GetRootFieldContext(ctx).Field
		field := root.Name
		if strings.HasPrefix(field, "__") { // introspection, switched on or off by configuration
			return next(ctx)
		}
		if module := moduleOf(root.Definition); module != "" && !slices.Contains(modules, module) {
			graphql.AddError(ctx, communs.Errorf(communs.EMODULEDISABLED, "the %s module is switched off", module))
			return graphql.Null
		}
		operation := string(graphql.GetOperationContext(ctx).Operation.Operation)
		v := viewer.FromContext(ctx)
		if enforcer.Allowed(v, operation, field) {
			return next(ctx)
		}
		if v == nil {
			graphql.AddError(ctx, communs.Errorf(communs.EUNAUTHENTICATED, "log in to use %s", field))
		} else {
			graphql.AddError(ctx, communs.Errorf(communs.EFORBIDDEN, "your roles do not allow %s", field))
		}
		return graphql.Null
	}
}

// moduleOf is the module named by the field's @module directive, if any.
func moduleOf(def *ast.FieldDefinition) string {
	if def == nil {
		return ""
	}
	if d := def.Directives.ForName("module"); d != nil {
		if arg := d.Arguments.ForName("name"); arg != nil {
			return arg.Value.Raw
		}
	}
	return ""
}
