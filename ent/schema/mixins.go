// Package schema declares the domain graph of Communs: one file per
// aggregate, every field validated where the rule is known.
package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
	"github.com/vektah/gqlparser/v2/ast"

	"communs/ent/schema/pulid"
)

// TimeMixin records when a row was created and last changed (UTC).
type TimeMixin struct{ mixin.Schema }

// Fields of the TimeMixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(now).
			Immutable().
			Annotations(entgql.OrderField("CREATED_AT"), notInput),
		field.Time("updated_at").
			Default(now).
			UpdateDefault(now).
			Annotations(entgql.OrderField("UPDATED_AT"), notInput),
	}
}

func now() time.Time { return time.Now().UTC() }

// graphQL gives every entity the same API surface: a root query field with a
// Relay connection, where filters and multi-field ordering.
func graphQL() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}

// moduleGraphQL is graphQL for an entity of a module: its root query field
// carries @module, so that it answers MODULE_DISABLED when the module is
// switched off.
func moduleGraphQL(module string) []schema.Annotation {
	directive := entgql.NewDirective("module", &ast.Argument{
		Name: "name", Value: &ast.Value{Raw: module, Kind: ast.StringValue},
	})
	return []schema.Annotation{
		entgql.QueryField().Directives(directive),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}

// id returns the mixins of an audited entity whose IDs start with prefix.
func id(prefix string) []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix(prefix), TimeMixin{}, AuditMixin{}}
}

// ledger returns the mixins of an append-only ledger entity: never
// changed once written, each row is its own record of who wrote it (the
// run or person it names), so no AuditEvent duplicates it.
func ledger(prefix string) []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix(prefix), TimeMixin{}}
}

// notInput keeps a field or edge out of the generated mutation inputs.
var notInput = entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)

// Amounts are int64 cents, exposed as the Money scalar ("1234.56"); dates
// are calendar days, exposed as the Date scalar ("2026-03-31").
var (
	asMoney = entgql.Type("Money")
	asDate  = entgql.Type("Date")
)

// datesInOrder is the SQL CHECK that keeps an end date on or after its start.
func datesInOrder(start, end string) string {
	return end + " IS NULL OR " + start + " IS NULL OR " + end + " >= " + start
}

// pulidID is the Go type of foreign-key fields.
var pulidID = pulid.ID("")

// memberID declares the owning member's foreign key; row isolation filters on it.
func memberID() ent.Field {
	return field.String("member_id").GoType(pulidID).Immutable()
}
