package main

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"communs/internal/calendar"
	"communs/internal/money"
)

const recordPayment = `mutation($in: RecordPaymentInput!) { recordPayment(input: $in) { id amount
	allocations { amount callForFunds { number } } } }`

// callOf is the call for funds a run issued to memberID.
func callOf(t *testing.T, run runPayload, memberID string) (id string, total int64) {
	t.Helper()
	for _, c := range run.RunChargeStep.CallsForFunds {
		if c.Member.ID == memberID {
			cents, err := money.Parse(c.Total)
			if err != nil {
				t.Fatal(err)
			}
			return c.ID, cents
		}
	}
	t.Fatalf("no call for funds of %s in the run", memberID)
	return "", 0
}

type settlement struct {
	Node struct{ Paid, PaymentStatus string }
}

func (s *testServer) settlement(t *testing.T, callID string) (paid int64, status string) {
	t.Helper()
	var out settlement
	s.data(t, `query($id: ID!) { node(id: $id) { ... on CallForFunds { paid paymentStatus } } }`, map[string]any{"id": callID}, &out)
	paid, err := money.Parse(out.Node.Paid)
	if err != nil {
		t.Fatal(err)
	}
	return paid, out.Node.PaymentStatus
}

// The end to end: a call paid in two transfers becomes paid; an
// overpayment becomes a credit that the next call uses.
func TestPaymentsThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff, member := s.as(t, gsmStaff), s.as(t, tilleulsAdmin)
	tilleuls := memberOf(t, member)
	today := calendar.DayInParis(time.Now()).Format(time.DateOnly)

	var q1 runPayload
	staff.data(t, runStep, map[string]any{"step": "Q1"}, &q1)
	call, total := callOf(t, q1, tilleuls)
	if total <= 10_00 {
		t.Fatalf("the demo's Q1 call of Les Tilleuls is %s", money.Format(total))
	}
	pay := func(amount int64) {
		t.Helper()
		staff.data(t, recordPayment, map[string]any{"in": map[string]any{"memberId": tilleuls,
			"amount": money.Format(amount), "receivedOn": today, "means": "TRANSFER", "bankReference": "VIR-" + money.Format(amount)}}, &struct{}{})
	}
	pay(total - 10_00)
	if paid, status := staff.settlement(t, call); paid != total-10_00 || status != "PARTLY_PAID" {
		t.Errorf("after the first transfer: %s %s", money.Format(paid), status)
	}
	pay(10_00 + 50_00)
	if paid, status := member.settlement(t, call); paid != total || status != "PAID" {
		t.Errorf("after the second transfer: %s %s", money.Format(paid), status)
	}

	var q2 runPayload
	staff.data(t, runStep, map[string]any{"step": "Q2"}, &q2)
	next, nextTotal := callOf(t, q2, tilleuls)
	if paid, status := staff.settlement(t, next); paid != min(50_00, nextTotal) || status != "PARTLY_PAID" {
		t.Errorf("the next call after a credit of 50.00: %s %s (total %s)", money.Format(paid), status, money.Format(nextTotal))
	}

	// Once everything is paid, the statement balances to zero.
	var st statementPayload
	member.data(t, statementQuery, map[string]any{"m": tilleuls}, &st)
	due, _ := money.Parse(st.AccountStatement.Due)
	pay(due)
	member.data(t, statementQuery, map[string]any{"m": tilleuls}, &st)
	a := st.AccountStatement
	if a.Balance != "0.00" || a.Due != "0.00" || a.Credit != "0.00" || a.DaysOverdue != 0 || len(a.Lines) != 5 ||
		a.Lines[len(a.Lines)-1].Balance != "0.00" || a.Called != a.Paid {
		t.Errorf("statement once everything is paid: %+v", a)
	}
	csv := download(t, member, a.ExportPath+".csv", http.StatusOK)
	html := download(t, member, a.ExportPath+".html", http.StatusOK)
	if !strings.Contains(csv, "Solde,,,,,0.00") || !strings.Contains(html, "Relevé de compte") || !strings.Contains(html, "261 B") {
		t.Errorf("statement downloads:\n%s\n%s", csv, html)
	}

	// The member reads its payments, never records one.
	var mine struct{ Payments struct{ TotalCount int } }
	member.data(t, `{ payments(first: 10) { totalCount } }`, nil, &mine)
	if mine.Payments.TotalCount != 3 {
		t.Errorf("the member reads %d payments, want 3", mine.Payments.TotalCount)
	}
	if code := member.query(t, recordPayment, map[string]any{"in": map[string]any{"memberId": tilleuls,
		"amount": "1.00", "receivedOn": today, "means": "CHEQUE"}}).code(); code != "FORBIDDEN" {
		t.Errorf("a member recording a payment: %s", code)
	}

	// Grouped by payment status.
	var groups struct {
		CallsForFundsAggregate []struct {
			Keys  struct{ PaymentStatus string }
			Count int
		}
		MembersAggregate []struct {
			Keys  struct{ PaymentStatus string }
			Count int
		}
	}
	staff.data(t, `{ callsForFundsAggregate(groupBy: [PAYMENT_STATUS]) { keys { paymentStatus } count }
		membersAggregate(groupBy: [PAYMENT_STATUS]) { keys { paymentStatus } count } }`, nil, &groups)
	statuses := map[string]int{}
	for _, g := range groups.CallsForFundsAggregate {
		statuses[g.Keys.PaymentStatus] = g.Count
	}
	if statuses["PAID"] < 1 || statuses["PARTLY_PAID"] < 1 || statuses["UNPAID"] < 1 {
		t.Errorf("calls by payment status: %v", statuses)
	}
	if len(groups.MembersAggregate) < 2 {
		t.Errorf("members by payment status: %+v", groups.MembersAggregate)
	}
}

