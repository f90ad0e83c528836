package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ServiceRequest is a startup service (installation, configuration, skills
// transfer) or a supplementary service (specific development, study,
// advice), billed on time spent.
type ServiceRequest struct{ ent.Schema }

// Mixin of ServiceRequest.
func (ServiceRequest) Mixin() []ent.Mixin { return id("SRQ") }

// Fields of ServiceRequest.
func (ServiceRequest) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("resource_id").GoType(pulidID).Optional().Nillable(),
		field.Enum("kind").Values("STARTUP", "SUPPLEMENTARY"),
		field.String("title").NotEmpty().MaxLen(300).Annotations(entgql.OrderField("TITLE")),
		field.String("description").Default(""),
		field.Enum("status").
			Values("REQUESTED", "ESTIMATED", "AGREED", "IN_PROGRESS", "DONE", "CANCELLED").
			Default("REQUESTED").Annotations(entgql.OrderField("STATUS")),
		field.Int("estimated_minutes").Optional().Nillable().NonNegative(),
		field.Int64("estimated_amount").Annotations(asMoney).Optional().Nillable().Min(0),
		field.Time("agreed_at").Optional().Nillable().
			Comment("the member's prior agreement; no time is billed before it for a supplementary service"),
		field.String("agreed_by").Optional().Nillable(),
		field.Int("revised_estimated_minutes").Optional().Nillable().NonNegative().
			Comment("a revised estimate waiting for the member's agreement"),
		field.Int64("revised_estimated_amount").Annotations(asMoney).Optional().Nillable().Min(0),
		field.String("revision_reason").Optional().Nillable(),
	}
}

// Edges of ServiceRequest.
func (ServiceRequest) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("member", Member.Type).Ref("service_requests").Field("member_id").
			Unique().Required().Immutable(),
		edge.To("resource", Resource.Type).Field("resource_id").Unique(),
		edge.To("time_entries", TimeEntry.Type),
		edge.To("charges", Charge.Type),
	}
}

// Indexes of ServiceRequest.
func (ServiceRequest) Indexes() []ent.Index {
	return []ent.Index{index.Fields("member_id")}
}

// Annotations of ServiceRequest.
func (ServiceRequest) Annotations() []schema.Annotation {
	return append(graphQL(), Aggregated{Through: []string{"member.category"}})
}

// TimeEntry is time a staff member spent on a service request.
type TimeEntry struct{ ent.Schema }

// Mixin of TimeEntry.
func (TimeEntry) Mixin() []ent.Mixin { return id("TIM") }

// Fields of TimeEntry.
func (TimeEntry) Fields() []ent.Field {
	return []ent.Field{
		field.String("service_request_id").GoType(pulidID).Immutable(),
		field.String("staff_name").NotEmpty().MaxLen(200),
		field.Time("worked_on").Annotations(asDate, entgql.OrderField("WORKED_ON")),
		field.Int("minutes").Positive().Max(24 * 60),
		field.Int64("hourly_rate").Annotations(asMoney).Min(0),
		field.String("note").Default(""),
	}
}

// Edges of TimeEntry.
func (TimeEntry) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("service_request", ServiceRequest.Type).Ref("time_entries").
			Field("service_request_id").Unique().Required().Immutable(),
	}
}

// Annotations of TimeEntry.
func (TimeEntry) Annotations() []schema.Annotation {
	return append(graphQL(), Aggregated{Through: []string{"service_request.member_id", "service_request.kind"}})
}

// Policy of ServiceRequest.
func (ServiceRequest) Policy() ent.Policy { return memberRows("ServiceRequest") }

// Policy of TimeEntry.
func (TimeEntry) Policy() ent.Policy { return memberRows("TimeEntry") }
