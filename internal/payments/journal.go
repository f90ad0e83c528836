package payments

import (
	"cmp"
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/callforfunds"
	"communs/ent/charge"
	"communs/ent/payment"
	"communs/ent/schema/pulid"
	cffdoc "communs/internal/callforfunds"
	"communs/internal/money"
)

// Accounts are the accounts and journals of the accounting export, from
// the French chart of accounts for associations (plan comptable
// associatif); the groupement's accountant may use others (serve flags
// --account-*, --journal-*).
type Accounts struct {
	// Receivable is the members' account: 411 "Clients" (here, members);
	// each line names the member in its own column (the auxiliary account).
	Receivable string
	// Revenue takes the charges at cost price: 706 "Prestations de services".
	Revenue string
	// Fees takes the membership fees: 756 "Cotisations".
	Fees string
	// Bank is the bank account payments are received on: 512 "Banque".
	Bank string
	// SalesJournal holds the calls for funds, BankJournal the payments.
	SalesJournal, BankJournal string
}

// WithDefaults fills the accounts not given with the default ones.
func (a Accounts) WithDefaults() Accounts {
	def := DefaultAccounts()
	for _, f := range []struct {
		into *string
		def  string
	}{
		{&a.Receivable, def.Receivable}, {&a.Revenue, def.Revenue}, {&a.Fees, def.Fees}, {&a.Bank, def.Bank},
		{&a.SalesJournal, def.SalesJournal}, {&a.BankJournal, def.BankJournal},
	} {
		if *f.into == "" {
			*f.into = f.def
		}
	}
	return a
}

// DefaultAccounts are the accounts used unless configured.
func DefaultAccounts() Accounts {
	return Accounts{Receivable: "411", Revenue: "706", Fees: "756", Bank: "512", SalesJournal: "VE", BankJournal: "BQ"}
}

// JournalLine is one line of an accounting entry.
type JournalLine struct {
	On            time.Time
	Journal       string
	Account       string
	MemberRef     string
	Label         string
	Debit, Credit int64
	Document      string
}

// Journal is the accounting entries of a calendar year: one per call for
// funds issued (a credit note when it gives back) and one per payment
// received or reversed, each balanced.
type Journal struct {
	Year          int
	Lines         []JournalLine
	Documents     int
	Debit, Credit int64
}

// Balanced tells whether debits and credits are equal.
func (j *Journal) Balanced() bool { return j.Debit == j.Credit }

