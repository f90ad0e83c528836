package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"communs/ent/privacy"
	"communs/ent/schema/pulid"
)

// AuditEvent records who did what to which entity, and when. Append-only.
type AuditEvent struct{ ent.Schema }

// Mixin of AuditEvent: not audited itself.
func (AuditEvent) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("AUD"), TimeMixin{}}
}

// Fields of AuditEvent.
func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.String("actor_id").GoType(pulidID).Optional().Nillable().Immutable().
			Annotations(entgql.Type("ID")),
		field.String("actor_label").Default("").Immutable().
			Comment("the account's email, or the system job that acted"),
		field.String("member_id").GoType(pulidID).Optional().Nillable().Immutable().
			Annotations(entgql.Type("ID")).
			Comment("the member domain the action happened in; empty for the groupement"),
		field.String("action").NotEmpty().Immutable().Annotations(entgql.OrderField("ACTION")),
		field.String("entity_type").NotEmpty().Immutable().Annotations(entgql.OrderField("ENTITY_TYPE")),
		field.String("entity_id").Default("").Immutable(),
		field.Text("summary").Default("").Immutable().
			Comment("the fields that changed, secrets left out"),
		field.String("request_id").Default("").Immutable(),
	}
}

// Indexes of AuditEvent.
func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("entity_type", "entity_id"), index.Fields("member_id")}
}

// Annotations of AuditEvent.
func (AuditEvent) Annotations() []schema.Annotation { return graphQL() }

// Policy of AuditEvent: the groupement's administrators read every event,
// a member's administrators those of their member; nobody changes one.
func (AuditEvent) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			allowGSM(rowRuleOf("AuditEvent").readers),
			restrictTo(rowRuleOf("AuditEvent").visible),
		},
		Mutation: privacy.MutationPolicy{denyChanges(), privacy.AlwaysAllowRule()},
	}
}
