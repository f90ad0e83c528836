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

// Steps of the charge cycle.
var chargeSteps = []string{"Q1", "Q2", "Q3", "YEAR_END", "SERVICES", "FEES"}

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
// are never updated or deleted; a correction is a new line.
type Charge struct{ ent.Schema }

// Mixin of Charge.
func (Charge) Mixin() []ent.Mixin { return id("CHG") }

// Fields of Charge.
func (Charge) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("resource_id").GoType(pulidID).Optional().Nillable().Immutable(),
		field.String("charge_run_id").GoType(pulidID).Optional().Nillable().Immutable(),
		field.String("call_for_funds_id").GoType(pulidID).Optional().Nillable(),
		field.Enum("kind").
			Values("PROVISION", "REGULARIZATION", "STARTUP_SERVICE", "SUPPLEMENTARY_SERVICE", "MEMBERSHIP_FEE").
			Immutable().Annotations(entgql.OrderField("KIND")),
		field.Int("fiscal_year").Range(2000, 2100).Immutable().
			Annotations(entgql.OrderField("FISCAL_YEAR")),
		field.Enum("period").Values(chargeSteps...).Immutable(),
		field.Int64("amount").Annotations(asMoney).Immutable().Comment("negative for a credit").
			Annotations(entgql.OrderField("AMOUNT")),
		field.String("label").NotEmpty().Immutable(),
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
			Unique(),
	}
}

// Indexes of Charge.
func (Charge) Indexes() []ent.Index {
	return []ent.Index{index.Fields("member_id", "fiscal_year"), index.Fields("resource_id", "fiscal_year")}
}

// Annotations of Charge.
func (Charge) Annotations() []schema.Annotation { return graphQL() }

// CallForFunds (appel de fonds) groups a member's charges of one run under
// a gapless number per year, e.g. AF-2026-0001.
type CallForFunds struct{ ent.Schema }

// Mixin of CallForFunds.
func (CallForFunds) Mixin() []ent.Mixin { return id("CFF") }

// Fields of CallForFunds.
func (CallForFunds) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("charge_run_id").GoType(pulidID).Optional().Nillable().Immutable(),
		field.Int("fiscal_year").Range(2000, 2100).Immutable(),
		field.Int("sequence").Positive().Immutable(),
		field.String("number").Unique().Immutable().Annotations(entgql.OrderField("NUMBER")),
		field.Time("issued_on").Annotations(asDate).Immutable().Annotations(entgql.OrderField("ISSUED_ON")),
		field.Time("due_on").Annotations(asDate).Optional().Nillable(),
		field.Int64("total").Annotations(asMoney).Immutable(),
	}
}

// Edges of CallForFunds.
func (CallForFunds) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("member", Member.Type).Ref("calls_for_funds").Field("member_id").
			Unique().Required().Immutable(),
		edge.From("charge_run", ChargeRun.Type).Ref("calls_for_funds").Field("charge_run_id").
			Unique().Immutable(),
		edge.To("charges", Charge.Type),
	}
}

// Indexes of CallForFunds.
func (CallForFunds) Indexes() []ent.Index {
	return []ent.Index{index.Fields("fiscal_year", "sequence").Unique()}
}

// Annotations of CallForFunds.
func (CallForFunds) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField("callsForFunds"), entgql.RelayConnection(), entgql.MultiOrder()}
}

// Policy of ChargeRun.
func (ChargeRun) Policy() ent.Policy { return memberRows("ChargeRun") }

// Policy of Charge.
func (Charge) Policy() ent.Policy { return appendOnly(memberRows("Charge")) }

// Policy of CallForFunds.
func (CallForFunds) Policy() ent.Policy { return appendOnly(memberRows("CallForFunds")) }
