package schema

import (
	"regexp"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"communs/ent/schema/schematype"
)

// The directory module (modules/directory) owns the schema files named
// directory_*.go: a reference database of each member's establishments and
// services, with attributes the member defines.

// directoryRows are the row rules of the module's entities (see coreRows).
var directoryRows = map[string]rowRule{
	"Establishment":       {gsmAll, ownMembers},
	"AttributeDefinition": {gsmAll, ownMembers},
	"AttributeValue":      {gsmAll, through("establishment", ownMembers)},
}

// Establishment is an establishment or service (ESMS) of a member, as the
// FINESS register knows it or as the member describes it.
type Establishment struct{ ent.Schema }

// Mixin of Establishment.
func (Establishment) Mixin() []ent.Mixin { return id("ETB") }

// Fields of Establishment.
func (Establishment) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("finess_et").Optional().Nillable().Unique().MinLen(9).MaxLen(9).
			Annotations(entgql.OrderField("FINESS_ET")).
			Comment("FINESS number of the establishment (ET): the key of the import"),
		field.String("finess_ej").Optional().Nillable().MinLen(9).MaxLen(9).
			Comment("FINESS number of the legal entity (EJ) that runs it"),
		field.String("name").NotEmpty().MaxLen(300).Annotations(entgql.OrderField("NAME")),
		field.String("long_name").Default("").MaxLen(500),
		field.String("street").Default("").MaxLen(300),
		field.String("postal_code").Default("").MaxLen(10),
		field.String("city").Default("").MaxLen(200).Annotations(entgql.OrderField("CITY")),
		field.String("department").Default("").MaxLen(3).Annotations(entgql.OrderField("DEPARTMENT")),
		field.String("phone").Default("").MaxLen(30),
		field.String("director_name").Default("").MaxLen(200),
		field.String("director_contact").Default("").MaxLen(200),
		field.String("category_code").Default("").MaxLen(10).Annotations(entgql.OrderField("CATEGORY_CODE")),
		field.String("category_label").Default("").MaxLen(200),
		field.String("siret").Optional().Nillable().MinLen(14).MaxLen(14),
		field.Time("opened_on").Annotations(asDate).Optional().Nillable(),
		field.Time("authorized_on").Annotations(asDate).Optional().Nillable(),
		field.JSON("capacities", []schematype.Capacity{}).Optional().
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.Int("capacity_total").Default(0).NonNegative().Annotations(entgql.OrderField("CAPACITY_TOTAL"), notInput).
			Comment("Σ capacities, kept by the service: filter on it"),
		field.Enum("status").Values("OPEN", "CLOSED").Default("OPEN"),
		field.Time("closed_on").Annotations(asDate).Optional().Nillable(),
		field.Float("coord_x").Optional().Nillable(),
		field.Float("coord_y").Optional().Nillable(),
		field.String("coord_source").Default(""),
	}
}

// Edges of Establishment.
func (Establishment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("member", Member.Type).Field("member_id").Unique().Required().Immutable(),
		edge.To("attribute_values", AttributeValue.Type),
	}
}

// Indexes of Establishment.
func (Establishment) Indexes() []ent.Index {
	return []ent.Index{index.Fields("member_id"), index.Fields("department"), index.Fields("category_code")}
}

// Annotations of Establishment.
func (Establishment) Annotations() []schema.Annotation {
	return append(moduleGraphQL("directory"), Aggregated{Keys: []string{"department", "category_code"}})
}

// Policy of Establishment.
func (Establishment) Policy() ent.Policy { return memberRows("Establishment") }

// attributeKey is the form of an attribute's key.
var attributeKey = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// AttributeDefinition is a field a member adds to its establishments
// ("flexible and modular": resources, premises, projects…).
type AttributeDefinition struct{ ent.Schema }

// Mixin of AttributeDefinition.
func (AttributeDefinition) Mixin() []ent.Mixin { return id("ATD") }

// Fields of AttributeDefinition.
func (AttributeDefinition) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("key").NotEmpty().MaxLen(60).Match(attributeKey).Immutable().
			Annotations(entgql.OrderField("KEY")).Comment("lower-case letters, digits and _"),
		field.String("label").NotEmpty().MaxLen(200),
		field.Enum("type").Values("TEXT", "NUMBER", "DATE", "BOOLEAN", "CHOICE").Immutable(),
		field.Strings("choices").Optional().Comment("the values a CHOICE takes"),
		field.Bool("required").Default(false),
	}
}

// Edges of AttributeDefinition.
func (AttributeDefinition) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("member", Member.Type).Field("member_id").Unique().Required().Immutable(),
		edge.To("values", AttributeValue.Type),
	}
}

// Indexes of AttributeDefinition.
func (AttributeDefinition) Indexes() []ent.Index {
	return []ent.Index{index.Fields("member_id", "key").Unique()}
}

// Annotations of AttributeDefinition.
func (AttributeDefinition) Annotations() []schema.Annotation { return moduleGraphQL("directory") }

// Policy of AttributeDefinition.
func (AttributeDefinition) Policy() ent.Policy { return memberRows("AttributeDefinition") }

// AttributeValue is the value of a member-defined attribute for one
// establishment, in the column of its type: filterable through the API.
type AttributeValue struct{ ent.Schema }

// Mixin of AttributeValue.
func (AttributeValue) Mixin() []ent.Mixin { return id("ATV") }

// Fields of AttributeValue.
func (AttributeValue) Fields() []ent.Field {
	return []ent.Field{
		field.String("establishment_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.String("definition_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.String("text_value").Optional().Nillable().MaxLen(2000),
		field.Float("number_value").Optional().Nillable(),
		field.Time("date_value").Annotations(asDate).Optional().Nillable(),
		field.Bool("bool_value").Optional().Nillable(),
	}
}

// Edges of AttributeValue.
func (AttributeValue) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("establishment", Establishment.Type).Ref("attribute_values").
			Field("establishment_id").Unique().Required().Immutable(),
		edge.From("definition", AttributeDefinition.Type).Ref("values").
			Field("definition_id").Unique().Required().Immutable(),
	}
}

// Indexes of AttributeValue.
func (AttributeValue) Indexes() []ent.Index {
	return []ent.Index{index.Fields("establishment_id", "definition_id").Unique()}
}

// Annotations of AttributeValue.
func (AttributeValue) Annotations() []schema.Annotation { return moduleGraphQL("directory") }

// Policy of AttributeValue.
func (AttributeValue) Policy() ent.Policy { return memberRows("AttributeValue") }