// Journal draws up the entries of the calendar year (calls for funds
// issued, payments received in it) with the service's accounts. The
// revenue lines carry the VAT exemption of art. 261 B CGI.
func (s *Service) Journal(ctx context.Context, year int) (*Journal, error) {
	if year < 2000 || year > 2100 {
		return nil, communs.InvalidField("year", "between 2000 and 2100")
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	db := s.db(ctx)
	calls, err := db.CallForFunds.Query().
		Where(callforfunds.IssuedOnGTE(from), callforfunds.IssuedOnLT(to)).
		Order(ent.Asc(callforfunds.FieldIssuedOn), ent.Asc(callforfunds.FieldFiscalYear), ent.Asc(callforfunds.FieldSequence)).
		All(ctx)
	if err != nil {
		return nil, err
	}
	byKind, err := chargesByKind(ctx, db, from, to)
	if err != nil {
		return nil, err
	}
	paid, err := db.Payment.Query().Where(payment.ReceivedOnGTE(from), payment.ReceivedOnLT(to)).
		Order(ent.Asc(payment.FieldReceivedOn), ent.Asc(payment.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	j := &Journal{Year: year}
	for _, c := range calls {
		j.add(s.Accounts.callEntry(c, byKind[c.ID]))
	}
	for _, p := range paid {
		j.add(s.Accounts.paymentEntry(p))
	}
	slices.SortStableFunc(j.Lines, func(a, b JournalLine) int { return a.On.Compare(b.On) })
	return j, nil
}

// add appends an entry.
func (j *Journal) add(entry []JournalLine) {
	j.Documents++
	for _, l := range entry {
		j.Debit += l.Debit
		j.Credit += l.Credit
	}
	j.Lines = append(j.Lines, entry...)
}

// kindSum is what a call's lines of one kind add up to.
type kindSum struct {
	Call   pulid.ID    `json:"call_for_funds_id"`
	Kind   charge.Kind `json:"kind"`
	Amount int64       `json:"sum"`
}

// chargesByKind sums the lines of the calls issued in [from, to), by call
// and kind: one grouped query.
func chargesByKind(ctx context.Context, db *ent.Client, from, to time.Time) (map[pulid.ID][]kindSum, error) {
	var rows []kindSum
	err := db.Charge.Query().
		Where(charge.HasCallForFundsWith(callforfunds.IssuedOnGTE(from), callforfunds.IssuedOnLT(to))).
		GroupBy(charge.FieldCallForFundsID, charge.FieldKind).
		Aggregate(ent.As(ent.Sum(charge.FieldAmount), "sum")).Scan(ctx, &rows)
	out := map[pulid.ID][]kindSum{}
	for _, r := range rows {
		out[r.Call] = append(out[r.Call], r)
	}
	for _, sums := range out {
		slices.SortFunc(sums, func(a, b kindSum) int { return cmp.Compare(a.Kind, b.Kind) })
	}
	return out, err
}

// callEntry is the entry of a call for funds: the member's account
// debited with its total, revenue (or fees) credited with its lines; the
// other way round for a credit note.
func (a Accounts) callEntry(c *ent.CallForFunds, sums []kindSum) []JournalLine {
	doc := c.Number
	line := func(account, label string, amount int64, member bool) JournalLine {
		l := JournalLine{On: c.IssuedOn, Journal: a.SalesJournal, Account: account, Label: label, Document: doc}
		if member {
			l.MemberRef = string(c.MemberID)
		}
		if amount >= 0 {
			l.Debit = amount
		} else {
			l.Credit = -amount
		}
		return l
	}
	label := "Appel de fonds " + doc
	if c.Total < 0 {
		label = "Avoir " + doc
	}
	entry := []JournalLine{line(a.Receivable, label, c.Total, true)}
	revenue := map[string]int64{}
	for _, s := range sums {
		account := a.Revenue
		if s.Kind == charge.KindMEMBERSHIP_FEE {
			account = a.Fees
		}
		revenue[account] += s.Amount
	}
	// One line per account, even when fees and revenue share one.
	for _, account := range slices.Compact([]string{a.Revenue, a.Fees}) {
		if amount := revenue[account]; amount != 0 {
			entry = append(entry, line(account, revenueLabel(account == a.Fees && account != a.Revenue, doc), -amount, false))
		}
	}
	return entry
}

func revenueLabel(fee bool, doc string) string {
	what := "Participation aux frais communs"
	if fee {
		what = "Cotisation"
	}
	return what + " " + doc + " — " + cffdoc.VATMention
}

// paymentEntry is the entry of a payment: the bank debited, the member's
// account credited; the other way round for a reversal.
func (a Accounts) paymentEntry(p *ent.Payment) []JournalLine {
	label := "Règlement"
	if p.ReversesID != nil {
		label = "Contre-passation du règlement " + string(*p.ReversesID)
	}
	if p.BankReference != "" {
		label += " " + p.BankReference
	}
	bank := JournalLine{On: p.ReceivedOn, Journal: a.BankJournal, Account: a.Bank, Label: label, Document: string(p.ID)}
	member := bank
	member.Account, member.MemberRef = a.Receivable, string(p.MemberID)
	if p.Amount >= 0 {
		bank.Debit, member.Credit = p.Amount, p.Amount
	} else {
		bank.Credit, member.Debit = -p.Amount, -p.Amount
	}
	return []JournalLine{bank, member}
}

// JournalCSVHeader is the first row of the journal's CSV.
var JournalCSVHeader = []string{"Date", "Journal", "Compte", "Référence membre", "Libellé", "Débit", "Crédit", "Pièce"}

// WriteJournalCSV writes j as an accountant's import file: semicolon
// separated, UTF-8 with a BOM, dates DD/MM/YYYY, amounts with a decimal
// comma and no thousands separator, an empty cell for a zero side.
func WriteJournalCSV(w io.Writer, j *Journal) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if err := cw.Write(JournalCSVHeader); err != nil {
		return err
	}
	for _, l := range j.Lines {
		r := []string{l.On.Format("02/01/2006"), l.Journal, l.Account, l.MemberRef, l.Label,
			decimalComma(l.Debit), decimalComma(l.Credit), l.Document}
		for i := range r {
			r[i] = cffdoc.CSVSafe(r[i])
		}
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func decimalComma(cents int64) string {
	if cents == 0 {
		return ""
	}
	return strings.Replace(money.Format(cents), ".", ",", 1)
}

// JournalPath is where the journal of year is downloaded, without the
// extension (.csv).
func JournalPath(year int) string { return "/exports/accounting/journal-" + strconv.Itoa(year) }

// JournalPattern is the http.ServeMux pattern of the journal's download.
const JournalPattern = "GET /exports/accounting/{file}"
