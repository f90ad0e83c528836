// Package leanexec replaces two calls of the executable schema gqlgen
// generates, each where it costs a request CPU for nothing; go generate
// (graph/leanexec.go) makes the generated code call them.
//
// A page of 50 members with their subscriptions marshals some 1,100
// objects. gqlgen marshals each element of a list of objects on a
// goroutine of its own, so that resolvers which query the database run
// side by side; most lists need none of it, their elements' fields being
// loaded already (ent's eager loading), and each goroutine grows its stack
// from scratch through the marshalling's deep calls. And every object
// starts a group for the fields the query defers (@defer), computing its
// path in the result, though no field is deferred.
package leanexec

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalSlice is graphql.MarshalSliceConcurrently, elements one after the
// other on the caller's goroutine: each gets its field context, and a
// panic while marshalling one is an error on it and a null, as there.
func MarshalSlice(ctx context.Context, length int, _ int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		ctx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		if omitPanicHandler {
			ret[i] = marshalElement(ctx, i)
			continue
		}
		ret[i] = marshalRecovering(ctx, i, marshalElement)
	}
	return ret
}

func marshalRecovering(ctx context.Context, i int, marshalElement func(ctx context.Context, i int) graphql.Marshaler) (ret graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			ret = graphql.Null
		}
	}()
	return marshalElement(ctx, i)
}

// NewDeferredGroup is graphql.NewDeferredGroup when one of an object's
// fields is deferred, and an empty group otherwise: the generated code
// then only reads that it holds no deferred field.
func NewDeferredGroup(ctx context.Context, fields []graphql.CollectedField) graphql.DeferredGroup {
	for _, f := range fields {
		if f.IsDeferred() {
			return graphql.NewDeferredGroup(ctx)
		}
	}
	return graphql.DeferredGroup{}
}
