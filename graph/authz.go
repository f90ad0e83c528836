package graph

import (
	"context"
	"reflect"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"communs"
	"communs/ent"
	"communs/internal/viewer"
	"communs/policies"
)

// authorize runs a root field only when its module, if it belongs to one,
// is enabled, and the Casbin policy grants it to the viewer: deny by
// default, one check per root field and operation. With introspection off,
// __type(name:) answers null, as for a type that does not exist: it
// reveals nothing, and clients that ask for one type keep working.
func authorize(enforcer *policies.Enforcer, modules []string, introspection bool) graphql.RootFieldMiddleware {
	return func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		root := graphql.GetRootFieldContext(ctx).Field
		field := root.Name
		if strings.HasPrefix(field, "__") { // introspection, switched on or off by configuration
			if field == "__type" && !introspection {
				return graphql.Null
			}
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

// switchedOffTypes maps the node types of the disabled modules to their
// module: a module's list query (typeConnection) carries @module.
func switchedOffTypes(schema *ast.Schema, enabled []string) map[string]string {
	out := map[string]string{}
	for _, f := range schema.Query.Fields {
		module := moduleOf(f)
		if typ, ok := strings.CutSuffix(f.Type.Name(), "Connection"); ok && module != "" && !slices.Contains(enabled, module) {
			out[typ] = module
		}
	}
	return out
}

// servable refuses a node of a disabled module's type.
func (r *Resolver) servable(n ent.Noder) error {
	if n == nil {
		return nil
	}
	typ := reflect.TypeOf(n).Elem().Name()
	if module, off := r.switchedOff[typ]; off {
		return communs.Errorf(communs.EMODULEDISABLED, "the %s module is switched off", module)
	}
	return nil
}
