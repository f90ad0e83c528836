package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"entgo.io/contrib/entgql"

	"communs/internal/validate"
)

// Subscription records that a member uses a resource.
type Subscription struct{ ent.Schema }

// Mixin of Subscription.
func (Subscription) Mixin() []ent.Mixin { return id("SUB") }

// Fields of Subscription.
func (Subscription) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("resource_id").GoType(pulidID).Immutable(),
		field.Enum("status").Values("REQUESTED", "ACTIVE", "ENDED").Default("REQUESTED").
			Annotations(entgql.OrderField("STATUS")),
		field.Time("requested_on").Annotations(asDate),
		field.Time("starts_on").Annotations(asDate).Optional().Nillable().Annotations(entgql.OrderField("STARTS_ON")),
		field.Time("ends_on").Annotations(asDate).Optional().Nillable(),
		field.Time("convention_signed_on").Annotations(asDate).Optional().Nillable().
			Comment("date the implementation agreement (convention) was signed"),
		field.String("project_lead_name").Default("").MaxLen(200).
			Comment("the member's internal project lead"),
		field.String("project_lead_email").Optional().Nillable().Validate(validate.Email),
	}
}

// Edges of Subscription.
func (Subscription) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("member", Member.Type).Ref("subscriptions").Field("member_id").
			Unique().Required().Immutable(),
		edge.From("resource", Resource.Type).Ref("subscriptions").Field("resource_id").
			Unique().Required().Immutable(),
	}
}

// Indexes of Subscription.
func (Subscription) Indexes() []ent.Index {
	return []ent.Index{index.Fields("member_id", "resource_id"), index.Fields("resource_id")}
}

// Annotations of Subscription.
func (Subscription) Annotations() []schema.Annotation {
	return append(graphQL(), entsql.Checks(map[string]string{
		"subscription_ends_after_start": datesInOrder("starts_on", "ends_on"),
	}), Aggregated{Through: []string{"member.category", "resource.category_id", "resource.kind"}})
}

// Policy of Subscription.
func (Subscription) Policy() ent.Policy { return memberRows("Subscription") }
