// Package callforfunds renders one call for funds ("appel de fonds") of the
// groupement as a CSV file for spreadsheets and accounting imports, and as a
// self-contained printable HTML page for the member.
//
// The groupement is a GSM (art. 261 B CGI): members pay their exact share of
// the cost of the pooled means, without VAT. Every rendering therefore shows
// the exemption mention, VATMention.
package callforfunds

import (
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strings"
	"time"

	"communs/ent"
	"communs/ent/charge"
	"communs/ent/schema/pulid"
	"communs/internal/money"
)

// VATMention is the exemption mention every call for funds must carry.
const VATMention = "Exonération de TVA — article 261 B du CGI"

// Document is everything one call for funds shows.
type Document struct {
	Call          *ent.CallForFunds
	Member        *ent.Member
	Lines         []*ent.Charge       // in the order to print
	Issuer        Issuer              // the groupement: name, address lines, SIREN
	ResourceNames map[pulid.ID]string // names of the lines' resources
}

// Issuer is the groupement that issues the call.
type Issuer struct {
	Name    string
	Address []string // printed one per line
	Siren   string
}

// check refuses a document that would print something false: a call for
// funds sent to one member must show only that member's charges, and its
// lines must add up to the total it asks for.
func (d Document) check() error {
	if d.Call == nil {
		return errors.New("callforfunds: document has no call")
	}
	if d.Member == nil {
		return errors.New("callforfunds: document has no member")
	}
	if d.Member.ID != d.Call.MemberID {
		return fmt.Errorf("callforfunds: member %s is not the addressee %s of call %s", d.Member.ID, d.Call.MemberID, d.Call.Number)
	}
	var sum int64
	for i, l := range d.Lines {
		if l == nil {
			return fmt.Errorf("callforfunds: line %d of call %s is nil", i, d.Call.Number)
		}
		if l.MemberID != d.Call.MemberID {
			return fmt.Errorf("callforfunds: charge %s belongs to member %s, not to the addressee of call %s", l.ID, l.MemberID, d.Call.Number)
		}
		sum += l.Amount
	}
	if sum != d.Call.Total {
		return fmt.Errorf("callforfunds: lines of call %s add up to %s, not to its total %s", d.Call.Number, money.Format(sum), money.Format(d.Call.Total))
	}
	return nil
}

// resourceName is the name of the line's resource, its ID when the name is
// unknown, or "" for a line without resource (membership fee, …).
func (d Document) resourceName(l *ent.Charge) string {
	if l.ResourceID == nil {
		return ""
	}
	if n, ok := d.ResourceNames[*l.ResourceID]; ok {
		return n
	}
	return string(*l.ResourceID)
}

// CSVHeader is the header row of WriteCSV.
var CSVHeader = []string{
	"number", "issued_on", "due_on", "member", "member_siren",
	"line_id", "kind", "period", "fiscal_year", "resource", "label", "amount", "explanation",
}

// utf8BOM starts the CSV file so that spreadsheet software (Excel notably)
// reads it as UTF-8 and shows accents right instead of guessing a legacy
// code page.
const utf8BOM = "\uFEFF"

