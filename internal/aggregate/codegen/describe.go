// Package codegen generates the dashboards' aggregates from ent/schema:
// for every entity annotated schema.Aggregated, the GraphQL types and root
// field <entities>Aggregate (a schema hook of entgql, written into
// graph/ent.graphql) and the Go description of its group fields and
// measures (an ent template, ent/gql_aggregate.go). Both read the same
// Describe, so that the API and the SQL never disagree. It runs only in
// ent/entc.go.
package codegen

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc/gen"
)

// annotation is schema.Aggregated as entc hands it over (decoded JSON).
type annotation struct {
	Keys      []string `json:"keys"`
	Through   []string `json:"through"`
	CountOnly []string `json:"countOnly"`
}

// Description is what an aggregated entity offers.
type Description struct {
	Type      *gen.Type
	GroupBy   []Field
	CountOnly []Field
	Measures  []Field
}

// Field is a group field or a measure.
type Field struct {
	// Name is the GraphQL enum value (MEMBER); Key the field of the keys or
	// measures object (member).
	Name, Key string
	// Column is the Go constant of the column (charge.FieldKind).
	Column string
	// Kind and Unit name internal/aggregate's constants (Ref, Month).
	Kind, Unit string
	// Ref is the entity a Ref field points to.
	Ref string
	// GoEnum is the Go type of an Enum field (charge.Kind).
	GoEnum string
	// Object and Field name the GraphQL field whose type an Enum key
	// takes: Charge.kind, or Member.category through an edge.
	Object, GQLField string
	// JoinType, JoinTable (a Go constant) and JoinColumn (a Go constant of
	// the entity's foreign key) are set for a field through an edge.
	JoinType, JoinTable, JoinColumn string
}

// The names entgql gives GraphQL fields (fiscal_year → fiscalYear).
var camel, snake = gen.Funcs["camel"].(func(string) string), gen.Funcs["snake"].(func(string) string)

// Describe returns the description of t, or nil when t is not aggregated.
func Describe(t *gen.Type) (*Description, error) {
	raw, ok := t.Annotations[annotationName]
	if !ok {
		return nil, nil
	}
	var a annotation
	if err := decode(raw, &a); err != nil {
		return nil, fmt.Errorf("%s: Aggregated annotation: %w", t.Name, err)
	}
	d := &Description{Type: t}
	for _, f := range t.Fields {
		if err := d.add(f, a); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t.Name, f.Name, err)
		}
	}
	for _, path := range a.Through {
		f, err := through(t, path)
		if err != nil {
			return nil, fmt.Errorf("%s: through %q: %w", t.Name, path, err)
		}
		d.GroupBy = append(d.GroupBy, f)
	}
	return d, nil
}

const annotationName = "Aggregated"

// add sorts the field f of the entity into group fields and measures.
func (d *Description) add(f *gen.Field, a annotation) error {
	t := d.Type
	column := t.Package() + "." + f.Constant()
	switch {
	case f.IsEdgeField():
		e := edgeOf(t, f)
		if e == nil {
			return fmt.Errorf("no edge holds this foreign key")
		}
		ref := Field{Name: upper(e.Name), Key: camel(e.Name), Column: column, Kind: "Ref", Ref: e.Type.Name}
		if slices.Contains(a.CountOnly, f.Name) {
			d.CountOnly = append(d.CountOnly, ref)
		} else {
			d.GroupBy = append(d.GroupBy, ref)
		}
	case f.IsEnum():
		d.GroupBy = append(d.GroupBy, Field{Name: upper(f.Name), Key: camel(f.Name), Column: column,
			Kind: "Enum", GoEnum: f.Type.String(), Object: t.Name, GQLField: camel(f.Name)})
	case f.IsBool():
		d.GroupBy = append(d.GroupBy, Field{Name: upper(f.Name), Key: camel(f.Name), Column: column, Kind: "Bool"})
	case f.IsTime() && f.Name != "updated_at":
		kind := "Time"
		if gqlType(f) == "Date" {
			kind = "Date"
		}
		for _, unit := range []string{"Day", "Month", "Quarter", "Year"} {
			d.GroupBy = append(d.GroupBy, Field{Name: upper(f.Name + "_" + unit), Key: camel(f.Name),
				Column: column, Kind: kind, Unit: unit})
		}
	case slices.Contains(a.Keys, f.Name):
		kind := "String"
		if f.Type.Numeric() {
			kind = "Int"
		}
		d.GroupBy = append(d.GroupBy, Field{Name: upper(f.Name), Key: camel(f.Name), Column: column, Kind: kind})
	case f.Type.Numeric():
		kind := "Int"
		switch {
		case gqlType(f) == "Money":
			kind = "Money"
		case strings.HasPrefix(f.Type.String(), "float"):
			kind = "Float"
		}
		d.Measures = append(d.Measures, Field{Name: upper(f.Name), Key: camel(f.Name), Column: column, Kind: kind})
	}
	return nil
}