type statementPayload struct {
	AccountStatement struct {
		Called, Paid, Balance, Due, Credit, ExportPath string
		DaysOverdue                                    int
		Lines                                          []struct{ Kind, Debit, Credit, Balance string }
	}
}

const statementQuery = `query($m: ID!) { accountStatement(memberId: $m) { called paid balance due credit daysOverdue exportPath
	lines { kind debit credit balance } } }`

// Statements are read by the member itself and the groupement, never by
// another member, in the API or as a download.
func TestStatementIsolation(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff, tilleuls, abri := s.as(t, gsmStaff), s.as(t, tilleulsAdmin), s.as(t, "admin@abri-montagnard.example")
	abriID := memberOf(t, abri)
	var st statementPayload
	staff.data(t, statementQuery, map[string]any{"m": abriID}, &st)
	if st.AccountStatement.Credit != "350.00" || st.AccountStatement.Balance != "-350.00" {
		t.Errorf("the demo's advance payment of L'Abri Montagnard: %+v", st.AccountStatement)
	}
	abri.data(t, statementQuery, map[string]any{"m": abriID}, &st)
	if code := tilleuls.query(t, statementQuery, map[string]any{"m": abriID}).code(); code != "NOT_FOUND" {
		t.Errorf("another member's statement: %s, want NOT_FOUND", code)
	}
	path := st.AccountStatement.ExportPath
	download(t, tilleuls, path+".csv", http.StatusNotFound)
	download(t, s.as(t, "cil@communs.example"), path+".html", http.StatusForbidden)
	download(t, s, path+".csv", http.StatusUnauthorized)
	download(t, staff, path+".pdf", http.StatusNotFound)
}

// A bank statement matches by call number; a second import changes nothing.
func TestBankImportThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff, member := s.as(t, gsmStaff), s.as(t, tilleulsAdmin)
	tilleuls := memberOf(t, member)
	var q1 runPayload
	staff.data(t, runStep, map[string]any{"step": "Q1"}, &q1)
	call, total := callOf(t, q1, tilleuls)
	var number string
	for _, c := range q1.RunChargeStep.CallsForFunds {
		if c.ID == call {
			number = c.Number
		}
	}
	file := "date;libellé;montant;référence\n" +
		calendar.DayInParis(time.Now()).Format("02/01/2006") + ";VIR SEPA TILLEULS " + number + ";" +
		strings.Replace(money.Format(total), ".", ",", 1) + ";REF-TILLEULS\n" +
		"01/01/2026;VIR INCONNU;12,00;\n"
	const importFile = `mutation($f: String!) { importBankStatement(input: {contentBase64: $f}) {
		matched unmatched alreadyImported lines { status numbers payment { amount } } } }`
	var report struct {
		ImportBankStatement struct{ Matched, Unmatched, AlreadyImported int }
	}
	encoded := base64.StdEncoding.EncodeToString([]byte(file))
	staff.data(t, importFile, map[string]any{"f": encoded}, &report)
	if r := report.ImportBankStatement; r.Matched != 1 || r.Unmatched != 1 {
		t.Fatalf("first import: %+v", r)
	}
	if paid, status := staff.settlement(t, call); paid != total || status != "PAID" {
		t.Errorf("after the import: %s %s", money.Format(paid), status)
	}
	staff.data(t, importFile, map[string]any{"f": encoded}, &report)
	if r := report.ImportBankStatement; r.Matched != 0 || r.AlreadyImported != 1 || r.Unmatched != 1 {
		t.Errorf("second import: %+v", r)
	}
	var mine struct{ Payments struct{ TotalCount int } }
	member.data(t, `{ payments(first: 10) { totalCount } }`, nil, &mine)
	if mine.Payments.TotalCount != 1 {
		t.Errorf("%d payments after two imports, want 1", mine.Payments.TotalCount)
	}
	if code := staff.query(t, importFile, map[string]any{"f": "not base64!"}).code(); code != "INVALID_INPUT" {
		t.Errorf("a file not in base64: %s", code)
	}
}

// The year's journal: balanced, with the accounts configured, for the
// groupement's staff only.
func TestAccountingJournalThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(c *serveConfig) { c.accounts.Bank = "5121" })
	staff, member := s.as(t, gsmStaff), s.as(t, tilleulsAdmin)
	var q1 runPayload
	staff.data(t, runStep, map[string]any{"step": "Q1"}, &q1)
	year := calendar.DayInParis(time.Now()).Year()
	var out struct {
		AccountingJournal struct {
			Documents  int
			Debit      string
			Balanced   bool
			ExportPath string
		}
	}
	staff.data(t, `query($y: Int!) { accountingJournal(year: $y) { documents debit balanced exportPath } }`, map[string]any{"y": year}, &out)
	j := out.AccountingJournal
	// The demo's payments were received in 2026.
	if !j.Balanced || j.Documents < len(q1.RunChargeStep.CallsForFunds) {
		t.Errorf("journal: %+v", j)
	}
	csv := download(t, staff, j.ExportPath+".csv", http.StatusOK)
	if !strings.Contains(csv, ";VE;411;") || !strings.Contains(csv, "article 261 B du CGI") {
		t.Errorf("journal CSV:\n%.600s", csv)
	}
	if year == 2026 && !strings.Contains(csv, ";BQ;5121;") {
		t.Errorf("the configured bank account is not used:\n%.600s", csv)
	}
	download(t, member, j.ExportPath+".csv", http.StatusForbidden)
	download(t, staff, "/exports/accounting/journal-x.csv", http.StatusNotFound)
}
