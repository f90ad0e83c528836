package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"communs/ent/schema/schematype"
)

// UsageDeclaration is a member's fiche déclarative for one year.
type UsageDeclaration struct{ ent.Schema }

// Mixin of UsageDeclaration.
func (UsageDeclaration) Mixin() []ent.Mixin { return id("DEC") }

// Fields of UsageDeclaration.
func (UsageDeclaration) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.Int("year").Range(2000, 2100).Immutable().
			Annotations(entgql.OrderField("YEAR")),
		field.Enum("status").Values("DRAFT", "SUBMITTED", "VALIDATED", "RETURNED", "LOCKED").
			Default("DRAFT").Annotations(entgql.OrderField("STATUS")),
		field.Int("revision").Default(1).Positive().
			Comment("number of the current revision; every change adds one"),
		field.Time("submitted_at").Optional().Nillable(),
		field.Time("validated_at").Optional().Nillable(),
		field.Time("locked_at").Optional().Nillable(),
		field.String("return_comment").Optional().Nillable(),
	}
}

// Edges of UsageDeclaration.
func (UsageDeclaration) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("member", Member.Type).Ref("usage_declarations").Field("member_id").
			Unique().Required().Immutable(),
		edge.To("lines", UsageDeclarationLine.Type),
		edge.To("revisions", UsageDeclarationRevision.Type),
	}
}

// Indexes of UsageDeclaration.
func (UsageDeclaration) Indexes() []ent.Index {
	return []ent.Index{index.Fields("member_id", "year").Unique(), index.Fields("year")}
}

// Annotations of UsageDeclaration.
func (UsageDeclaration) Annotations() []schema.Annotation {
	return append(graphQL(), Aggregated{Keys: []string{"year"}, Through: []string{"member.category"}})
}

// UsageDeclarationLine is the declared quantity of one subscribed resource.
type UsageDeclarationLine struct{ ent.Schema }

// Mixin of UsageDeclarationLine.
func (UsageDeclarationLine) Mixin() []ent.Mixin { return id("DLN") }

// Fields of UsageDeclarationLine.
func (UsageDeclarationLine) Fields() []ent.Field {
	return []ent.Field{
		field.String("declaration_id").GoType(pulidID).Immutable(),
		field.String("resource_id").GoType(pulidID).Immutable(),
		field.Int64("quantity").NonNegative().
			Comment("in the resource's usage unit").
			Annotations(entgql.OrderField("QUANTITY")),
	}
}

// Edges of UsageDeclarationLine.
func (UsageDeclarationLine) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("declaration", UsageDeclaration.Type).Ref("lines").Field("declaration_id").
			Unique().Required().Immutable(),
		edge.To("resource", Resource.Type).Field("resource_id").
			Unique().Required().Immutable(),
	}
}

// Indexes of UsageDeclarationLine.
func (UsageDeclarationLine) Indexes() []ent.Index {
	return []ent.Index{index.Fields("declaration_id", "resource_id").Unique()}
}

// Annotations of UsageDeclarationLine.
func (UsageDeclarationLine) Annotations() []schema.Annotation {
	return append(graphQL(), Aggregated{
		Through: []string{"declaration.member_id", "declaration.year", "declaration.status", "resource.category_id", "resource.kind"},
	})
}

// UsageDeclarationRevision is an immutable snapshot of a declaration, kept
// at every change so that any past state can be read back.
type UsageDeclarationRevision struct{ ent.Schema }

// Mixin of UsageDeclarationRevision.
func (UsageDeclarationRevision) Mixin() []ent.Mixin { return id("DRV") }

// Fields of UsageDeclarationRevision.
func (UsageDeclarationRevision) Fields() []ent.Field {
	return []ent.Field{
		field.String("declaration_id").GoType(pulidID).Immutable(),
		field.Int("revision").Positive().Immutable().
			Annotations(entgql.OrderField("REVISION")),
		field.Enum("status").Values("DRAFT", "SUBMITTED", "VALIDATED", "RETURNED", "LOCKED").Immutable(),
		field.Bool("amendment").Default(false).Immutable().
			Comment("a change made after the declaration was locked; it flows into the year-end regularisation"),
		field.JSON("lines", []schematype.DeclaredQuantity{}).Immutable().
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.String("comment").Default("").Immutable(),
		field.String("author_id").GoType(pulidID).Optional().Nillable().Immutable(),
	}
}

// Edges of UsageDeclarationRevision.
func (UsageDeclarationRevision) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("declaration", UsageDeclaration.Type).Ref("revisions").Field("declaration_id").
			Unique().Required().Immutable(),
		edge.To("author", Account.Type).Field("author_id").Unique().Immutable(),
	}
}

// Indexes of UsageDeclarationRevision.
func (UsageDeclarationRevision) Indexes() []ent.Index {
	return []ent.Index{index.Fields("declaration_id", "revision").Unique()}
}

// Annotations of UsageDeclarationRevision.
func (UsageDeclarationRevision) Annotations() []schema.Annotation { return graphQL() }

// Policy of UsageDeclaration.
func (UsageDeclaration) Policy() ent.Policy { return memberRows("UsageDeclaration") }

// Policy of UsageDeclarationLine.
func (UsageDeclarationLine) Policy() ent.Policy { return memberRows("UsageDeclarationLine") }

// Policy of UsageDeclarationRevision.
func (UsageDeclarationRevision) Policy() ent.Policy {
	return appendOnly(memberRows("UsageDeclarationRevision"))
}
