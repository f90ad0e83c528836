package callforfunds

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"communs/ent"
	"communs/ent/charge"
	"communs/ent/schema/pulid"
)

const (
	memberID = pulid.ID("MBR01JD3X0000000000000000")
	srvID    = pulid.ID("RES01JD3X0000000000000001")
	mailID   = pulid.ID("RES01JD3X0000000000000002")
)

func ptr[T any](v T) *T { return &v }

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// sample is a call of 1 234,56 € with a credit line and a label trying a
// formula injection.
func sample() Document {
	lines := []*ent.Charge{
		{ID: "CHG01", MemberID: memberID, ResourceID: ptr(srvID), Kind: charge.KindPROVISION, FiscalYear: 2026, Period: charge.PeriodQ1, Amount: 100000, Label: "Hébergement serveurs",
			Explanation: "Provision T1 : 1/4 de la quote-part annuelle ; quote-part : 87\u00a0600 places·jours sur 486\u00a0755 × 23\u00a0228,24\u00a0€ de coûts budgétés"},
		{ID: "CHG02", MemberID: memberID, ResourceID: ptr(mailID), Kind: charge.KindREGULARIZATION, FiscalYear: 2025, Period: charge.PeriodYEAR_END, Amount: -5044, Label: "Régularisation messagerie"},
		{ID: "CHG03", MemberID: memberID, ResourceID: ptr(srvID), Kind: charge.KindSUPPLEMENTARY_SERVICE, FiscalYear: 2026, Period: charge.PeriodSERVICES, Amount: 14000, Label: `=HYPERLINK("http://evil.example","clic")`},
		{ID: "CHG04", MemberID: memberID, Kind: charge.KindMEMBERSHIP_FEE, FiscalYear: 2026, Period: charge.PeriodFEES, Amount: 14500, Label: "Cotisation annuelle"},
	}
	return Document{
		Call: &ent.CallForFunds{
			ID: "CFF01", MemberID: memberID, FiscalYear: 2026, Sequence: 1, Number: "AF-2026-0001",
			IssuedOn: date(2026, 1, 15), DueOn: ptr(date(2026, 2, 14)), Total: 123456,
		},
		Member: &ent.Member{
			ID: memberID, Name: "Association Les Tilleuls", Siren: ptr("123456789"),
			Street: "3 rue des Lilas", PostalCode: "69003", City: "Lyon",
		},
		Lines:         lines,
		Issuer:        Issuer{Name: "GSM Numérique Solidaire", Address: []string{"10 place Bellecour", "69002 Lyon"}, Siren: "987654321"},
		ResourceNames: map[pulid.ID]string{srvID: "Serveurs mutualisés", mailID: "Messagerie"},
	}
}

func readCSV(t *testing.T, d Document) (raw string, rows [][]string) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, d); err != nil {
		t.Fatalf("WriteCSV: %v", err)
	}
	raw = buf.String()
	if !strings.HasPrefix(raw, "\uFEFF") {
		t.Fatalf("CSV does not start with a UTF-8 BOM: %q", raw[:min(len(raw), 10)])
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse back: %v\n%s", err, raw)
	}
	return raw, rows
}

func TestWriteCSV(t *testing.T) {
	d := sample()
	_, rows := readCSV(t, d)

	if got, want := strings.Join(rows[0], ","), "number,issued_on,due_on,member,member_siren,line_id,kind,period,fiscal_year,resource,label,amount,explanation"; got != want {
		t.Errorf("header = %q, want %q", got, want)
	}
	if got, want := len(rows), 1+len(d.Lines)+2; got != want {
		t.Fatalf("%d rows, want %d (header, lines, total, mention)", got, want)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}

	first := rows[1]
	for h, want := range map[string]string{
		"number": "AF-2026-0001", "issued_on": "2026-01-15", "due_on": "2026-02-14",
		"member": "Association Les Tilleuls", "member_siren": "123456789", "line_id": "CHG01",
		"kind": "PROVISION", "period": "Q1", "fiscal_year": "2026", "resource": "Serveurs mutualisés",
		"label": "Hébergement serveurs", "amount": "1000.00", "explanation": d.Lines[0].Explanation,
	} {
		if first[col[h]] != want {
			t.Errorf("first line %s = %q, want %q", h, first[col[h]], want)
		}
	}
	if got := rows[2][col["amount"]]; got != "-50.44" {
		t.Errorf("credit amount = %q, want -50.44", got)
	}
	if got := rows[3][col["label"]]; got != `'=HYPERLINK("http://evil.example","clic")` {
		t.Errorf("formula label not neutralised: %q", got)
	}
	if got := rows[4][col["resource"]]; got != "" {
		t.Errorf("line without resource has resource %q", got)
	}

	total := rows[len(rows)-2]
	if total[col["label"]] != "Total" || total[col["amount"]] != "1234.56" {
		t.Errorf("total row = %q", total)
	}
	mention := rows[len(rows)-1]
	if mention[col["label"]] != VATMention || mention[col["amount"]] != "" {
		t.Errorf("mention row = %q", mention)
	}
}

