package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"communs/internal/validate"
)

// Categories of membership (statuts du groupement).
var memberCategories = []string{"FOUNDER", "ACTIVE", "USER"}

// Member is an organisation that belongs to the groupement.
type Member struct{ ent.Schema }

// Mixin of Member.
func (Member) Mixin() []ent.Mixin { return id("MBR") }

// Fields of Member.
func (Member) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).
			Annotations(entgql.OrderField("NAME")),
		field.String("siren").Optional().Nillable().Unique().
			Validate(validate.SIREN).Comment("SIREN number of the legal entity"),
		field.String("rna").Optional().Nillable().
			Validate(validate.RNA).Comment("number in the Répertoire national des associations"),
		field.String("legal_form").Default("Association loi 1901").MaxLen(100),
		field.String("street").Default("").MaxLen(200),
		field.String("postal_code").Default("").MaxLen(10),
		field.String("city").Default("").MaxLen(100).
			Annotations(entgql.OrderField("CITY")),
		field.String("region").Default("").MaxLen(100).
			Annotations(entgql.OrderField("REGION")),
		field.String("finess_ej").Optional().Nillable().MinLen(9).MaxLen(9).
			Comment("FINESS number of the legal entity (EJ)"),
		field.Enum("category").Values(memberCategories...).
			Annotations(entgql.OrderField("CATEGORY")),
		field.Enum("status").Values("ACTIVE", "SUSPENDED", "LEFT").Default("ACTIVE").
			Annotations(entgql.OrderField("STATUS")),
		field.Time("joined_on").Annotations(asDate, entgql.OrderField("JOINED_ON")),
		field.Time("left_on").Annotations(asDate).Optional().Nillable(),
		field.Float("vat_subject_percent").Default(0).Validate(validate.Percent).
			Comment("declared share of activity subject to VAT; eligibility requires at most 20 %"),
		field.String("representative_name").Default("").MaxLen(200),
		field.String("representative_function").Default("").MaxLen(200),
		field.String("contact_email").Optional().Nillable().Validate(validate.Email),
		field.String("contact_phone").Default("").MaxLen(30),
		field.Bool("is_federation").Default(false),
		field.Enum("payment_status").Values("UP_TO_DATE", "IN_CREDIT", "DUE", "OVERDUE").Default("UP_TO_DATE").
			Annotations(entgql.OrderField("PAYMENT_STATUS"), notInput).
			Comment("kept by internal/payments: nothing due, a credit, calls open, a call past its due date"),
	}
}

// Edges of Member.
func (Member) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("category_changes", MemberCategoryChange.Type),
		edge.To("subscriptions", Subscription.Type),
		edge.To("usage_declarations", UsageDeclaration.Type),
		edge.To("direct_costs", CostEntry.Type),
		edge.To("service_requests", ServiceRequest.Type),
		edge.To("charges", Charge.Type),
		edge.To("calls_for_funds", CallForFunds.Type),
		edge.To("role_assignments", RoleAssignment.Type),
		edge.To("profile_changes", MemberProfileChange.Type),
		edge.To("payments", Payment.Type),
		edge.To("payment_allocations", PaymentAllocation.Type),
		edge.To("payment_reminders", PaymentReminder.Type),
		edge.To("documents", MemberDocument.Type),
		edge.From("application", MembershipApplication.Type).Ref("member").Unique(),
	}
}

// Indexes of Member.
func (Member) Indexes() []ent.Index {
	return []ent.Index{index.Fields("category"), index.Fields("name")}
}

// Annotations of Member.
func (Member) Annotations() []schema.Annotation {
	return append(graphQL(), entsql.Checks(map[string]string{
		"member_left_after_joining": datesInOrder("joined_on", "left_on"),
	}), Aggregated{Keys: []string{"region"}})
}

// MemberCategoryChange keeps the history of a member's category.
type MemberCategoryChange struct{ ent.Schema }

// Mixin of MemberCategoryChange.
func (MemberCategoryChange) Mixin() []ent.Mixin { return id("MCC") }

// Fields of MemberCategoryChange.
func (MemberCategoryChange) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.Enum("from_category").Values(memberCategories...).Optional().Nillable().Immutable(),
		field.Enum("to_category").Values(memberCategories...).Immutable(),
		field.Time("effective_on").Annotations(asDate).Immutable().Annotations(entgql.OrderField("EFFECTIVE_ON")),
		field.String("reason").Default("").Immutable(),
	}
}

// Edges of MemberCategoryChange.
func (MemberCategoryChange) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("member", Member.Type).Ref("category_changes").Field("member_id").
			Unique().Required().Immutable(),
	}
}

// Annotations of MemberCategoryChange.
func (MemberCategoryChange) Annotations() []schema.Annotation { return graphQL() }

// Policy of Member.
func (Member) Policy() ent.Policy { return memberRows("Member") }

// Policy of MemberCategoryChange.
func (MemberCategoryChange) Policy() ent.Policy {
	return appendOnly(memberRows("MemberCategoryChange"))
}
