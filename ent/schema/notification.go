package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"communs/internal/validate"
)

// Notification is a message in the outbox: written in the transaction of
// the change it tells about, so nothing is lost if sending fails, then sent
// (and retried) by the notifier.
type Notification struct{ ent.Schema }

// Mixin of Notification.
func (Notification) Mixin() []ent.Mixin { return id("NTF") }

// Fields of Notification.
func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").
			Values("APPLICATION_RECEIVED", "APPLICATION_APPROVED", "APPLICATION_REJECTED",
				"INVITATION", "DECLARATION_RETURNED", "DECLARATION_DUE", "CIL_TODO", "PAYMENT_REMINDER").
			Immutable().Annotations(entgql.OrderField("KIND")),
		field.String("recipient").Validate(validate.Email).Immutable(),
		field.String("subject").NotEmpty().Immutable(),
		field.Text("body").Immutable().Sensitive().Annotations(entgql.Skip()).
			Comment("may carry an invitation token: never served through the API"),
		field.String("member_id").GoType(pulidID).Optional().Nillable().Immutable().
			Annotations(entgql.Type("ID")),
		field.Enum("status").Values("PENDING", "SENT", "FAILED").Default("PENDING").
			Annotations(entgql.OrderField("STATUS")),
		field.Int("attempts").Default(0).NonNegative(),
		field.Time("next_attempt_at").Annotations(entgql.OrderField("NEXT_ATTEMPT_AT")),
		field.Time("sent_at").Optional().Nillable(),
		field.String("last_error").Optional().Nillable(),
	}
}

// Indexes of Notification.
func (Notification) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status", "next_attempt_at")}
}

// Annotations of Notification.
func (Notification) Annotations() []schema.Annotation { return graphQL() }

// Policy of Notification.
func (Notification) Policy() ent.Policy { return memberRows("Notification") }
