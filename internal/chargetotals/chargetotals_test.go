package chargetotals_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"communs/ent"
	"communs/ent/charge"
	"communs/ent/member"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/schema/schematype"
	"communs/internal/chargetotals"
	"communs/internal/store/storetest"
	"communs/internal/txn"
	"communs/internal/viewer"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// ledger writes charges as the charge runs and the corrections do.
type ledger struct {
	t        *testing.T
	client   *ent.Client
	ctx      context.Context
	member   pulid.ID
	hosting  pulid.ID
	keys     int
	midnight time.Time
}

func newLedger(t *testing.T) *ledger {
	client := storetest.Open(t).Client
	ctx := viewer.SystemContext(t.Context())
	l := &ledger{t: t, client: client, ctx: ctx,
		// 31 March 2026 at 22:30 UTC is 1 April at 00:30 in Paris.
		midnight: time.Date(2026, 3, 31, 22, 30, 0, 0, time.UTC)}
	l.member = client.Member.Create().SetName("Les Tilleuls").SetCategory(member.CategoryACTIVE).
		SetJoinedOn(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).SaveX(ctx).ID
	l.hosting = client.Resource.Create().SetCode("HEB").SetName("Hébergement").SetKind(resource.KindSOFTWARE).
		SetUsageUnit(resource.UsageUnitPLACES).SetAllocationKey(resource.AllocationKeyEQUAL).SaveX(ctx).ID
	return l
}

func (l *ledger) line(client *ent.Client, kind charge.Kind, period charge.Period, amount int64, at time.Time) *ent.ChargeCreate {
	l.keys++
	c := client.Charge.Create().SetMemberID(l.member).SetKind(kind).SetFiscalYear(2026).SetPeriod(period).
		SetAmount(amount).SetLabel("ligne").SetBasis(schematype.ChargeBasis{}).
		SetIdempotencyKey(fmt.Sprint("k", l.keys)).SetCreatedAt(at)
	if kind != charge.KindMEMBERSHIP_FEE {
		c.SetResourceID(l.hosting)
	}
	return c
}

// totals lists the table: key, count, sum, minimum, maximum.
func (l *ledger) totals() []string {
	var rows []string
	for _, t := range l.client.ChargeTotal.Query().AllX(l.ctx) {
		rows = append(rows, fmt.Sprintf("%s n=%d sum=%d min=%d max=%d", t.TotalKey, t.ChargeCount, t.Amount, t.AmountMin, t.AmountMax))
	}
	sort.Strings(rows)
	return rows
}

// Charges written alone, in bulk within a transaction, and in a
// transaction rolled back: the totals hold exactly the committed ones, by
// day in Paris; rebuilding them from the ledger gives the same rows.
func TestTotalsFollowTheLedger(t *testing.T) {
	l := newLedger(t)
	before := l.midnight.Add(-time.Hour) // 31 March in Paris
	l.line(l.client, charge.KindPROVISION, charge.PeriodQ1, 10000, before).ExecX(l.ctx)
	err := txn.Run(l.ctx, l.client, func(ctx context.Context, tx *ent.Client) error {
		return tx.Charge.CreateBulk(
			l.line(tx, charge.KindPROVISION, charge.PeriodQ1, 2550, before),
			l.line(tx, charge.KindPROVISION, charge.PeriodQ1, -50, before),
			l.line(tx, charge.KindPROVISION, charge.PeriodQ1, 700, l.midnight),
			l.line(tx, charge.KindMEMBERSHIP_FEE, charge.PeriodFEES, 15000, l.midnight),
		).Exec(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	refused := errors.New("refused")
	err = txn.Run(l.ctx, l.client, func(ctx context.Context, tx *ent.Client) error {
		l.line(tx, charge.KindPROVISION, charge.PeriodQ1, 999, before).ExecX(ctx)
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("the rolled-back transaction: %v", err)
	}

	want := []string{
		"2026|" + string(l.hosting) + "|PROVISION|Q1|2026-03-31 n=3 sum=12500 min=-50 max=10000",
		"2026|" + string(l.hosting) + "|PROVISION|Q1|2026-04-01 n=1 sum=700 min=700 max=700",
		"2026||MEMBERSHIP_FEE|FEES|2026-04-01 n=1 sum=15000 min=15000 max=15000",
	}
	sort.Strings(want)
	if got := l.totals(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("totals kept:\n%s\nwant\n%s", got, want)
	}
	day := l.client.ChargeTotal.Query().FirstX(l.ctx).CreatedAt
	if h, m, _ := day.In(time.FixedZone("", 0)).Clock(); h != 22 || m != 0 {
		t.Errorf("a total's day starts at %s, want midnight in Paris (22:00 UTC in summer)", day.UTC())
	}

	n, err := chargetotals.Rebuild(l.ctx, l.client)
	if err != nil || n != 5 {
		t.Fatalf("rebuild: %d charges, %v; want 5", n, err)
	}
	if got := l.totals(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("totals rebuilt:\n%s\nwant\n%s", got, want)
	}
}

// Fill rebuilds the totals only when the table is empty and the ledger
// is not: a database upgraded from before the totals.
func TestFillOnlyAnEmptyTable(t *testing.T) {
	l := newLedger(t)
	if n, err := chargetotals.Fill(l.ctx, l.client); err != nil || n != 0 {
		t.Fatalf("fill of an empty ledger: %d, %v", n, err)
	}
	l.line(l.client, charge.KindPROVISION, charge.PeriodQ1, 100, l.midnight).ExecX(l.ctx)
	if n, err := chargetotals.Fill(l.ctx, l.client); err != nil || n != 0 {
		t.Fatalf("fill of kept totals: %d, %v; want nothing read", n, err)
	}
	l.client.ChargeTotal.Delete().ExecX(l.ctx)
	if n, err := chargetotals.Fill(l.ctx, l.client); err != nil || n != 1 {
		t.Fatalf("fill after an upgrade: %d, %v; want the one charge", n, err)
	}
	if got := len(l.totals()); got != 1 {
		t.Errorf("%d totals after the fill, want 1", got)
	}
}