// WriteCSV writes d as CSV (RFC 4180, comma separated, UTF-8 with a BOM):
// the CSVHeader row, one row per line, a "Total" row carrying the call's
// total, and a row whose label is VATMention. Amounts are written as
// "1234.56" and dates as "2006-01-02"; kinds and periods keep their codes.
// Cells that a spreadsheet would take for a formula are neutralised.
func WriteCSV(w io.Writer, d Document) error {
	if err := d.check(); err != nil {
		return err
	}
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	c, m := d.Call, d.Member
	dueOn := ""
	if c.DueOn != nil {
		dueOn = isoDate(*c.DueOn)
	}
	siren := ""
	if m.Siren != nil {
		siren = *m.Siren
	}
	// Every row repeats the call's identity so that rows stay meaningful
	// once filtered or concatenated with other calls.
	row := func(lineID, kind, period, year, resource, label, amount, explanation string) []string {
		r := []string{c.Number, isoDate(c.IssuedOn), dueOn, m.Name, siren, lineID, kind, period, year, resource, label, amount, explanation}
		for i := range r {
			r[i] = CSVSafe(r[i])
		}
		return r
	}
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, l := range d.Lines {
		r := row(string(l.ID), string(l.Kind), string(l.Period), fmt.Sprint(l.FiscalYear),
			d.resourceName(l), l.Label, money.Format(l.Amount), l.Explanation)
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	if err := cw.Write(row("", "", "", "", "", "Total", money.Format(c.Total), "")); err != nil {
		return err
	}
	if err := cw.Write(row("", "", "", "", "", VATMention, "", "")); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// plainNumber matches the cells a spreadsheet may read as a number and
// nothing else: they are harmless even when they start with a sign.
var plainNumber = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)

// CSVSafe guards against CSV formula injection: names and labels come from
// users, and a cell starting with =, +, -, @, a tab or a carriage return
// may be run as a formula by spreadsheet software. Such a cell, unless it is
// a plain number (amounts), gets a leading single quote so it reads as text.
func CSVSafe(s string) string {
	if s == "" || plainNumber.MatchString(s) {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

func isoDate(t time.Time) string { return t.Format(time.DateOnly) }

func frDate(t time.Time) string { return t.Format("02/01/2006") }

var kindLabels = map[charge.Kind]string{
	charge.KindPROVISION:             "Provision",
	charge.KindREGULARIZATION:        "Régularisation",
	charge.KindSTARTUP_SERVICE:       "Prestation de démarrage",
	charge.KindSUPPLEMENTARY_SERVICE: "Prestation complémentaire",
	charge.KindMEMBERSHIP_FEE:        "Cotisation",
}

// KindLabel is the French name of a kind of charge.
func KindLabel(k charge.Kind) string {
	if s, ok := kindLabels[k]; ok {
		return s
	}
	return string(k)
}

var periodLabels = map[charge.Period]string{
	charge.PeriodQ1:       "1er trimestre",
	charge.PeriodQ2:       "2e trimestre",
	charge.PeriodQ3:       "3e trimestre",
	charge.PeriodYEAR_END: "Clôture de l’exercice",
	charge.PeriodSERVICES: "Prestations",
	charge.PeriodFEES:     "Cotisations",
}

// PeriodLabel is the French name of a charging period of a fiscal year,
// e.g. "1er trimestre 2026".
func PeriodLabel(p charge.Period, fiscalYear int) string {
	s, ok := periodLabels[p]
	if !ok {
		s = string(p)
	}
	return fmt.Sprintf("%s %d", s, fiscalYear)
}

//go:embed template.html
var templateText string

var page = template.Must(template.New("callforfunds").Parse(templateText))

// htmlView is what template.html prints: strings ready for display, which
// html/template escapes.
type htmlView struct {
	Number      string
	IssuedOn    string
	DueOn       string // "" when the call has no due date
	FiscalYear  int
	Issuer      Issuer
	MemberName  string
	MemberAddr  []string
	MemberSiren string
	Lines       []htmlLine
	TotalLabel  string
	Total       string
	Credit      bool
	VATMention  string
}

type htmlLine struct {
	Kind, Label, Explanation, Resource, Period, Amount string
	Credit                                             bool
}

// WriteHTML writes d as a self-contained printable A4 page in French:
// inline CSS, no external assets, no JavaScript. A negative total is shown
// as a credit, "Avoir en votre faveur", for its absolute amount.
func WriteHTML(w io.Writer, d Document) error {
	if err := d.check(); err != nil {
		return err
	}
	c, m := d.Call, d.Member
	v := htmlView{
		Number:     c.Number,
		IssuedOn:   frDate(c.IssuedOn),
		FiscalYear: c.FiscalYear,
		Issuer:     d.Issuer,
		MemberName: m.Name,
		TotalLabel: "Total à régler",
		Total:      money.French(c.Total),
		VATMention: VATMention,
	}
	if c.DueOn != nil {
		v.DueOn = frDate(*c.DueOn)
	}
	for _, a := range []string{m.Street, strings.TrimSpace(m.PostalCode + " " + m.City)} {
		if a != "" {
			v.MemberAddr = append(v.MemberAddr, a)
		}
	}
	if m.Siren != nil {
		v.MemberSiren = *m.Siren
	}
	if c.Total < 0 {
		v.Credit = true
		v.TotalLabel = "Avoir en votre faveur"
		v.Total = strings.TrimPrefix(v.Total, "-") // not -c.Total: MinInt64 has no opposite
	}
	for _, l := range d.Lines {
		v.Lines = append(v.Lines, htmlLine{
			Kind:        KindLabel(l.Kind),
			Label:       l.Label,
			Explanation: l.Explanation,
			Resource:    d.resourceName(l),
			Period:      PeriodLabel(l.Period, l.FiscalYear),
			Amount:      money.French(l.Amount),
			Credit:      l.Amount < 0,
		})
	}
	return page.Execute(w, v)
}
