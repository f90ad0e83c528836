package codegen

import (
	"fmt"

	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"
)

// Go types the generated GraphQL types bind to (gqlgen's @goModel).
const (
	goPackage = "communs/internal/aggregate"
	goMap     = "map[string]interface{}"
)

// SchemaHook adds to the GraphQL schema entgql generates, for every
// aggregated entity, its root field <entities>Aggregate (beside the list
// field <entities>, with the same directives) and its types.
func SchemaHook(g *gen.Graph, s *ast.Schema) error {
	query := s.Types["Query"]
	if query == nil {
		return fmt.Errorf("entgql generated no Query type")
	}
	for _, t := range g.Nodes {
		d, err := Describe(t)
		if err != nil || d == nil {
			if err != nil {
				return err
			}
			continue
		}
		list := listField(query, t.Name)
		if list == nil {
			return fmt.Errorf("%s is aggregated but has no root list field (entgql.QueryField)", t.Name)
		}
		types, err := d.types(s)
		if err != nil {
			return err
		}
		for _, def := range types {
			s.Types[def.Name] = def
		}
		query.Fields = append(query.Fields, d.rootField(list))
	}
	return nil
}

// listField is the root connection field of the entity named typ.
func listField(query *ast.Definition, typ string) *ast.FieldDefinition {
	for _, f := range query.Fields {
		if f.Type.Name() == typ+"Connection" {
			return f
		}
	}
	return nil
}

func (d *Description) rootField(list *ast.FieldDefinition) *ast.FieldDefinition {
	t := d.Type.Name
	return &ast.FieldDefinition{
		Name: list.Name + "Aggregate",
		Description: fmt.Sprintf("Groups of the %s you may read, as the list %s filters them: keys, counts and, "+
			"for numeric fields, sums, averages, minima and maxima (money exact; a money average is rounded "+
			"half away from zero to the cent). At most 1000 groups: without first, a query with more is refused.",
			list.Name, list.Name),
		Arguments: ast.ArgumentDefinitionList{
			{Name: "where", Type: ast.NamedType(t+"WhereInput", nil)},
			{Name: "groupBy", Type: ast.ListType(ast.NonNullNamedType(t+"GroupField", nil), nil),
				Description: "The fields to group by; none gives one group of every row."},
			{Name: "having", Type: ast.ListType(ast.NonNullNamedType(t+"AggregateCondition", nil), nil),
				Description: "Keeps the groups that meet every condition."},
			{Name: "orderBy", Type: ast.ListType(ast.NonNullNamedType(t+"AggregateOrder", nil), nil),
				Description: "Sorts the groups; they are then sorted by their keys, ascending."},
			{Name: "first", Type: ast.NamedType("Int", nil), Description: "Takes the first groups in that order (at most 1000)."},
		},
		Type:       ast.NonNullListType(ast.NonNullNamedType(t+"AggregateGroup", nil), nil),
		Directives: list.Directives,
	}
}

// types are the GraphQL types of the entity's aggregate.
func (d *Description) types(s *ast.Schema) ([]*ast.Definition, error) {
	t := d.Type.Name
	distinct := t + "GroupField"
	if len(d.CountOnly) > 0 {
		distinct = t + "CountField"
	}
	keys, err := d.keysType(s)
	if err != nil {
		return nil, err
	}
	defs := []*ast.Definition{
		enum(t+"GroupField", "The fields "+t+" groups can be grouped by.", d.GroupBy),
		keys,
		d.groupType(distinct),
		d.conditionInput(distinct),
		d.orderInput(distinct),
	}
	if len(d.CountOnly) > 0 {
		defs = append(defs, enum(distinct, "The fields of "+t+" whose distinct values can be counted.",
			append(append([]Field{}, d.GroupBy...), d.CountOnly...)))
	}
	if len(d.Measures) > 0 {
		defs = append(defs,
			enum(t+"Measure", "The numeric fields of "+t+".", d.Measures),
			d.measuresType("Sums", "Sums", func(f Field) string { return map[string]string{"Money": "Money", "Int": "Int64"}[f.Kind] }),
			d.measuresType("Averages", "Averages (money rounded half away from zero to the cent)",
				func(f Field) string { return map[string]string{"Money": "Money"}[f.Kind] }),
			d.measuresType("Extremes", "Minima or maxima", func(f Field) string { return map[string]string{"Money": "Money", "Int": "Int"}[f.Kind] }),
		)
	}
	return defs, nil
}

func enum(name, description string, fields []Field) *ast.Definition {
	def := &ast.Definition{Kind: ast.Enum, Name: name, Description: description, Directives: goModel(goPackage + ".Name")}
	for _, f := range fields {
		def.EnumValues = append(def.EnumValues, &ast.EnumValueDefinition{Name: f.Name})
	}
	return def
}

// keysType has a field per group key: the row of a foreign key, an enum, a
// bucket of a date (one field for every unit).
func (d *Description) keysType(s *ast.Schema) (*ast.Definition, error) {
	def := &ast.Definition{Kind: ast.Object, Name: d.Type.Name + "AggregateKeys", Directives: goModel(goMap),
		Description: "The keys of a group: those of groupBy are set."}
	seen := map[string]bool{}
	for _, f := range d.GroupBy {
		if seen[f.Key] {
			continue
		}
		seen[f.Key] = true
		typ, err := f.keyType(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.Type.Name, err)
		}
		def.Fields = append(def.Fields, &ast.FieldDefinition{Name: f.Key, Type: ast.NamedType(typ, nil)})
	}
	return def, nil
}

