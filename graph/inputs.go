package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"communs"
	"communs/internal/validate"
)

// Bounds of the arguments' values, checked before anything runs.
const (
	// maxListItems bounds a list in an argument (ids, In filters, the
	// branches of an or): a database takes some 30 000 values in one
	// statement.
	maxListItems = 1_000
	// maxListItemsInAll bounds the items of all the lists of an
	// operation's arguments together, nested lists included.
	maxListItemsInAll = 10_000
)

// longTexts are the input fields whose strings may be longer than
// validate.MaxText, with their own bound (0: only the request body's).
var longTexts = map[string]int{
	"contentBase64": 0, // a FINESS extract, bounded by the 1 MiB body
}

// longLists are the arguments, as field.argument, whose lists may be
// longer than maxListItems, with their own bound.
var longLists = map[string]int{
	"recordActivities.input": 5_000, // a month of an establishment's activities
}

// inputCheck refuses, before anything runs, an operation whose arguments
// hold a string that is not valid UTF-8, holds a control character (NUL…)
// or is longer than its bound, or a list longer than its bound: every
// value of every argument of every field, from the document or its
// variables, whatever the field does with it.
type inputCheck struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = inputCheck{}

func (inputCheck) ExtensionName() string                   { return "CommunsInputBounds" }
func (inputCheck) Validate(graphql.ExecutableSchema) error { return nil }

func (inputCheck) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	w := inputWalker{vars: oc.Variables, seen: make(map[string]bool)}
	return w.set(oc.Operation.SelectionSet)
}

// inputWalker checks the arguments of a selection set's fields, each
// fragment once.
type inputWalker struct {
	vars map[string]any
	seen map[string]bool
	// items counts the list items met so far.
	items *int
}

func (w inputWalker) set(set ast.SelectionSet) *gqlerror.Error {
	if w.items == nil {
		w.items = new(int)
	}
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

func (w inputWalker) field(f *ast.Field) *gqlerror.Error {
	if len(f.Arguments) > 0 && f.Definition != nil {
		for name, value := range f.ArgumentMap(w.vars) {
			if err := w.value(f.Name+"."+name, name, value); err != nil {
				e := gqlerror.ErrorPosf(f.Position, "%s: %s", f.Name, err.Message)
				e.Extensions = map[string]any{"code": err.Code, "field": err.Field}
				return e
			}
		}
	}
	return w.set(f.SelectionSet)
}

// value checks one argument's value, or an input field's, named name;
// an argument's key is field.argument.
func (w inputWalker) value(key, name string, value any) *communs.Error {
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
		max, long := longLists[key]
		if !long {
			max = maxListItems
		}
		if len(v) > max {
			return communs.InvalidField(name, "%s has %d items, more than the limit of %d", name, len(v), max)
		}
		if *w.items += len(v); *w.items > maxListItemsInAll {
			return communs.InvalidField(name, "the lists of the request hold more than %d items in all", maxListItemsInAll)
		}
		for _, item := range v {
			if err := w.value(name, name, item); err != nil {
				return err
			}
		}
	case map[string]any:
		for field, item := range v {
			if err := w.value(field, field, item); err != nil {
				return err
			}
		}
	}
	return nil
}
