package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"communs"
	"communs/internal/validate"
)

// longTexts are the input fields whose strings may be longer than
// validate.MaxText, with their own bound (0: only the request body's).
var longTexts = map[string]int{
	"contentBase64": 0, // a FINESS extract, bounded by the 1 MiB body
}

// textCheck refuses, before anything runs, an operation whose arguments
// hold a string that is not valid UTF-8, holds a control character (NUL…)
// or is longer than its bound: every string of every argument of every
// field, from the document or its variables, whatever the field does with
// it.
type textCheck struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = textCheck{}

func (textCheck) ExtensionName() string                   { return "CommunsTextInputs" }
func (textCheck) Validate(graphql.ExecutableSchema) error { return nil }

func (textCheck) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	w := textWalker{vars: oc.Variables, seen: make(map[string]bool)}
	return w.set(oc.Operation.SelectionSet)
}

// textWalker checks the arguments of a selection set's fields, each
// fragment once.
type textWalker struct {
	vars map[string]any
	seen map[string]bool
}

func (w textWalker) set(set ast.SelectionSet) *gqlerror.Error {
	for _, sel := range set {
		var err *gqlerror.Error
		switch s := sel.(type) {
		case *ast.Field:
			err = w.field(s)
		case *ast.InlineFragment:
			err = w.set(s.SelectionSet)
		case *ast.FragmentSpread:
			if !w.seen[s.Name] && s.Definition != nil {
				w.seen[s.Name] = true
				err = w.set(s.Definition.SelectionSet)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w textWalker) field(f *ast.Field) *gqlerror.Error {
	if len(f.Arguments) > 0 && f.Definition != nil {
		for name, value := range f.ArgumentMap(w.vars) {
			if err := checkTexts(name, value); err != nil {
				e := gqlerror.ErrorPosf(f.Position, "%s: %s", f.Name, err.Message)
				e.Extensions = map[string]any{"code": err.Code, "field": err.Field}
				return e
			}
		}
	}
	return w.set(f.SelectionSet)
}

// checkTexts checks the strings of one argument's value, named name.
func checkTexts(name string, value any) *communs.Error {
	switch v := value.(type) {
	case string:
		max, long := longTexts[name]
		if !long {
			max = validate.MaxText
		}
		if err := validate.Text(v, max); err != nil {
			return communs.InvalidField(name, "%s is %v", name, err)
		}
	case []any:
		for _, item := range v {
			if err := checkTexts(name, item); err != nil {
				return err
			}
		}
	case map[string]any:
		for key, item := range v {
			if err := checkTexts(key, item); err != nil {
				return err
			}
		}
	}
	return nil
}