func (f Field) keyType(s *ast.Schema) (string, error) {
	switch f.Kind {
	case "Ref":
		return f.Ref, nil
	case "Bool":
		return "Boolean", nil
	case "Int", "String":
		return map[string]string{"Int": "Int", "String": "String"}[f.Kind], nil
	case "Date", "Time":
		return "TimeBucket", nil
	}
	object := s.Types[f.Object]
	if object == nil || object.Fields.ForName(f.GQLField) == nil {
		return "", fmt.Errorf("no GraphQL field %s.%s for the enum key %s", f.Object, f.GQLField, f.Name)
	}
	return object.Fields.ForName(f.GQLField).Type.Name(), nil
}

func (d *Description) groupType(distinct string) *ast.Definition {
	t := d.Type.Name
	def := &ast.Definition{Kind: ast.Object, Name: t + "AggregateGroup", Directives: goModel(goPackage + ".Group"),
		Description: "A group of " + t + " rows.",
		Fields: ast.FieldList{
			{Name: "keys", Type: ast.NonNullNamedType(t+"AggregateKeys", nil)},
			{Name: "count", Type: ast.NonNullNamedType("Int", nil), Description: "The rows in the group."},
			{Name: "countDistinct", Type: ast.NonNullNamedType("Int", nil), Description: "The distinct values of a field in the group.",
				Arguments: ast.ArgumentDefinitionList{{Name: "field", Type: ast.NonNullNamedType(distinct, nil)}}},
		}}
	if len(d.Measures) > 0 {
		def.Fields = append(def.Fields,
			&ast.FieldDefinition{Name: "sum", Type: ast.NonNullNamedType(t+"AggregateSums", nil)},
			&ast.FieldDefinition{Name: "avg", Type: ast.NonNullNamedType(t+"AggregateAverages", nil)},
			&ast.FieldDefinition{Name: "min", Type: ast.NonNullNamedType(t+"AggregateExtremes", nil)},
			&ast.FieldDefinition{Name: "max", Type: ast.NonNullNamedType(t+"AggregateExtremes", nil)})
	}
	return def
}

// measuresType has a field per measure, of the type typeOf gives (Float
// when it gives none); null when the group has no value.
func (d *Description) measuresType(suffix, what string, typeOf func(Field) string) *ast.Definition {
	def := &ast.Definition{Kind: ast.Object, Name: d.Type.Name + "Aggregate" + suffix, Directives: goModel(goMap),
		Description: what + " of the numeric fields of a group; null when the group has no value."}
	for _, f := range d.Measures {
		typ := typeOf(f)
		if typ == "" {
			typ = "Float"
		}
		def.Fields = append(def.Fields, &ast.FieldDefinition{Name: f.Key, Type: ast.NamedType(typ, nil)})
	}
	return def
}

// termFields are the fields of a condition or order that name an
// aggregate: the function, its measure, its distinct field.
func (d *Description) termFields(distinct string, function *ast.Type) ast.FieldList {
	fields := ast.FieldList{{Name: "aggregate", Type: function}}
	if len(d.Measures) > 0 {
		fields = append(fields, &ast.FieldDefinition{Name: "field", Type: ast.NamedType(d.Type.Name+"Measure", nil),
			Description: "The numeric field of SUM, AVG, MIN and MAX."})
	}
	return append(fields, &ast.FieldDefinition{Name: "distinct", Type: ast.NamedType(distinct, nil),
		Description: "The field of COUNT_DISTINCT."})
}

func (d *Description) conditionInput(distinct string) *ast.Definition {
	def := &ast.Definition{Kind: ast.InputObject, Name: d.Type.Name + "AggregateCondition", Directives: goModel(goPackage + ".Condition"),
		Description: "A condition on an aggregate of a group, such as {aggregate: SUM, field: AMOUNT, gte: \"1000.00\"}: " +
			"values are decimal numbers, in euros for money; every comparison given must hold.",
		Fields: d.termFields(distinct, ast.NonNullNamedType("AggregateFunction", nil))}
	for _, op := range []string{"gt", "gte", "lt", "lte", "eq"} {
		def.Fields = append(def.Fields, &ast.FieldDefinition{Name: op, Type: ast.NamedType("String", nil)})
	}
	return def
}

func (d *Description) orderInput(distinct string) *ast.Definition {
	fields := append(ast.FieldList{{Name: "key", Type: ast.NamedType(d.Type.Name+"GroupField", nil),
		Description: "A field of groupBy."}}, d.termFields(distinct, ast.NamedType("AggregateFunction", nil))...)
	fields = append(fields, &ast.FieldDefinition{Name: "direction", Type: ast.NonNullNamedType("OrderDirection", nil),
		DefaultValue: &ast.Value{Raw: "ASC", Kind: ast.EnumValue}})
	return &ast.Definition{Kind: ast.InputObject, Name: d.Type.Name + "AggregateOrder", Directives: goModel(goPackage + ".Order"),
		Description: "Sorts groups on a key or on an aggregate.", Fields: fields}
}

func goModel(model string) ast.DirectiveList {
	return ast.DirectiveList{{Name: "goModel", Arguments: ast.ArgumentList{
		{Name: "model", Value: &ast.Value{Raw: model, Kind: ast.StringValue}},
	}}}
}
