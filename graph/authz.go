package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"communs"
	"communs/internal/viewer"
	"communs/policies"
)

// authorize runs a root field only when the Casbin policy grants it to the
// viewer: deny by default, one check per root field and operation.
func authorize(enforcer *policies.Enforcer) graphql.RootFieldMiddleware {
	return func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		field := graphql.GetRootFieldContext(ctx).Field.Name
		if strings.HasPrefix(field, "__") { // introspection, switched on or off by configuration
			return next(ctx)
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
