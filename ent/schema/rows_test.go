package schema

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"strings"
	"testing"
)

// TestEveryEntityHasARowRule: each entity of the schema is in exactly one
// list of row rules (the core's, a module's, the user record's, or the
// catalogue's), so that no entity falls back to a default nobody chose.
func TestEveryEntityHasARowRule(t *testing.T) {
	t.Parallel()
	lists := map[string]func(string) bool{
		"coreRows":       func(typ string) bool { _, ok := coreRows[typ]; return ok },
		"directoryRows":  func(typ string) bool { _, ok := directoryRows[typ]; return ok },
		"cilRows":        func(typ string) bool { _, ok := cilRows[typ]; return ok },
		"trainingRows":   func(typ string) bool { _, ok := trainingRows[typ]; return ok },
		"fileVisibility": func(typ string) bool { _, ok := fileVisibility[typ]; return ok },
		"cpomRows":       func(typ string) bool { _, ok := cpomRows[typ]; return ok },
		"catalogueTypes": func(typ string) bool { return catalogueTypes[typ] },
	}
	entities := schemaTypes(t)
	if len(entities) < 40 {
		t.Fatalf("found %d entities: the parse of the schema files is wrong", len(entities))
	}
	for _, typ := range entities {
		var in []string
		for name, has := range lists {
			if has(typ) {
				in = append(in, name)
			}
		}
		if len(in) != 1 {
			t.Errorf("entity %s is in %d lists of row rules %v, want exactly one", typ, len(in), in)
		}
	}
}

// schemaTypes returns the entities declared in the schema files: the types
// embedding ent.Schema.
func schemaTypes(t *testing.T) []string {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, f := range pkgs["schema"].Files {
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			if st, ok := spec.Type.(*ast.StructType); ok && len(st.Fields.List) == 1 {
				if isEntSchema(st.Fields.List[0].Type) {
					types = append(types, spec.Name.Name)
				}
			}
			return false
		})
	}
	return types
}

// isEntSchema tells whether the expression is ent.Schema.
func isEntSchema(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == "ent" && sel.Sel.Name == "Schema"
}
