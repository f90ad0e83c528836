package leanexec

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// The executable schema calls this package where graph/leanexec.go says:
// a change of gqlgen's output that its patterns no longer match would
// otherwise only show as a slower server.
func TestGeneratedCodeIsLean(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "generated", "generated.go"))
	if err != nil {
		t.Fatal(err)
	}
	code := string(src)
	for _, want := range []string{
		// a list of edges, marshalled one after the other
		"leanexec.MarshalSlice(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {\n\t\tfc := graphql.GetFieldContext(ctx)\n\t\tfc.Result = &v[i]\n\t\treturn ec.marshalOSubscriptionEdge2",
		// a list of rows whose resolver queries, side by side
		"graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {\n\t\tfc := graphql.GetFieldContext(ctx)\n\t\tfc.Result = &v[i]\n\t\treturn ec.marshalNServiceRequest2",
		// a scalar read from the struct
		"_Subscription_status(ctx context.Context, field graphql.CollectedField, obj *ent.Subscription) (ret graphql.Marshaler) {\n\treturn ec.marshalNSubscriptionStatus2",
		"deferred := leanexec.NewDeferredGroup(ctx, fields)",
	} {
		if !strings.Contains(code, want) {
			t.Errorf("the generated code lacks %q: run go generate ./... and see graph/leanexec.go", want)
		}
	}
	if strings.Contains(code, "graphql.NewDeferredGroup(ctx)") {
		t.Error("an object makes gqlgen's deferred group")
	}
}