func TestWriteCSVNoDueDateNoSiren(t *testing.T) {
	d := sample()
	d.Call.DueOn = nil
	d.Member.Siren = nil
	_, rows := readCSV(t, d)
	if rows[1][2] != "" || rows[1][4] != "" {
		t.Errorf("due_on, member_siren = %q, %q, want empty", rows[1][2], rows[1][4])
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=1+2":          "'=1+2",
		"+33 6 12":      "'+33 6 12",
		"-cmd|' /C'!A0": "'-cmd|' /C'!A0",
		"@SUM(A1)":      "'@SUM(A1)",
		"\tx":           "'\tx",
		"\rx":           "'\rx",
		"-1234.56":      "-1234.56",
		"+12":           "+12",
		"-":             "'-",
		"Total":         "Total",
		"":              "",
		"Ça va":         "Ça va",
	} {
		if got := CSVSafe(in); got != want {
			t.Errorf("CSVSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMemberNameInjectionCSV(t *testing.T) {
	d := sample()
	d.Member.Name = "=cmd()"
	_, rows := readCSV(t, d)
	for _, r := range rows[1:] {
		if r[3] != "'=cmd()" {
			t.Fatalf("member cell = %q", r[3])
		}
	}
}

func renderHTML(t *testing.T, d Document) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, d); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return buf.String()
}

func TestWriteHTML(t *testing.T) {
	d := sample()
	d.Member.Name = `<script>alert("x")</script> & Cie`
	out := renderHTML(t, d)
	for _, want := range []string{
		`<html lang="fr">`, `<meta charset="utf-8">`, "@page", "@media print",
		"Appel de fonds", "AF-2026-0001", "15/01/2026", "14/02/2026",
		"GSM Numérique Solidaire", "10 place Bellecour", "SIREN 987654321",
		"3 rue des Lilas", "69003 Lyon", "SIREN 123456789",
		"Libellé", "Ressource", "Période", "Montant",
		"Serveurs mutualisés", "Provision", "Prestation complémentaire", "1er trimestre 2026",
		"Total à régler", "1\u00a0234,56\u00a0€", "1\u00a0000,00\u00a0€", "-50,44\u00a0€",
		VATMention,
		"&lt;script&gt;",
		"87\u00a0600 places·jours sur 486\u00a0755 × 23\u00a0228,24\u00a0€ de coûts budgétés",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "Avoir", "href=", "src=", "<link", "<img"} {
		if strings.Contains(out, bad) {
			t.Errorf("HTML contains %q", bad)
		}
	}
}

func TestWriteHTMLCredit(t *testing.T) {
	d := sample()
	d.Lines = d.Lines[1:2] // the -50,44 € regularisation alone
	d.Call.Total = -5044
	d.Call.DueOn = nil
	out := renderHTML(t, d)
	if !strings.Contains(out, "Avoir en votre faveur") {
		t.Error("negative total not shown as a credit")
	}
	if strings.Contains(out, "Total à régler") {
		t.Error("credit shown as an amount to pay")
	}
	if strings.Contains(out, "échéance") {
		t.Error("due date shown although there is none")
	}
	if !strings.Contains(out, VATMention) {
		t.Error("VAT mention missing")
	}
}

func TestInconsistentDocumentRefused(t *testing.T) {
	for name, spoil := range map[string]func(*Document){
		"no call":      func(d *Document) { d.Call = nil },
		"no member":    func(d *Document) { d.Member = nil },
		"other member": func(d *Document) { d.Member = &ent.Member{ID: "MBR02", Name: "Autre"} },
		"foreign line": func(d *Document) { d.Lines[0].MemberID = "MBR02" },
		"wrong total":  func(d *Document) { d.Call.Total++ },
		"missing line": func(d *Document) { d.Lines = d.Lines[1:] },
		"nil line":     func(d *Document) { d.Lines[0] = nil },
	} {
		d := sample()
		spoil(&d)
		if err := WriteCSV(&bytes.Buffer{}, d); err == nil {
			t.Errorf("%s: WriteCSV accepted it", name)
		}
		if err := WriteHTML(&bytes.Buffer{}, d); err == nil {
			t.Errorf("%s: WriteHTML accepted it", name)
		}
	}
}
