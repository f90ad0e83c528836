package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync/atomic"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"communs/internal/metrics"
)

// countingDriver counts each statement in the counter of its request
// (metrics.Statement), transactions' included.
type countingDriver struct{ *entsql.Driver }

func (d countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	metrics.Statement(ctx)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d countingDriver) Query(ctx context.Context, query string, args, v any) error {
	metrics.Statement(ctx)
	return d.Driver.Query(ctx, query, args, v)
}

func (d countingDriver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	metrics.Statement(ctx)
	return d.Driver.ExecContext(ctx, query, args...)
}

func (d countingDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	metrics.Statement(ctx)
	return d.Driver.QueryContext(ctx, query, args...)
}

func (d countingDriver) Tx(ctx context.Context) (dialect.Tx, error) { return d.BeginTx(ctx, nil) }

func (d countingDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	metrics.Statement(ctx)
	tx, err := d.Driver.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return countingTx{Tx: tx, ctx: ctx}, nil
}

// countingTx counts the statements of a transaction, its commit included.
type countingTx struct {
	dialect.Tx
	ctx context.Context
}

func (t countingTx) Exec(ctx context.Context, query string, args, v any) error {
	metrics.Statement(ctx)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t countingTx) Query(ctx context.Context, query string, args, v any) error {
	metrics.Statement(ctx)
	return t.Tx.Query(ctx, query, args, v)
}

func (t countingTx) Commit() error {
	metrics.Statement(t.ctx)
	return t.Tx.Commit()
}

// countingConnector counts the connections it opens.
type countingConnector struct {
	driver.Connector
	opened *atomic.Int64
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err == nil {
		c.opened.Add(1)
	}
	return conn, err
}

// execQuerier is what ent's ExecContext and QueryContext need of a
// transaction.
type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (t countingTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	metrics.Statement(ctx)
	return t.Tx.(execQuerier).ExecContext(ctx, query, args...)
}

func (t countingTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	metrics.Statement(ctx)
	return t.Tx.(execQuerier).QueryContext(ctx, query, args...)
}
