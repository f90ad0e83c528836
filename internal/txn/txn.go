// Package txn runs a service's work in the request's transaction (GraphQL
// mutations run in one, see entgql.Transactioner) or, outside a request, in
// a transaction of its own.
package txn

import (
	"context"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"communs/ent"
)

// Client is the client of the transaction in ctx, or fallback.
func Client(ctx context.Context, fallback *ent.Client) *ent.Client {
	if client := ent.FromContext(ctx); client != nil {
		return client
	}
	return fallback
}

// Run runs fn in the transaction of ctx, or in a new transaction of client
// committed when fn succeeds. The ctx fn gets carries the transaction, so
// that every service fn calls joins it.
func Run(ctx context.Context, client *ent.Client, fn func(ctx context.Context, tx *ent.Client) error) error {
	if ent.TxFromContext(ctx) != nil {
		return fn(ctx, Client(ctx, client))
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return err
	}
	ctx = ent.NewTxContext(ent.NewContext(ctx, tx.Client()), tx)
	if err := fn(ctx, tx.Client()); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Detached returns e, read in the transaction Run opened when ctx had
// none, bound to the root client again: that transaction has committed,
// and its edges would otherwise be read through it. In the request's
// transaction (GraphQL mutations), e stays bound to it: it is still open
// while the response is built.
func Detached[E interface{ Unwrap() E }](ctx context.Context, e E) E {
	if ent.TxFromContext(ctx) == nil {
		return e.Unwrap()
	}
	return e
}

// LockedForUpdate, among a query's predicates, locks the rows it selects
// until the transaction ends (SELECT … FOR UPDATE) on PostgreSQL. On SQLite
// it adds nothing: there every transaction takes the database's write lock
// at BEGIN (store: _txlock=immediate), which already serialises writers.
func LockedForUpdate(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.ForUpdate()
	}
}
