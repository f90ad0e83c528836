// Package chargetotals keeps the running totals of the charges ledger
// (ent's ChargeTotal): per year, resource, kind, period and day in Paris,
// the number of charges and the sum, minimum and maximum of their amounts.
// The dashboards' sums over a year's hundreds of thousands of charges read
// them instead of the lines (see graph's totals).
//
// Every charge written adds to its total, in the same transaction: the
// Keep hook gathers a transaction's charges and writes their totals once,
// just before it commits, so a charge run of 200,000 lines adds a few
// hundred upserts, not 200,000.
package chargetotals

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"communs/ent"
	"communs/ent/charge"
	"communs/ent/chargetotal"
	"communs/ent/hook"
	"communs/ent/privacy"
	"communs/ent/schema/pulid"
	"communs/internal/calendar"
)

// Keep is the hook of Charge that adds each charge created to its total.
func Keep() ent.Hook { return hook.On(keep, ent.OpCreate) }

func keep(next ent.Mutator) ent.Mutator {
	return hook.ChargeFunc(func(ctx context.Context, m *ent.ChargeMutation) (ent.Value, error) {
		v, err := next.Mutate(ctx, m)
		if err != nil {
			return v, err
		}
		line, err := lineOf(m)
		if err != nil {
			return v, err
		}
		if tx := ent.TxFromContext(ctx); tx != nil && inTransaction(m) {
			pendingOf(tx).add(line)
			return v, nil
		}
		totals := totals{}
		totals.add(line)
		return v, totals.write(ctx, m.Client())
	})
}

func inTransaction(m *ent.ChargeMutation) bool {
	_, err := m.Tx()
	return err == nil
}

// line is what a charge adds to its total.
type line struct {
	key    string
	year   int
	kind   string
	period string
	// resource is empty for a membership fee.
	resource pulid.ID
	day      time.Time
	amount   int64
}

func lineOf(m *ent.ChargeMutation) (line, error) {
	year, _ := m.FiscalYear()
	kind, _ := m.Kind()
	period, _ := m.Period()
	amount, _ := m.Amount()
	created, ok := m.CreatedAt()
	if !ok {
		return line{}, errors.New("chargetotals: a charge written without its creation time")
	}
	var resource *pulid.ID
	if id, ok := m.ResourceID(); ok {
		resource = &id
	}
	return newLine(year, string(kind), string(period), resource, created, amount), nil
}

func newLine(year int, kind, period string, resource *pulid.ID, created time.Time, amount int64) line {
	day := calendar.DayInParis(created)
	l := line{year: year, kind: kind, period: period, amount: amount,
		day: time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, calendar.Paris).UTC()}
	if resource != nil {
		l.resource = *resource
	}
	l.key = fmt.Sprintf("%d|%s|%s|%s|%s", l.year, l.resource, l.kind, l.period, day.Format(time.DateOnly))
	return l
}

// total is a row of ChargeTotal being added to the table.
type total struct {
	line
	count    int
	min, max int64
}

// totals are the totals of some charges, by key.
type totals map[string]*total

func (ts totals) add(l line) {
	t, ok := ts[l.key]
	if !ok {
		ts[l.key] = &total{line: l, count: 1, min: l.amount, max: l.amount}
		return
	}
	t.count++
	t.amount += l.amount
	t.min, t.max = min(t.min, l.amount), max(t.max, l.amount)
}

// writeBatch keeps an upsert's parameters under SQLite's limit.
const writeBatch = 1000

