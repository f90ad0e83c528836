package leanexec

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// Each element is marshalled with its index in its field context, in
// order; a panic in one is a null and an error, and the others are kept.
func TestMarshalSlice(t *testing.T) {
	ctx := graphql.WithResponseContext(t.Context(), graphql.DefaultErrorPresenter, func(_ context.Context, err any) error { return fmt.Errorf("panic: %v", err) })
	ret := MarshalSlice(ctx, 3, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		if i == 1 {
			panic("element 1")
		}
		return graphql.MarshalInt(*graphql.GetFieldContext(ctx).Index * 10)
	})
	var out bytes.Buffer
	ret.MarshalGQL(&out)
	if out.String() != "[0,null,20]" {
		t.Errorf("MarshalSlice = %s, want [0,null,20]", out.String())
	}
	if errs := graphql.GetErrors(ctx); len(errs) != 1 {
		t.Errorf("errors: %v, want the panic's", errs)
	}
}

// An object's deferred group is gqlgen's when one of its fields is
// deferred, and empty otherwise.
func TestNewDeferredGroup(t *testing.T) {
	plain := []graphql.CollectedField{{}, {}}
	if g := NewDeferredGroup(t.Context(), plain); g.Defers != nil || g.FieldSet != nil {
		t.Errorf("no deferred field: %+v, want an empty group", g)
	}
	deferred := append(plain, graphql.CollectedField{Deferrables: []*graphql.Deferrable{{Label: "later"}}})
	if g := NewDeferredGroup(t.Context(), deferred); g.Defers == nil || g.FieldSet == nil {
		t.Errorf("a deferred field: %+v, want gqlgen's group", g)
	}
}
