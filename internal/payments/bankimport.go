package payments

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"communs"
	"communs/ent"
	"communs/ent/callforfunds"
	"communs/ent/payment"
	"communs/internal/money"
	"communs/internal/txn"
)

// Statuses of a bank statement line after an import.
const (
	BankMatched         = "MATCHED"          // a payment was recorded for the call named
	BankAmbiguous       = "AMBIGUOUS"        // it names calls of several members: record it by hand
	BankUnmatched       = "UNMATCHED"        // no known call number: record it by hand
	BankAlreadyImported = "ALREADY_IMPORTED" // an earlier import recorded it
	BankRejected        = "REJECTED"         // not a receipt, or unreadable
)

// BankLine is a line of a bank statement and what the import did with it.
type BankLine struct {
	Line      int
	Date      *time.Time
	Amount    *int64
	Label     string
	Reference string
	Status    string
	Reason    string
	// Numbers are the call-for-funds numbers found in the label and reference.
	Numbers []string
	Payment *ent.Payment
}

// BankImportReport counts the lines of an import by status, and lists them.
type BankImportReport struct {
	Matched, Ambiguous, Unmatched, AlreadyImported, Rejected int
	Lines                                                    []*BankLine
}

// callNumberPattern finds call-for-funds numbers as banks pass them on: AF-2026-0012,
// AF 2026 0012, af20260012.
var callNumberPattern = regexp.MustCompile(`(?i)\bAF[\s\-_/]?(\d{4})[\s\-_/]?(\d{4,6})\b`)

// maxBankLines bounds one import.
const maxBankLines = 10_000

