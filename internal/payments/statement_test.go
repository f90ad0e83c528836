package payments

import (
	"bytes"
	"strings"
	"testing"

	"communs/internal/callforfunds"
)

func TestStatementBalancesToZeroOncePaid(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	l.issue(t, l.member, 300_00, day(2026, 3, 31))
	second := l.issue(t, l.member, 200_00, day(2026, 4, 10))
	l.pay(t, l.member, 250_00, day(2026, 4, 15))

	st, err := l.svc.Statement(l.staff, l.member.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The first call fell due on 30 April; the clock says 1 June.
	if st.Balance != 250_00 || st.Due != 250_00 || st.Credit != 0 || st.DaysOverdue != 32 || len(st.OpenCalls) != 2 {
		t.Errorf("statement: balance %d due %d credit %d overdue %d open %d", st.Balance, st.Due, st.Credit, st.DaysOverdue, len(st.OpenCalls))
	}
	cheque := l.pay(t, l.member, 300_00, day(2026, 5, 2))
	if st, err = l.svc.Statement(l.staff, l.member.ID); err != nil {
		t.Fatal(err)
	}
	if st.Balance != -50_00 || st.Due != 0 || st.Credit != 50_00 || st.DaysOverdue != 0 {
		t.Errorf("overpaid: balance %d due %d credit %d", st.Balance, st.Due, st.Credit)
	}
	if _, err := l.svc.Reverse(l.staff, cheque.ID, "Chèque sans provision"); err != nil {
		t.Fatal(err)
	}
	l.pay(t, l.member, 250_00, day(2026, 5, 20), &AllocationInput{CallForFundsID: second.ID, Amount: 200_00})
	if st, err = l.svc.Statement(l.staff, l.member.ID); err != nil {
		t.Fatal(err)
	}
	last := st.Lines[len(st.Lines)-1]
	if st.Balance != 0 || st.Due != 0 || st.Credit != 0 || last.Balance != 0 || len(st.Lines) != 6 {
		t.Errorf("everything paid: balance %d due %d credit %d, last line %+v", st.Balance, st.Due, st.Credit, last)
	}

	var csv, html bytes.Buffer
	if err := WriteStatementCSV(&csv, st); err != nil {
		t.Fatal(err)
	}
	if err := WriteStatementHTML(&html, st, callforfunds.Issuer{Name: "GSM Bourgogne"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2026-06-01,REVERSAL,,Contre-passation du paiement du 02/05/2026,,,300.00,0.00,0.00", "Solde,,,,,0.00"} {
		if !strings.Contains(csv.String(), want) {
			t.Errorf("CSV lacks %q:\n%s", want, csv.String())
		}
	}
	if !strings.Contains(html.String(), "Contre-passation") || !strings.Contains(html.String(), callforfunds.VATMention) {
		t.Errorf("HTML:\n%s", html.String())
	}
}
