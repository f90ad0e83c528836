package payments

import (
	_ "embed"
	"encoding/csv"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"communs/internal/callforfunds"
	"communs/internal/money"
)

// utf8BOM opens the CSV files so that spreadsheets read them as UTF-8.
const utf8BOM = "\uFEFF"

// StatementCSVHeader is the first row of a statement's CSV.
var StatementCSVHeader = []string{"date", "kind", "reference", "label", "due_on", "payment_status", "debit", "credit", "balance"}

// WriteStatementCSV writes st as CSV (comma separated, UTF-8 with a BOM):
// one row per line with the running balance, then the rows "Solde"
// (balance), "Reste dû" (due), "Crédit" (credit) and "Jours de retard"
// (days overdue). Amounts are "1234.56", dates "2006-01-02".
func WriteStatementCSV(w io.Writer, st *Statement) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	write := func(r ...string) {
		for i := range r {
			r[i] = callforfunds.CSVSafe(r[i])
		}
		_ = cw.Write(r)
	}
	write(StatementCSVHeader...)
	for _, l := range st.Lines {
		dueOn, status := "", ""
		if l.DueOn != nil {
			dueOn = l.DueOn.Format(time.DateOnly)
		}
		if l.PaymentStatus != nil {
			status = string(*l.PaymentStatus)
		}
		write(l.On.Format(time.DateOnly), l.Kind, l.Reference, l.Label, dueOn, status,
			money.Format(l.Debit), money.Format(l.Credit), money.Format(l.Balance))
	}
	write("", "", "", "Solde", "", "", "", "", money.Format(st.Balance))
	write("", "", "", "Reste dû", "", "", "", "", money.Format(st.Due))
	write("", "", "", "Crédit", "", "", "", "", money.Format(st.Credit))
	write("", "", "", "Jours de retard", "", "", "", "", strconv.Itoa(st.DaysOverdue))
	cw.Flush()
	return cw.Error()
}

//go:embed statement.html
var statementHTML string

var statementTemplate = template.Must(template.New("statement").Parse(statementHTML))

// statementView is what the printable statement shows, in French.
type statementView struct {
	Issuer               callforfunds.Issuer
	MemberName           string
	MemberAddr           []string
	AsOf                 string
	Lines                []statementRow
	Balance, Due, Credit string
	DaysOverdue          int
	VATMention           string
	BalanceLabel         string
}

type statementRow struct {
	On, Kind, Reference, Label, DueOn, Status, Debit, Credit, Balance string
}

var lineKindLabels = map[string]string{LineCallForFunds: "Appel de fonds", LinePayment: "Règlement", LineReversal: "Contre-passation"}

var statusLabels = map[string]string{"UNPAID": "non réglé", "PARTLY_PAID": "réglé en partie", "PAID": "réglé"}

// WriteStatementHTML writes st as a self-contained printable page in
// French (inline CSS, no script), from issuer.
func WriteStatementHTML(w io.Writer, st *Statement, issuer callforfunds.Issuer) error {
	m := st.Member
	v := statementView{Issuer: issuer, MemberName: m.Name, AsOf: frDate(st.AsOf),
		Balance: money.French(st.Balance), Due: money.French(st.Due), Credit: money.French(st.Credit),
		DaysOverdue: st.DaysOverdue, VATMention: callforfunds.VATMention, BalanceLabel: "Solde dû"}
	if st.Balance < 0 {
		v.BalanceLabel = "Solde en votre faveur"
		v.Balance = strings.TrimPrefix(v.Balance, "-")
	}
	for _, a := range []string{m.Street, strings.TrimSpace(m.PostalCode + " " + m.City)} {
		if a != "" {
			v.MemberAddr = append(v.MemberAddr, a)
		}
	}
	for _, l := range st.Lines {
		r := statementRow{On: frDate(l.On), Kind: lineKindLabels[l.Kind], Reference: l.Reference, Label: l.Label,
			Balance: money.French(l.Balance)}
		if l.Debit != 0 {
			r.Debit = money.French(l.Debit)
		}
		if l.Credit != 0 {
			r.Credit = money.French(l.Credit)
		}
		if l.DueOn != nil {
			r.DueOn = frDate(*l.DueOn)
		}
		if l.PaymentStatus != nil && l.Debit > 0 {
			r.Status = statusLabels[string(*l.PaymentStatus)]
		}
		v.Lines = append(v.Lines, r)
	}
	return statementTemplate.Execute(w, v)
}

func frDate(t time.Time) string { return t.Format("02/01/2006") }
