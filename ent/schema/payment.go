package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Payment is money a member paid the groupement (transfer, cheque, direct
// debit), recorded by the groupement's staff or imported from a bank
// statement. Like the charges, payments are an append-only ledger: a
// mistake or a bounced cheque is undone by a reversing entry (a negative
// amount naming the payment it reverses, with the reason).
type Payment struct{ ent.Schema }

// Mixin of Payment.
func (Payment) Mixin() []ent.Mixin { return ledger("PAY") }

// Fields of Payment.
func (Payment) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.Time("received_on").Annotations(asDate, entgql.OrderField("RECEIVED_ON")).Immutable(),
		field.Int64("amount").Annotations(asMoney, entgql.OrderField("AMOUNT")).Immutable().
			Comment("negative for a reversing entry"),
		field.Enum("means").Values("TRANSFER", "CHEQUE", "DIRECT_DEBIT").Immutable(),
		field.String("bank_reference").Default("").MaxLen(100).Immutable(),
		field.String("label").Default("").MaxLen(300).Immutable(),
		field.String("reverses_id").GoType(pulidID).Optional().Nillable().Unique().Immutable().
			Comment("the payment this reversing entry undoes"),
		field.String("reason").Default("").MaxLen(500).Immutable().Comment("why a payment is reversed"),
		field.String("created_by").Default("").Immutable().Annotations(notInput),
		field.String("import_key").Optional().Nillable().Unique().Immutable().Annotations(entgql.Skip()).
			Comment("the bank statement line it was imported from: importing it again adds nothing"),
	}
}

// Edges of Payment.
func (Payment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("member", Member.Type).Ref("payments").Field("member_id").Unique().Required().Immutable(),
		edge.To("reversal", Payment.Type).Unique().From("reverses").Field("reverses_id").Unique().Immutable(),
		edge.To("allocations", PaymentAllocation.Type),
	}
}

// Indexes of Payment.
func (Payment) Indexes() []ent.Index {
	return []ent.Index{index.Fields("member_id", "received_on")}
}

// Annotations of Payment.
func (Payment) Annotations() []schema.Annotation {
	return append(graphQL(), Aggregated{Through: []string{"member.category"}})
}

// Policy of Payment.
func (Payment) Policy() ent.Policy { return appendOnly(keptByGroupement("Payment")) }

// PaymentAllocation is the part of a payment, or of a member's credit, that
// settles a call for funds. Append-only: a negative allocation undoes an
// earlier one (when its payment is reversed).
type PaymentAllocation struct{ ent.Schema }

// Mixin of PaymentAllocation.
func (PaymentAllocation) Mixin() []ent.Mixin { return ledger("PAL") }

// Fields of PaymentAllocation.
func (PaymentAllocation) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("call_for_funds_id").GoType(pulidID).Immutable(),
		field.String("payment_id").GoType(pulidID).Optional().Nillable().Immutable().
			Comment("the payment received or reversed; none when the member's credit is used"),
		field.Int64("amount").Annotations(asMoney, entgql.OrderField("AMOUNT")).Immutable().
			Comment("negative undoes an earlier allocation"),
		field.String("created_by").Default("").Immutable().Annotations(notInput),
	}
}

// Edges of PaymentAllocation.
func (PaymentAllocation) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("member", Member.Type).Ref("payment_allocations").Field("member_id").Unique().Required().Immutable(),
		edge.From("call_for_funds", CallForFunds.Type).Ref("allocations").Field("call_for_funds_id").
			Unique().Required().Immutable(),
		edge.From("payment", Payment.Type).Ref("allocations").Field("payment_id").Unique().Immutable(),
	}
}

// Indexes of PaymentAllocation.
func (PaymentAllocation) Indexes() []ent.Index {
	return []ent.Index{index.Fields("member_id")}
}

// Annotations of PaymentAllocation.
func (PaymentAllocation) Annotations() []schema.Annotation { return graphQL() }

// Policy of PaymentAllocation.
func (PaymentAllocation) Policy() ent.Policy {
	return appendOnly(keptByGroupement("PaymentAllocation"))
}

// PaymentReminder records that a member was reminded of a call for funds
// overdue by StageDays days (15, 30, 60 by default): once per call and
// stage, by the nightly job, through the notification outbox. The
// groupement reads who was reminded when; the member its own.
type PaymentReminder struct{ ent.Schema }

// Mixin of PaymentReminder.
func (PaymentReminder) Mixin() []ent.Mixin { return ledger("PRM") }

// Fields of PaymentReminder.
func (PaymentReminder) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("call_for_funds_id").GoType(pulidID).Immutable(),
		field.Int("stage_days").Positive().Immutable().Annotations(entgql.OrderField("STAGE_DAYS")),
		field.Int("days_overdue").NonNegative().Immutable(),
		field.Int64("amount_due").Annotations(asMoney).Immutable(),
		field.String("recipients").Immutable().Comment("the addresses reminded, comma-separated"),
	}
}

// Edges of PaymentReminder.
func (PaymentReminder) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("member", Member.Type).Ref("payment_reminders").Field("member_id").Unique().Required().Immutable(),
		edge.From("call_for_funds", CallForFunds.Type).Ref("reminders").Field("call_for_funds_id").
			Unique().Required().Immutable(),
	}
}

// Indexes of PaymentReminder.
func (PaymentReminder) Indexes() []ent.Index {
	return []ent.Index{index.Fields("call_for_funds_id", "stage_days").Unique()}
}

// Annotations of PaymentReminder.
func (PaymentReminder) Annotations() []schema.Annotation { return graphQL() }

// Policy of PaymentReminder.
func (PaymentReminder) Policy() ent.Policy { return appendOnly(keptByGroupement("PaymentReminder")) }