// ImportBankStatement records the receipts of a bank statement in CSV
// (date;label;amount;reference, semicolon-separated, UTF-8 or Latin-1, an
// optional header row; dates DD/MM/YYYY or YYYY-MM-DD, amounts 1234,56 or
// 1234.56). A line whose label or reference names calls for funds of one
// member becomes a payment of that member settling them first; a line
// naming several members' calls is ambiguous, one naming no known call
// unmatched: both are left to be recorded by hand. Debits are rejected.
// Importing the same file again records nothing: each line is recorded
// once (its date, amount, label, reference and rank among identical
// lines make its key).
func (s *Service) ImportBankStatement(ctx context.Context, content []byte) (*BankImportReport, error) {
	lines, err := readBankCSV(content)
	if err != nil {
		return nil, err
	}
	report := &BankImportReport{Lines: lines}
	err = txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		seen := map[string]int{}
		for _, l := range lines {
			if l.Status == BankRejected {
				continue
			}
			key := bankKey(l, seen)
			if err := s.importLine(ctx, tx, l, key); err != nil {
				return fmt.Errorf("line %d: %w", l.Line, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		report.count(l.Status)
		if l.Payment != nil {
			l.Payment = txn.Detached(ctx, l.Payment)
		}
	}
	return report, nil
}

func (r *BankImportReport) count(status string) {
	switch status {
	case BankMatched:
		r.Matched++
	case BankAmbiguous:
		r.Ambiguous++
	case BankUnmatched:
		r.Unmatched++
	case BankAlreadyImported:
		r.AlreadyImported++
	default:
		r.Rejected++
	}
}

// bankKey identifies a line across imports; seen ranks identical lines
// of one file, so that two equal transfers of a day are both recorded.
func bankKey(l *BankLine, seen map[string]int) string {
	text := fmt.Sprintf("%s|%d|%s|%s", l.Date.Format(time.DateOnly), *l.Amount, l.Label, l.Reference)
	seen[text]++
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%d", text, seen[text]))
	return "bank:" + hex.EncodeToString(sum[:16])
}

// importLine matches l with the calls it names and records it.
func (s *Service) importLine(ctx context.Context, tx *ent.Client, l *BankLine, key string) error {
	done, err := tx.Payment.Query().Where(payment.ImportKey(key)).Only(ctx)
	switch {
	case err == nil:
		l.Status, l.Reason, l.Payment = BankAlreadyImported, "recorded by an earlier import", done
		return nil
	case !ent.IsNotFound(err):
		return err
	}
	calls, err := tx.CallForFunds.Query().Where(callforfunds.NumberIn(l.Numbers...)).
		Order(ent.Asc(callforfunds.FieldNumber)).All(ctx)
	if err != nil {
		return err
	}
	members := map[string]bool{}
	for _, c := range calls {
		members[string(c.MemberID)] = true
	}
	switch {
	case len(calls) == 0:
		l.Status, l.Reason = BankUnmatched, "no known call-for-funds number in the label or reference"
		return nil
	case len(members) > 1:
		l.Status, l.Reason = BankAmbiguous, "it names calls for funds of several members"
		return nil
	}
	in := PaymentInput{MemberID: calls[0].MemberID, Amount: *l.Amount, ReceivedOn: *l.Date,
		Means: payment.MeansTRANSFER, BankReference: &l.Reference, Label: &l.Label}
	left := *l.Amount
	for _, c := range calls {
		if part := min(left, c.Total-c.Paid); part > 0 {
			in.Allocations = append(in.Allocations, &AllocationInput{CallForFundsID: c.ID, Amount: part})
			left -= part
		}
	}
	if err := s.check(in); err != nil {
		l.Status, l.Reason = BankRejected, err.Error()
		return nil
	}
	if l.Payment, err = s.record(ctx, tx, in, &key); err != nil {
		return err
	}
	l.Status = BankMatched
	return nil
}

// readBankCSV reads the lines of a bank statement; a line it cannot read
// is REJECTED with the reason, the others are left to match.
func readBankCSV(content []byte) ([]*BankLine, error) {
	content = bytes.TrimPrefix(content, []byte("\uFEFF"))
	if !utf8.Valid(content) {
		content = latin1ToUTF8(content)
	}
	r := csv.NewReader(bytes.NewReader(content))
	r.Comma, r.FieldsPerRecord, r.TrimLeadingSpace = ';', -1, true
	var lines []*BankLine
	for n := 1; ; n++ {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, communs.InvalidField("contentBase64", "line %d: %v", n, err)
		}
		if n == 1 && isHeader(record) || len(record) == 1 && strings.TrimSpace(record[0]) == "" {
			continue
		}
		if len(lines) == maxBankLines {
			return nil, communs.InvalidField("contentBase64", "at most %d lines per import", maxBankLines)
		}
		lines = append(lines, readBankLine(n, record))
	}
	return lines, nil
}

func isHeader(record []string) bool {
	return len(record) > 0 && strings.EqualFold(strings.TrimSpace(record[0]), "date")
}

// readBankLine reads date;label;amount;reference.
func readBankLine(n int, record []string) *BankLine {
	l := &BankLine{Line: n, Status: BankRejected}
	if len(record) < 3 {
		l.Reason = "expected date;label;amount;reference"
		return l
	}
	l.Label = strings.TrimSpace(record[1])
	if len(record) > 3 {
		l.Reference = strings.TrimSpace(record[3])
	}
	date, err := readDate(strings.TrimSpace(record[0]))
	if err != nil {
		l.Reason = err.Error()
		return l
	}
	amount, err := readAmount(record[2])
	if err != nil {
		l.Reason = err.Error()
		return l
	}
	l.Date, l.Amount = &date, &amount
	if amount <= 0 {
		l.Reason = "not a receipt (a debit or zero)"
		return l
	}
	if len([]rune(l.Label)) > maxTextLength || len([]rune(l.Reference)) > 100 {
		l.Reason = "label or reference too long"
		return l
	}
	for _, m := range callNumberPattern.FindAllStringSubmatch(l.Label+" "+l.Reference, -1) {
		if number := fmt.Sprintf("AF-%s-%s", m[1], m[2][len(m[2])-4:]); !slices.Contains(l.Numbers, number) {
			l.Numbers = append(l.Numbers, number)
		}
	}
	l.Status = ""
	return l
}

func readDate(s string) (time.Time, error) {
	for _, layout := range []string{"02/01/2006", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q: expected DD/MM/YYYY or YYYY-MM-DD", s)
}

// readAmount reads a French (1 234,56) or plain (1234.56) amount.
func readAmount(s string) (int64, error) {
	plain := strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", ",", ".").Replace(strings.TrimSpace(s))
	plain = strings.TrimPrefix(plain, "+")
	if !strings.Contains(plain, ".") {
		plain += ".00"
	}
	if i := strings.Index(plain, "."); len(plain)-i == 2 {
		plain += "0"
	}
	cents, err := money.Parse(plain)
	if err != nil {
		return 0, fmt.Errorf("amount %q: expected 1234,56 or 1234.56", s)
	}
	return cents, nil
}

// latin1ToUTF8 decodes ISO-8859-1, the encoding of many banks' exports.
func latin1ToUTF8(b []byte) []byte {
	runes := make([]rune, len(b))
	for i, c := range b {
		runes[i] = rune(c)
	}
	return []byte(string(runes))
}
