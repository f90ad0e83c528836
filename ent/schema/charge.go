package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	entprivacy "entgo.io/ent/privacy"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"communs/ent/privacy"
	"communs/ent/schema/schematype"
)

// Steps of the charge cycle, and kinds of charges.
var (
	chargeSteps = []string{"Q1", "Q2", "Q3", "YEAR_END", "SERVICES", "FEES"}
	chargeKinds = []string{"PROVISION", "REGULARIZATION", "STARTUP_SERVICE", "SUPPLEMENTARY_SERVICE", "MEMBERSHIP_FEE"}
)

// ChargeRun is one execution of a step of the charge cycle for a year.
type ChargeRun struct{ ent.Schema }

// Mixin of ChargeRun.
func (ChargeRun) Mixin() []ent.Mixin { return id("RUN") }

// Fields of ChargeRun.
func (ChargeRun) Fields() []ent.Field {
	return []ent.Field{
		field.Int("fiscal_year").Range(2000, 2100).Immutable().
			Annotations(entgql.OrderField("FISCAL_YEAR")),
		field.Enum("step").Values(chargeSteps...).Immutable().
			Annotations(entgql.OrderField("STEP")),
		field.Enum("status").Values("RUNNING", "COMPLETED", "FAILED").Default("RUNNING"),
		field.Time("finished_at").Optional().Nillable(),
		field.String("started_by").Default(""),
		field.Int("charge_count").Default(0).NonNegative(),
		field.Int64("total").Annotations(asMoney).Default(0),
		field.String("error").Optional().Nillable(),
		field.String("forced_reason").Optional().Nillable().Immutable().
			Comment("why a step was run before its date (a provision before its quarter, the year end before the year is over)"),
	}
}

// Edges of ChargeRun.
func (ChargeRun) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("charges", Charge.Type),
		edge.To("calls_for_funds", CallForFunds.Type),
	}
}

// Indexes of ChargeRun.
func (ChargeRun) Indexes() []ent.Index {
	return []ent.Index{index.Fields("fiscal_year", "step")}
}

// Annotations of ChargeRun.
func (ChargeRun) Annotations() []schema.Annotation { return graphQL() }

// Charge is a line of the append-only ledger of what a member owes. Lines
// are never updated or deleted; a correction is a new line. The ledger is
// its own audit trail: each line names who wrote it and the run it belongs
// to, so no AuditEvent duplicates it (a year-end run writes 200,000 lines).
type Charge struct{ ent.Schema }

// Mixin of Charge.
func (Charge) Mixin() []ent.Mixin { return ledger("CHG") }

// Fields of Charge.
func (Charge) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("resource_id").GoType(pulidID).Optional().Nillable().Immutable(),
		field.String("charge_run_id").GoType(pulidID).Optional().Nillable().Immutable(),
		field.String("call_for_funds_id").GoType(pulidID).Optional().Nillable().Immutable(),
		field.String("service_request_id").GoType(pulidID).Optional().Nillable().Immutable(),
		field.String("corrects_id").GoType(pulidID).Optional().Nillable().Immutable().
			Comment("the line this one corrects"),
		field.String("created_by").Default("").Immutable().Annotations(notInput).
			Comment("who wrote the line: the run's author or the corrector"),
		field.Enum("kind").Values(chargeKinds...).Immutable().Annotations(entgql.OrderField("KIND")),
		field.Int("fiscal_year").Range(2000, 2100).Immutable().
			Annotations(entgql.OrderField("FISCAL_YEAR")),
		field.Enum("period").Values(chargeSteps...).Immutable(),
		field.Int64("amount").Annotations(asMoney).Immutable().Comment("negative for a credit").
			Annotations(entgql.OrderField("AMOUNT")),
		field.String("label").NotEmpty().Immutable(),
		field.String("explanation").Default("").Immutable().Annotations(notInput).
			Comment("the basis in words, in French, as the call for funds prints it"),
		field.JSON("basis", schematype.ChargeBasis{}).Immutable().
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.String("idempotency_key").Unique().Immutable().
			Annotations(entgql.Skip()).
			Comment("member, resource, period and kind: running a step twice adds nothing"),
	}
}

// Edges of Charge.
func (Charge) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("member", Member.Type).Ref("charges").Field("member_id").
			Unique().Required().Immutable(),
		edge.To("resource", Resource.Type).Field("resource_id").Unique().Immutable(),
		edge.From("charge_run", ChargeRun.Type).Ref("charges").Field("charge_run_id").
			Unique().Immutable(),
		edge.From("call_for_funds", CallForFunds.Type).Ref("charges").Field("call_for_funds_id").
			Unique().Immutable(),
		edge.From("service_request", ServiceRequest.Type).Ref("charges").Field("service_request_id").
			Unique().Immutable(),
		edge.To("corrections", Charge.Type).From("corrects").Field("corrects_id").
			Unique().Immutable(),
	}
}

