package graph

import (
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"communs/graph/generated"
	"communs/policies"
)

// TestEveryRootFieldHasAPermission walks the schema: a root field that no
// policy line grants would be denied to everyone, and most likely is an
// oversight, so it fails here rather than in production. A module's fields
// are granted by the module's own policy: the permission matrix of
// cmd/communs, run with every module on, covers them.
func TestEveryRootFieldHasAPermission(t *testing.T) {
	enforcer, err := policies.New()
	if err != nil {
		t.Fatal(err)
	}
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	for operation, root := range map[ast.Operation]*ast.Definition{
		ast.Query:    schema.Query,
		ast.Mutation: schema.Mutation,
	} {
		if root == nil {
			continue
		}
		for _, field := range root.Fields {
			if field.Name[0] == '_' || moduleOf(field) != "" {
				continue
			}
			if !enforcer.Declared(string(operation), field.Name) {
				t.Errorf("%s %s has no line in policies/policy.csv", operation, field.Name)
			}
		}
	}
}
