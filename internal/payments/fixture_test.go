package payments

import (
	"context"
	"fmt"
	"testing"
	"time"

	"communs/ent"
	"communs/ent/callforfunds"
	"communs/ent/member"
	"communs/ent/payment"
	"communs/ent/schema/pulid"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

// ledger is the fixture of the payment tests: the service over a fresh
// database with a clock the test sets, a member, the groupement's staff.
type ledger struct {
	svc    *Service
	client *ent.Client
	sys    context.Context
	staff  context.Context
	member *ent.Member
	calls  int
}

func newLedger(t *testing.T) *ledger {
	t.Helper()
	db := storetest.Open(t)
	l := &ledger{client: db.Client, svc: New(db.Client), sys: viewer.SystemContext(context.Background())}
	l.svc.now = func() time.Time { return time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC) }
	l.staff = viewer.NewContext(context.Background(), &viewer.Viewer{AccountID: pulid.New("ACC"),
		Email: "tresorerie@gsm.example", Roles: []viewer.Role{{Name: "gsm_staff"}}})
	l.member = l.newMember(t, "Les Tilleuls")
	return l
}

func (l *ledger) newMember(t *testing.T, name string) *ent.Member {
	t.Helper()
	m, err := l.client.Member.Create().SetName(name).SetCategory(member.CategoryACTIVE).
		SetJoinedOn(day(2024, 1, 1)).Save(l.sys)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// issue issues a call for funds of total to m on issued, due 30 days
// later, and settles it as a charge run does.
func (l *ledger) issue(t *testing.T, m *ent.Member, total int64, issued time.Time) *ent.CallForFunds {
	t.Helper()
	l.calls++
	c, err := l.client.CallForFunds.Create().SetMemberID(m.ID).SetFiscalYear(2026).SetSequence(l.calls).
		SetNumber(callNumber(l.calls)).SetIssuedOn(issued).SetDueOn(issued.AddDate(0, 0, 30)).SetTotal(total).Save(l.sys)
	if err != nil {
		t.Fatal(err)
	}
	if err := SettleIssued(l.sys, l.client, []*ent.CallForFunds{c}); err != nil {
		t.Fatal(err)
	}
	return c
}

func callNumber(n int) string { return fmt.Sprintf("AF-2026-%04d", n) }

func (l *ledger) pay(t *testing.T, m *ent.Member, amount int64, on time.Time, allocations ...*AllocationInput) *ent.Payment {
	t.Helper()
	p, err := l.svc.Record(l.staff, PaymentInput{MemberID: m.ID, Amount: amount, ReceivedOn: on,
		Means: payment.MeansTRANSFER, Allocations: allocations})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// settlement is a call's paid amount and status as stored.
func (l *ledger) settlement(t *testing.T, c *ent.CallForFunds) (int64, callforfunds.PaymentStatus) {
	t.Helper()
	got, err := l.client.CallForFunds.Get(l.sys, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Paid, got.PaymentStatus
}

func (l *ledger) wantSettlement(t *testing.T, c *ent.CallForFunds, paid int64, status callforfunds.PaymentStatus) {
	t.Helper()
	if gotPaid, gotStatus := l.settlement(t, c); gotPaid != paid || gotStatus != status {
		t.Errorf("%s: paid %d %s, want %d %s", c.Number, gotPaid, gotStatus, paid, status)
	}
}

func (l *ledger) wantMember(t *testing.T, m *ent.Member, credit int64, status member.PaymentStatus) {
	t.Helper()
	credits, err := Credits(l.sys, l.client, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.client.Member.Get(l.sys, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if credits[m.ID] != credit || got.PaymentStatus != status {
		t.Errorf("%s: credit %d %s, want %d %s", m.Name, credits[m.ID], got.PaymentStatus, credit, status)
	}
}