// through describes the group field "edge.field": a field of the row a
// unique edge of t leads to.
func through(t *gen.Type, path string) (Field, error) {
	edgeName, fieldName, ok := strings.Cut(path, ".")
	if !ok {
		return Field{}, fmt.Errorf(`write "edge.field"`)
	}
	var e *gen.Edge
	for _, candidate := range t.Edges {
		if candidate.Name == edgeName && candidate.Unique && candidate.Field() != nil {
			e = candidate
		}
	}
	if e == nil {
		return Field{}, fmt.Errorf("%s has no unique edge %s with a foreign key", t.Name, edgeName)
	}
	var target *gen.Field
	for _, f := range e.Type.Fields {
		if f.Name == fieldName {
			target = f
		}
	}
	if target == nil {
		return Field{}, fmt.Errorf("%s has no field %s", e.Type.Name, fieldName)
	}
	f := Field{Column: e.Type.Package() + "." + target.Constant(),
		JoinType: e.Type.Name, JoinTable: e.Type.Package() + ".Table", JoinColumn: t.Package() + "." + e.Field().Constant()}
	switch {
	case target.IsEdgeField():
		next := edgeOf(e.Type, target)
		f.Name, f.Key, f.Kind, f.Ref = upper(edgeName+"_"+next.Name), camel(edgeName+"_"+next.Name), "Ref", next.Type.Name
	case target.IsEnum():
		f.Name, f.Key, f.Kind = upper(edgeName+"_"+fieldName), camel(edgeName+"_"+fieldName), "Enum"
		f.GoEnum, f.Object, f.GQLField = target.Type.String(), e.Type.Name, camel(fieldName)
	case target.Type.Numeric():
		f.Name, f.Key, f.Kind = upper(edgeName+"_"+fieldName), camel(edgeName+"_"+fieldName), "Int"
	default:
		return Field{}, fmt.Errorf("only foreign keys, enums and integers are group fields through an edge")
	}
	return f, nil
}

// edgeOf returns the unique edge of t whose foreign key is f.
func edgeOf(t *gen.Type, f *gen.Field) *gen.Edge {
	for _, e := range t.Edges {
		if e.Unique && e.Field() != nil && e.Field().Name == f.Name {
			return e
		}
	}
	return nil
}

// gqlType is the GraphQL type a field is annotated with (Money, Date).
func gqlType(f *gen.Field) string {
	var a entgql.Annotation
	if raw, ok := f.Annotations[a.Name()]; ok && decode(raw, &a) == nil {
		return a.Type
	}
	return ""
}

func decode(raw, into any) error {
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}

func upper(name string) string { return strings.ToUpper(snake(name)) }

// RefTypes are the entities that Ref group fields point to, once each, in
// the order of nodes.
func RefTypes(nodes []*gen.Type) ([]*gen.Type, error) {
	refs := map[string]bool{}
	for _, t := range nodes {
		d, err := Describe(t)
		if err != nil || d == nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		for _, f := range d.GroupBy {
			refs[f.Ref] = refs[f.Ref] || f.Kind == "Ref"
		}
	}
	var types []*gen.Type
	for _, t := range nodes {
		if refs[t.Name] {
			types = append(types, t)
		}
	}
	return types, nil
}
