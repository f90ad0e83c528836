package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ResourceCategory is a node of the catalogue's tree.
type ResourceCategory struct{ ent.Schema }

// Mixin of ResourceCategory.
func (ResourceCategory) Mixin() []ent.Mixin { return id("RCA") }

// Fields of ResourceCategory.
func (ResourceCategory) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").Unique().NotEmpty().MaxLen(40).
			Annotations(entgql.OrderField("CODE")),
		field.String("name").NotEmpty().MaxLen(200).
			Annotations(entgql.OrderField("NAME")),
		field.String("description").Default(""),
		field.String("parent_id").GoType(pulidID).Optional().Nillable(),
	}
}

// Edges of ResourceCategory.
func (ResourceCategory) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("children", ResourceCategory.Type).Annotations(notInput).
			From("parent").Field("parent_id").Unique(),
		edge.To("resources", Resource.Type).Annotations(notInput),
	}
}

// Annotations of ResourceCategory.
func (ResourceCategory) Annotations() []schema.Annotation {
	return append(graphQL(), entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()))
}

// Resource is an item of the catalogue that members subscribe to.
type Resource struct{ ent.Schema }

// Mixin of Resource.
func (Resource) Mixin() []ent.Mixin { return id("RES") }

// Fields of Resource.
func (Resource) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").Unique().NotEmpty().MaxLen(40).
			Annotations(entgql.OrderField("CODE")),
		field.String("name").NotEmpty().MaxLen(200).
			Annotations(entgql.OrderField("NAME")),
		field.String("description").Default(""),
		field.Enum("kind").Values("SOFTWARE", "INFRASTRUCTURE", "SERVICE", "TRAINING").
			Annotations(entgql.OrderField("KIND")),
		field.Enum("usage_unit").
			Values("PLACES", "ACCOUNTS", "MAILBOXES", "GIGABYTES", "DAYS", "PARTICIPANTS", "DEVICES", "FLAT").
			Comment("the unit members declare their usage in"),
		field.Enum("allocation_key").Values("EQUAL", "PRO_RATA", "DIRECT").
			Comment("how the resource's common costs are split between its subscribers"),
		field.Bool("processes_personal_data").Default(false),
		field.Bool("processes_health_data").Default(false),
		field.Enum("status").Values("ACTIVE", "RETIRED").Default("ACTIVE"),
		field.String("category_id").GoType(pulidID).Optional().Nillable(),
	}
}

// Edges of Resource.
func (Resource) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("category", ResourceCategory.Type).Ref("resources").Field("category_id").Unique(),
		edge.To("subscriptions", Subscription.Type).Annotations(notInput),
		edge.To("cost_entries", CostEntry.Type).Annotations(notInput),
	}
}

// Indexes of Resource.
func (Resource) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status")}
}

// Annotations of Resource.
func (Resource) Annotations() []schema.Annotation {
	return append(graphQL(), entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()))
}

// Policy of ResourceCategory.
func (ResourceCategory) Policy() ent.Policy { return catalogue() }

// Policy of Resource.
func (Resource) Policy() ent.Policy { return catalogue() }
