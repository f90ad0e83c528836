package graph

import (
	"regexp"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"communs/graph/generated"
)

// appendOnly are the types whose rows are only ever added, by the services
// that own them: revisions, the ledger, the audit trail, the access log.
var appendOnly = map[string]bool{
	"ProcessingRevision": true, "UsageDeclarationRevision": true, "MemberCategoryChange": true,
	"Charge": true, "CallForFunds": true, "ChargeRun": true, "AuditEvent": true, "AccessLogEntry": true,
}

var mutationInput = regexp.MustCompile(`^(?:Create|Update)(\w+)Input$`)

// No generated input may add, remove, clear or re-attach an edge to rows
// that are append-only: the services write them, never a client.
func TestNoInputReachesAppendOnlyRows(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	checked := 0
	for name, input := range schema.Types {
		m := mutationInput.FindStringSubmatch(name)
		if input.Kind != ast.InputObject || m == nil || schema.Types[m[1]] == nil {
			continue
		}
		object := schema.Types[m[1]]
		for _, f := range input.Fields {
			edge := edgeNamed(schema, object, f.Name)
			if edge == nil {
				continue
			}
			checked++
			if appendOnly[edge.Type.Name()] {
				t.Errorf("%s.%s reaches %s.%s, append-only %s rows", name, f.Name, object.Name, edge.Name, edge.Type.Name())
			}
		}
	}
	if checked == 0 {
		t.Error("no input field names an edge: the test proves nothing")
	}
}

// edgeNamed is the edge of object an input field edits: memberID, the
// revisionIDs, addRevisionIDs, removeRevisionIDs or clearRevisions.
func edgeNamed(schema *ast.Schema, object *ast.Definition, field string) *ast.FieldDefinition {
	name := field
	for _, prefix := range []string{"add", "remove", "clear"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
			name = rest
			break
		}
	}
	trimmed := strings.TrimSuffix(strings.TrimSuffix(name, "IDs"), "ID")
	if trimmed == name && !strings.HasPrefix(field, "clear") {
		return nil // a plain field, not an edge
	}
	name = strings.ToLower(trimmed[:1]) + trimmed[1:]
	for _, candidate := range []string{name, name + "s"} {
		if f := object.Fields.ForName(candidate); f != nil && schema.Types[f.Type.Name()].Kind == ast.Object {
			return f
		}
	}
	return nil
}
