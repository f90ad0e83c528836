package payments

import (
	"bytes"
	"strings"
	"testing"

	"communs/ent"
	"communs/ent/charge"
	"communs/ent/schema/schematype"
)

// charge adds a line of kind to call c.
func (l *ledger) charge(t *testing.T, c *ent.CallForFunds, kind charge.Kind, amount int64) {
	t.Helper()
	err := l.client.Charge.Create().SetMemberID(c.MemberID).SetCallForFundsID(c.ID).SetKind(kind).
		SetFiscalYear(2026).SetPeriod(charge.PeriodQ1).SetAmount(amount).SetLabel("ligne").
		SetBasis(schematype.ChargeBasis{}).SetIdempotencyKey(string(c.ID) + string(kind)).Exec(l.sys)
	if err != nil {
		t.Fatal(err)
	}
}

func TestJournalBalancedPerDocument(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	call := l.issue(t, l.member, 1_120_00, day(2026, 3, 31))
	l.charge(t, call, charge.KindPROVISION, 1_000_00)
	l.charge(t, call, charge.KindMEMBERSHIP_FEE, 120_00)
	back := l.issue(t, l.member, -80_00, day(2026, 12, 31))
	l.charge(t, back, charge.KindREGULARIZATION, -80_00)
	cheque := l.pay(t, l.member, 1_200_00, day(2026, 4, 15))
	if _, err := l.svc.Reverse(l.staff, cheque.ID, "Chèque impayé"); err != nil {
		t.Fatal(err)
	}
	l.issue(t, l.member, 50_00, day(2025, 12, 31)) // another year

	l.svc.Accounts.Revenue = "7061"
	j, err := l.svc.Journal(l.staff, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if !j.Balanced() || j.Documents != 4 || j.Debit != 1_120_00+80_00+1_200_00+1_200_00 {
		t.Errorf("journal: %d documents, debit %d credit %d", j.Documents, j.Debit, j.Credit)
	}
	perDocument := map[string]int64{}
	for _, line := range j.Lines {
		perDocument[line.Document] += line.Debit - line.Credit
	}
	for doc, diff := range perDocument {
		if diff != 0 {
			t.Errorf("document %s is off by %d", doc, diff)
		}
	}
	var csv bytes.Buffer
	if err := WriteJournalCSV(&csv, j); err != nil {
		t.Fatal(err)
	}
	text := csv.String()
	for _, want := range []string{
		"31/03/2026;VE;411;" + string(l.member.ID) + ";Appel de fonds AF-2026-0001;1120,00;;AF-2026-0001",
		"31/03/2026;VE;7061;;Participation aux frais communs AF-2026-0001 — Exonération de TVA — article 261 B du CGI;;1000,00;AF-2026-0001",
		"31/03/2026;VE;756;;Cotisation AF-2026-0001 — Exonération de TVA — article 261 B du CGI;;120,00;AF-2026-0001",
		"31/12/2026;VE;411;" + string(l.member.ID) + ";Avoir AF-2026-0002;;80,00;AF-2026-0002",
		"31/12/2026;VE;7061;;Participation aux frais communs AF-2026-0002 — Exonération de TVA — article 261 B du CGI;80,00;;AF-2026-0002",
		"15/04/2026;BQ;512;;Règlement;1200,00;;" + string(cheque.ID),
		"15/04/2026;BQ;411;" + string(l.member.ID) + ";Règlement;;1200,00;" + string(cheque.ID),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("journal lacks\n%s\nin\n%s", want, text)
		}
	}
	if strings.Contains(text, "AF-2026-0003") {
		t.Error("a call of another year is in the journal")
	}

	// Fees and revenue on one account: one line, still balanced.
	l.svc.Accounts.Fees = "7061"
	if j, err = l.svc.Journal(l.staff, 2026); err != nil || !j.Balanced() {
		t.Errorf("one account for fees and revenue: %v, debit %d credit %d", err, j.Debit, j.Credit)
	}
}
