package ent

import (
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/entql"
)

// SelectorPredicate turns an entql predicate over the entity typ (its
// GraphQL and Go name, e.g. "Subscription") into a predicate on SQL
// selectors, which any where input of that type accepts. Row isolation
// uses it to narrow filters that reach through edges (see graph/filters.go).
// Hand-written: the generated code keeps its schema graph unexported.
func SelectorPredicate(typ string, p entql.P) func(*sql.Selector) {
	return func(s *sql.Selector) {
		if err := schemaGraph.EvalP(typ, p, s); err != nil {
			s.AddError(err)
		}
	}
}
