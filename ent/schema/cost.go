package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// CostEntry is a common expense of a resource for a fiscal year, budgeted
// or actual; the cost-price engine splits it between the subscribers.
type CostEntry struct{ ent.Schema }

// Mixin of CostEntry.
func (CostEntry) Mixin() []ent.Mixin { return id("CST") }

// Fields of CostEntry.
func (CostEntry) Fields() []ent.Field {
	return []ent.Field{
		field.String("resource_id").GoType(pulidID),
		field.Int("fiscal_year").Range(2000, 2100).
			Annotations(entgql.OrderField("FISCAL_YEAR")),
		field.Enum("cost_type").Values("USAGE", "MAINTENANCE").
			Comment("USAGE: amortisation of production; MAINTENANCE: operation and hosting"),
		field.Enum("basis").Values("BUDGETED", "ACTUAL"),
		field.Int64("amount").Annotations(asMoney).Min(0).Annotations(entgql.OrderField("AMOUNT")),
		field.String("label").NotEmpty().MaxLen(300),
		field.Time("incurred_on").Annotations(asDate).Optional().Nillable(),
		field.String("member_id").GoType(pulidID).Optional().Nillable().
			Comment("set for a DIRECT cost borne by one member"),
		field.String("subscription_id").GoType(pulidID).Optional().Nillable().Annotations(entgql.Type("ID")).
			Comment("a DIRECT cost names the member's subscription to the resource it is charged under…"),
		field.String("service_request_id").GoType(pulidID).Optional().Nillable().Annotations(entgql.Type("ID")).
			Comment("…or the service the member agreed to"),
	}
}

// Edges of CostEntry.
func (CostEntry) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("resource", Resource.Type).Ref("cost_entries").Field("resource_id").
			Unique().Required(),
		edge.From("member", Member.Type).Ref("direct_costs").Field("member_id").Unique(),
	}
}

// Indexes of CostEntry.
func (CostEntry) Indexes() []ent.Index {
	return []ent.Index{index.Fields("resource_id", "fiscal_year", "basis"), index.Fields("fiscal_year")}
}

// Annotations of CostEntry.
func (CostEntry) Annotations() []schema.Annotation {
	return append(graphQL(), entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		Aggregated{Keys: []string{"fiscal_year"}, Through: []string{"resource.category_id", "resource.kind"}})
}

// Policy of CostEntry.
func (CostEntry) Policy() ent.Policy { return memberRows("CostEntry") }
