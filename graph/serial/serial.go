// Package serial marshals a GraphQL list on the request's goroutine.
//
// gqlgen marshals every element of a list of objects on a goroutine of its
// own, so that resolvers which query the database run side by side. Most
// lists need none of it: their elements' fields are already loaded (ent's
// eager loading), and a page of 50 members with their subscriptions then
// costs some 1,100 goroutines, each growing its stack from scratch through
// the marshalling's deep calls: half of the request's CPU. go generate
// (graph/serialize.go) has the generated code call MarshalSlice instead
// for the lists whose elements have no hand-written resolver.
package serial

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalSlice is graphql.MarshalSliceConcurrently, elements one after the
// other: each gets its field context, and a panic while marshalling one is
// an error on it and a null, as there.
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
