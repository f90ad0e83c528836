package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"communs/internal/validate"
)

// MembershipApplication is the bulletin d'intention d'adhésion.
type MembershipApplication struct{ ent.Schema }

// Mixin of MembershipApplication.
func (MembershipApplication) Mixin() []ent.Mixin { return id("APP") }

// Fields of MembershipApplication.
func (MembershipApplication) Fields() []ent.Field {
	return []ent.Field{
		field.String("organisation_name").NotEmpty().MaxLen(200).
			Annotations(entgql.OrderField("ORGANISATION_NAME")),
		field.String("legal_form").NotEmpty().MaxLen(100),
		field.String("siren").Optional().Nillable().Validate(validate.SIREN),
		field.String("rna").Optional().Nillable().Validate(validate.RNA),
		field.String("street").NotEmpty().MaxLen(200),
		field.String("postal_code").NotEmpty().MaxLen(10),
		field.String("city").NotEmpty().MaxLen(100),
		field.String("representative_name").NotEmpty().MaxLen(200),
		field.String("representative_function").NotEmpty().MaxLen(200),
		field.String("contact_email").Validate(validate.Email),
		field.Enum("requested_category").Values("ACTIVE", "USER"),
		field.Time("applied_on").Annotations(asDate, entgql.OrderField("APPLIED_ON")),
		field.String("signer_name").NotEmpty().MaxLen(200),
		field.Time("signed_at"),
		field.Bool("non_profit"),
		field.Float("vat_subject_percent").Validate(validate.Percent),
		field.Enum("status").Values("SUBMITTED", "UNDER_REVIEW", "APPROVED", "REJECTED").
			Default("SUBMITTED").Annotations(entgql.OrderField("STATUS")),
		field.String("rejection_reason").Optional().Nillable(),
		field.Time("reviewed_at").Optional().Nillable(),
		field.Int("version").Default(1).
			Comment("optimistic concurrency: every transition bumps it"),
	}
}

// Edges of MembershipApplication.
func (MembershipApplication) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("member", Member.Type).Unique().Comment("the member created on approval"),
		edge.To("reviewer", Account.Type).Unique(),
	}
}

// Indexes of MembershipApplication.
func (MembershipApplication) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status")}
}

// Annotations of MembershipApplication.
func (MembershipApplication) Annotations() []schema.Annotation { return graphQL() }

// Policy of MembershipApplication.
func (MembershipApplication) Policy() ent.Policy { return memberRows("MembershipApplication") }