// Indexes of Charge.
func (Charge) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("member_id", "fiscal_year"),
		// Covers the dashboards' sums of a year by resource, kind, period and
		// quarter (chargesAggregate, chargeBalance) without reading the rows.
		index.Fields("fiscal_year", "resource_id", "kind", "period", "created_at", "amount"),
	}
}

// Annotations of Charge.
func (Charge) Annotations() []schema.Annotation {
	return append(graphQL(), Aggregated{
		Keys:    []string{"fiscal_year"},
		Through: []string{"member.category", "resource.category_id", "resource.kind", "call_for_funds.payment_status"},
	})
}

// CallForFunds (appel de fonds) groups a member's charges of one run under
// a gapless number per year, e.g. AF-2026-0001. Like the charges, it is
// its own record: append-only, naming its run.
type CallForFunds struct{ ent.Schema }

// Mixin of CallForFunds.
func (CallForFunds) Mixin() []ent.Mixin { return ledger("CFF") }

// Fields of CallForFunds.
func (CallForFunds) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("charge_run_id").GoType(pulidID).Optional().Nillable().Immutable(),
		field.Int("fiscal_year").Range(2000, 2100).Immutable(),
		field.Int("sequence").Positive().Immutable(),
		field.String("number").Unique().Immutable().Annotations(entgql.OrderField("NUMBER")),
		field.Time("issued_on").Annotations(asDate).Immutable().Annotations(entgql.OrderField("ISSUED_ON")),
		field.Time("due_on").Annotations(asDate).Optional().Nillable().Immutable(),
		field.Int64("total").Annotations(asMoney).Immutable(),
		// The settlement, kept by internal/payments from the allocations
		// (never by hand): what was paid, and the status it gives.
		field.Int64("paid").Annotations(asMoney, notInput).Default(0).
			Comment("Σ of its allocations"),
		field.Enum("payment_status").Values(callPaymentStatuses...).Default("UNPAID").
			Annotations(entgql.OrderField("PAYMENT_STATUS"), notInput).
			Comment("PAID from the start when it asks nothing (a credit or zero)"),
		field.Time("settled_on").Annotations(asDate, notInput).Optional().Nillable().
			Comment("the day it became PAID"),
	}
}

// Payment statuses of a call for funds.
var callPaymentStatuses = []string{"UNPAID", "PARTLY_PAID", "PAID"}

// Edges of CallForFunds.
func (CallForFunds) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("member", Member.Type).Ref("calls_for_funds").Field("member_id").
			Unique().Required().Immutable(),
		edge.From("charge_run", ChargeRun.Type).Ref("calls_for_funds").Field("charge_run_id").
			Unique().Immutable(),
		edge.To("charges", Charge.Type),
		edge.To("allocations", PaymentAllocation.Type),
		edge.To("reminders", PaymentReminder.Type),
	}
}

// Indexes of CallForFunds.
func (CallForFunds) Indexes() []ent.Index {
	return []ent.Index{index.Fields("fiscal_year", "sequence").Unique()}
}

// Annotations of CallForFunds.
func (CallForFunds) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField("callsForFunds"), entgql.RelayConnection(), entgql.MultiOrder(),
		Aggregated{Keys: []string{"fiscal_year"}, Through: []string{"member.category"}}}
}

// Policy of ChargeRun.
func (ChargeRun) Policy() ent.Policy { return memberRows("ChargeRun") }

// Policy of Charge.
func (Charge) Policy() ent.Policy { return appendOnly(memberRows("Charge")) }

// Policy of CallForFunds.
func (CallForFunds) Policy() ent.Policy {
	return entprivacy.Policies{privacy.Policy{Mutation: privacy.MutationPolicy{settlementOnly()}}, memberRows("CallForFunds")}
}

// MembershipFee is the yearly cotisation of ACTIVE members, set by the
// groupement's administrators.
type MembershipFee struct{ ent.Schema }

// Mixin of MembershipFee.
func (MembershipFee) Mixin() []ent.Mixin { return id("FEE") }

// Fields of MembershipFee.
func (MembershipFee) Fields() []ent.Field {
	return []ent.Field{
		field.Int("fiscal_year").Range(2000, 2100).Unique().Immutable().
			Annotations(entgql.OrderField("FISCAL_YEAR")),
		field.Int64("amount").Annotations(asMoney).Min(0).
			Comment("for a whole year as an ACTIVE member; less for part of the year"),
	}
}

// Annotations of MembershipFee.
func (MembershipFee) Annotations() []schema.Annotation { return graphQL() }

// Policy of MembershipFee.
func (MembershipFee) Policy() ent.Policy { return catalogue() }