// write adds ts to the table: a new row, or the sums of an existing one.
func (ts totals) write(ctx context.Context, client *ent.Client) error {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	creates := make([]*ent.ChargeTotalCreate, 0, min(len(ts), writeBatch))
	flush := func() error {
		err := client.ChargeTotal.CreateBulk(creates...).
			OnConflict(sql.ConflictColumns(chargetotal.FieldTotalKey), sql.ResolveWith(addExcluded)).
			Exec(ctx)
		creates = creates[:0]
		return err
	}
	for _, t := range ts {
		c := client.ChargeTotal.Create().SetTotalKey(t.key).SetFiscalYear(t.year).
			SetKind(chargetotal.Kind(t.kind)).SetPeriod(chargetotal.Period(t.period)).SetCreatedAt(t.day).
			SetChargeCount(t.count).SetAmount(t.amount).SetAmountMin(t.min).SetAmountMax(t.max)
		if t.resource != "" {
			c.SetResourceID(t.resource)
		}
		if creates = append(creates, c); len(creates) == writeBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(creates) == 0 {
		return nil
	}
	return flush()
}

// addExcluded adds the new row's count and sum to the existing row's, and
// keeps the lower minimum and the higher maximum.
func addExcluded(u *sql.UpdateSet) {
	least, greatest := "LEAST", "GREATEST"
	if u.Dialect() == dialect.SQLite {
		least, greatest = "MIN", "MAX"
	}
	combine := func(column, format string) {
		u.Set(column, sql.Expr(fmt.Sprintf(format, u.Table().C(column), "excluded."+column)))
	}
	combine(chargetotal.FieldChargeCount, "%s + %s")
	combine(chargetotal.FieldAmount, "%s + %s")
	combine(chargetotal.FieldAmountMin, least+"(%s, %s)")
	combine(chargetotal.FieldAmountMax, greatest+"(%s, %s)")
}

// pending are the totals of open transactions' charges, written when each
// commits and dropped when it rolls back.
var pending sync.Map // *ent.Tx → *transactionTotals

type transactionTotals struct {
	mu     sync.Mutex
	totals totals
}

func (t *transactionTotals) add(l line) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.totals.add(l)
}

// pendingOf returns the totals of tx, registering their writing at its
// commit on first use.
func pendingOf(tx *ent.Tx) *transactionTotals {
	if t, ok := pending.Load(tx); ok {
		return t.(*transactionTotals)
	}
	t := &transactionTotals{totals: totals{}}
	if actual, loaded := pending.LoadOrStore(tx, t); loaded {
		return actual.(*transactionTotals)
	}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, committing *ent.Tx) error {
			pending.Delete(tx)
			if err := t.totals.write(ctx, committing.Client()); err != nil {
				return fmt.Errorf("chargetotals: %w (rolled back: %v)", err, committing.Rollback())
			}
			return next.Commit(ctx, committing)
		})
	})
	tx.OnRollback(func(next ent.Rollbacker) ent.Rollbacker {
		return ent.RollbackFunc(func(ctx context.Context, rolling *ent.Tx) error {
			pending.Delete(tx)
			return next.Rollback(ctx, rolling)
		})
	})
	return t
}

// rebuildPage is the number of charges read at a time by Rebuild.
const rebuildPage = 10000

// Rebuild writes the totals of the whole ledger anew, in one transaction:
// for a database whose charges were written before the totals existed.
// It returns the number of charges read.
func Rebuild(ctx context.Context, client *ent.Client) (int, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	tx, err := client.Tx(ctx)
	if err != nil {
		return 0, err
	}
	n, err := rebuild(ctx, tx.Client())
	if err != nil {
		return 0, errors.Join(err, tx.Rollback())
	}
	return n, tx.Commit()
}

func rebuild(ctx context.Context, client *ent.Client) (int, error) {
	if _, err := client.ChargeTotal.Delete().Exec(ctx); err != nil {
		return 0, err
	}
	all, read := totals{}, 0
	var after pulid.ID
	for {
		page, err := client.Charge.Query().Where(charge.IDGT(after)).Order(charge.ByID()).Limit(rebuildPage).
			Select(charge.FieldFiscalYear, charge.FieldResourceID, charge.FieldKind, charge.FieldPeriod,
				charge.FieldCreatedAt, charge.FieldAmount).All(ctx)
		if err != nil || len(page) == 0 {
			return read, errors.Join(err, all.write(ctx, client))
		}
		for _, c := range page {
			all.add(newLine(c.FiscalYear, string(c.Kind), string(c.Period), c.ResourceID, c.CreatedAt, c.Amount))
		}
		read += len(page)
		after = page[len(page)-1].ID
	}
}

// Fill rebuilds the totals when the table is empty and the ledger is not:
// on the first start after an upgrade that added them.
func Fill(ctx context.Context, client *ent.Client) (int, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	if kept, err := client.ChargeTotal.Query().Exist(ctx); err != nil || kept {
		return 0, err
	}
	if written, err := client.Charge.Query().Exist(ctx); err != nil || !written {
		return 0, err
	}
	return Rebuild(ctx, client)
}
