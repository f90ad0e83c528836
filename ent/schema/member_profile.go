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

// MemberProfileChange is the history of a member's profile (address,
// contacts, representative, legal identifiers, VAT-subject share): one
// entry per updateMember, naming each field with its old and new value,
// read by the groupement and by the member's people. A VAT-subject share
// above the eligibility limit is not applied: the entry is PENDING_REVIEW,
// a task for the groupement, until an ACCEPTED or REJECTED entry decides
// it. Entries are never changed: the history is append-only.
type MemberProfileChange struct{ ent.Schema }

// Mixin of MemberProfileChange.
func (MemberProfileChange) Mixin() []ent.Mixin { return ledger("MPC") }

// Fields of MemberProfileChange.
func (MemberProfileChange) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.Enum("status").Values("APPLIED", "PENDING_REVIEW", "ACCEPTED", "REJECTED").Immutable().
			Annotations(entgql.OrderField("STATUS")),
		field.JSON("changes", []schematype.FieldChange{}).Immutable().
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.String("changed_by").Default("").Immutable().Annotations(notInput).
			Comment("who made the change or the decision"),
		field.String("comment").Default("").MaxLen(500).Immutable(),
		field.String("decides_id").GoType(pulidID).Optional().Nillable().Unique().Immutable().
			Comment("the PENDING_REVIEW entry this decision closes"),
	}
}

// Edges of MemberProfileChange.
func (MemberProfileChange) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("member", Member.Type).Ref("profile_changes").Field("member_id").
			Unique().Required().Immutable(),
		edge.To("decision", MemberProfileChange.Type).Unique().From("decides").Field("decides_id").
			Unique().Immutable(),
	}
}

// Indexes of MemberProfileChange.
func (MemberProfileChange) Indexes() []ent.Index {
	return []ent.Index{index.Fields("member_id", "created_at")}
}

// Annotations of MemberProfileChange.
func (MemberProfileChange) Annotations() []schema.Annotation { return graphQL() }

// Policy of MemberProfileChange.
func (MemberProfileChange) Policy() ent.Policy {
	return appendOnly(memberRows("MemberProfileChange"))
}
