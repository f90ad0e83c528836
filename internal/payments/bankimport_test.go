package payments

import (
	"testing"

	"communs/ent/callforfunds"
	"communs/ent/member"
)

func TestImportBankStatement(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	other := l.newMember(t, "Les Genêts")
	first := l.issue(t, l.member, 1_000_00, day(2026, 3, 31)) // AF-2026-0001
	second := l.issue(t, l.member, 500_00, day(2026, 3, 31))  // AF-2026-0002
	theirs := l.issue(t, other, 700_00, day(2026, 3, 31))     // AF-2026-0003
	statement := []byte("Date;Libellé;Montant;Référence\n" +
		"10/04/2026;VIR SEPA ASSOC LES TILLEULS AF-2026-0001;1 000,00;REF1\n" +
		"11/04/2026;VIR GENETS af 2026 0003;400,00;\n" +
		"11/04/2026;VIR GENETS af 2026 0003;400,00;\n" + // the same transfer twice: both recorded
		"12/04/2026;VIR TILLEULS AF-2026-0002 ET AF-2026-0003;500,00;REF3\n" +
		"12/04/2026;VIREMENT SANS REFERENCE;42,00;\n" +
		"13/04/2026;VIR AF-2026-0999;10,00;\n" +
		"14/04/2026;FRAIS BANCAIRES AF-2026-0001;-3,50;\n" +
		"2026-04-15;VIR TILLEULS;250.00;AF-2026-0002\n" +
		"pas une date;x;1,00;\n")
	report, err := l.svc.ImportBankStatement(l.staff, statement)
	if err != nil {
		t.Fatal(err)
	}
	if report.Matched != 4 || report.Ambiguous != 1 || report.Unmatched != 2 || report.Rejected != 2 || report.AlreadyImported != 0 {
		t.Fatalf("report: %+v", report)
	}
	for i, want := range []string{BankMatched, BankMatched, BankMatched, BankAmbiguous, BankUnmatched, BankUnmatched, BankRejected, BankMatched, BankRejected} {
		if got := report.Lines[i]; got.Status != want || (want != BankMatched && got.Reason == "") {
			t.Errorf("line %d: %s (%s), want %s", got.Line, got.Status, got.Reason, want)
		}
	}
	l.wantSettlement(t, first, 1_000_00, callforfunds.PaymentStatusPAID)
	l.wantSettlement(t, second, 250_00, callforfunds.PaymentStatusPARTLY_PAID)
	l.wantSettlement(t, theirs, 700_00, callforfunds.PaymentStatusPAID)
	l.wantMember(t, other, 100_00, member.PaymentStatusIN_CREDIT)

	// Again: nothing changes.
	again, err := l.svc.ImportBankStatement(l.staff, statement)
	if err != nil {
		t.Fatal(err)
	}
	if again.AlreadyImported != 4 || again.Matched != 0 {
		t.Errorf("second import: %+v", again)
	}
	if n, err := l.client.Payment.Query().Count(l.sys); err != nil || n != 4 {
		t.Errorf("%d payments after two imports (%v), want 4", n, err)
	}
	l.wantSettlement(t, second, 250_00, callforfunds.PaymentStatusPARTLY_PAID)

	if _, err := l.svc.ImportBankStatement(l.staff, []byte("10/04/2026;\"unterminated;1,00\n")); err == nil {
		t.Error("an unreadable file was accepted")
	}
}
