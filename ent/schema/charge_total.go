package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"communs/ent/schema/pulid"
	"communs/internal/chargetotals"
)

// ChargeTotal is a running total of the charges ledger: the number, sum,
// minimum and maximum of the charges of one year, resource, kind, period
// and day (in Paris), kept in the transaction that writes them. The ledger
// is append-only, so a total only ever grows by new lines; chargesAggregate
// reads the totals instead of the lines when the query needs no more
// detail than they keep: a few thousand rows instead of a million.
type ChargeTotal struct{ ent.Schema }

// Mixin of ChargeTotal.
func (ChargeTotal) Mixin() []ent.Mixin { return []ent.Mixin{pulid.MixinWithPrefix("CTT")} }

// Fields of ChargeTotal. They bear the names of the charges' columns, so
// that a charges' filter or group key reads the same on both tables.
func (ChargeTotal) Fields() []ent.Field {
	return []ent.Field{
		field.String("total_key").Unique().Immutable().
			Comment("year, resource, kind, period and day: the row a charge adds to"),
		field.Int("fiscal_year").Immutable(),
		field.String("resource_id").GoType(pulidID).Optional().Nillable().Immutable(),
		field.Enum("kind").Values(chargeKinds...).Immutable(),
		field.Enum("period").Values(chargeSteps...).Immutable(),
		field.Time("created_at").Immutable().Comment("the day, at midnight in Paris"),
		field.Int("charge_count"),
		field.Int64("amount").Comment("the sum"),
		field.Int64("amount_min"),
		field.Int64("amount_max"),
	}
}

// Annotations of ChargeTotal: the totals are not served as such.
func (ChargeTotal) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy of ChargeTotal: read by those who read every charge; written only
// by the charges' hook.
func (ChargeTotal) Policy() ent.Policy { return memberRows("ChargeTotal") }

// Hooks of Charge.
func (Charge) Hooks() []ent.Hook { return []ent.Hook{chargetotals.Keep()} }
