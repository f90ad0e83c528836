// Package serafin ships the SERAFIN-PH nomenclatures (Services et
// Établissements : Réforme pour une Adéquation des FINancements aux parcours
// des Personnes Handicapées) as data, for the user record module: the needs
// of the person (besoins, codes 1.x), the direct services (prestations
// directes, 2.x) and the indirect services (prestations indirectes, 3.x)
// that answer them.
//
// The nomenclatures were built by the CNSA and the DGCS (adopted in January
// 2016, revised by the comité stratégique of 27 April 2018). The codes and
// labels of nomenclature.csv are those of the national terminology server
// of the ANS (Agence du numérique en santé), CodeSystem
// https://smt.esante.gouv.fr/terminologie-SERAFINPH (version 2023.1.0), as
// its value sets list them:
//
//   - JDV_J285_Besoins_SERAFIN (OID 1.2.250.1.213.3.3.254) for the needs;
//   - JDV_J284_PrestationsDirects_SERAFIN (1.2.250.1.213.3.3.253) for the
//     direct services;
//   - JDV_J283_PrestationsIndirects_SERAFIN (1.2.250.1.213.3.3.252) for the
//     indirect services,
//
// all three version 20241025120000, published in the ANS implementation
// guide "Terminologies de Santé" (github.com/ansforge/IG-terminologie-de-sante).
// These are the value sets that the ANS guide for the transfer of user
// record data (TDDUI) binds its SERAFIN codes to, so a code accepted here is
// one those exchanges use. The labels are copied as published, typing slips
// included (3.1.1.2 "previsionnelle", "competences", "socIal"; 3.2.4.2
// "developpement"), so that they match the display of the terminology.
//
// Where the ANS value sets stop above the fourth level, so does this
// package: the needs of 1.1 are coded 1.1.1 to 1.1.10 and the autonomy
// services 2.2.1 to 2.2.3, as in the ANS terminology. Other ANS tables (the
// ROR's TRE_R265-PrestationPilotageSerafin and the concept map
// ASS_A14-FamilleActivite-ActiviteOperationnelle) number the three
// autonomy services 2.2.1.1 to 2.2.1.3 instead, like the CNSA booklet; those
// codes are not included, since their parent's label could not be checked.
// The fourth-level codes 3.1.6.1 and 3.2.5.1 of the booklet are absent from
// the ANS value sets and from this package too.
package serafin

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Kind is the nomenclature a code belongs to.
type Kind string

// The three nomenclatures. The first number of a code tells its kind: 1 for
// a need, 2 for a direct service, 3 for an indirect service.
const (
	Need            Kind = "NEED"
	DirectService   Kind = "DIRECT_SERVICE"
	IndirectService Kind = "INDIRECT_SERVICE"
)

// Kinds are the three kinds, in code order.
var Kinds = []Kind{Need, DirectService, IndirectService}

// kindOfRoot maps the first number of a code to its kind.
var kindOfRoot = map[string]Kind{"1": Need, "2": DirectService, "3": IndirectService}

// Valid reports whether k is one of the three kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Label is the French name of the kind.
func (k Kind) Label() string {
	switch k {
	case Need:
		return "besoin"
	case DirectService:
		return "prestation directe"
	case IndirectService:
		return "prestation indirecte"
	}
	return string(k)
}

// Entry is one code of the nomenclatures.
type Entry struct {
	// Code is the dotted code, such as "2.3.1.1".
	Code string
	// Label is its French label, as the ANS terminology publishes it.
	Label string
	Kind  Kind
	// Parent is the code one level up ("2.3.1" for "2.3.1.1"), "" for the
	// three roots 1, 2 and 3.
	Parent string
	// Level is the number of parts of the code: 1 for a root, 4 for the
	// most detailed codes.
	Level int
}

// The kinds of fault Validate reports. Its errors wrap one of them, so a
// caller can tell them apart with errors.Is.
var (
	ErrUnknownCode  = errors.New("unknown SERAFIN-PH code")
	ErrKindMismatch = errors.New("SERAFIN-PH code of another kind")
	ErrUnknownKind  = errors.New("unknown SERAFIN-PH kind")
)

//go:embed nomenclature.csv
var nomenclatureCSV []byte

// The nomenclature, loaded once from nomenclatureCSV.
var (
	byCode   map[string]Entry
	children map[string][]Entry // by parent code, sorted
	byKind   map[Kind][]Entry   // sorted
)

func init() {
	entries, err := parse(bytes.NewReader(nomenclatureCSV))
	if err != nil {
		// The file is part of the build: a test parses it too.
		panic("serafin: nomenclature.csv: " + err.Error())
	}
	byCode = make(map[string]Entry, len(entries))
	children = make(map[string][]Entry)
	byKind = make(map[Kind][]Entry, len(Kinds))
	for _, e := range entries { // already in code order
		byCode[e.Code] = e
		if e.Parent != "" {
			children[e.Parent] = append(children[e.Parent], e)
		}
		byKind[e.Kind] = append(byKind[e.Kind], e)
	}
}

// parse reads the nomenclature: a header row code;label;kind, then one row
// per code, in UTF-8 with semicolons. It checks that every code is well
// formed and given once, that its kind matches its first number and that
// its parent is in the file, and returns the entries in code order.
func parse(r io.Reader) ([]Entry, error) {
	cr := csv.NewReader(r)
	cr.Comma = ';'
	cr.FieldsPerRecord = 3
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, errors.New("the file is empty")
		}
		return nil, err
	}
	if strings.Join(header, ";") != "code;label;kind" {
		return nil, fmt.Errorf("header %q, want code;label;kind", strings.Join(header, ";"))
	}
	var entries []Entry
	seen := map[string]bool{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		code, label, kind := rec[0], strings.TrimSpace(rec[1]), Kind(rec[2])
		parts, err := splitCode(code)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if label == "" {
			return nil, fmt.Errorf("line %d: code %s has no label", line, code)
		}
		if !kind.Valid() {
			return nil, fmt.Errorf("line %d: code %s: kind %q, want one of %v", line, code, kind, Kinds)
		}
		if want, ok := kindOfRoot[parts[0]]; !ok || want != kind {
			return nil, fmt.Errorf("line %d: code %s is of kind %s, but its first number says %q", line, code, kind, want)
		}
		if seen[code] {
			return nil, fmt.Errorf("line %d: code %s is given twice", line, code)
		}
		seen[code] = true
		entries = append(entries, Entry{
			Code:   code,
			Label:  label,
			Kind:   kind,
			Parent: strings.Join(parts[:len(parts)-1], "."),
			Level:  len(parts),
		})
	}
	if len(entries) == 0 {
		return nil, errors.New("no code")
	}
	for _, e := range entries {
		if e.Parent != "" && !seen[e.Parent] {
			return nil, fmt.Errorf("code %s: its parent %s is missing", e.Code, e.Parent)
		}
	}
	slices.SortFunc(entries, func(a, b Entry) int { return Compare(a.Code, b.Code) })
	return entries, nil
}

// splitCode splits a dotted code into its numbers, each a positive integer
// written without a leading zero.
func splitCode(code string) ([]string, error) {
	if code == "" {
		return nil, errors.New("empty code")
	}
	parts := strings.Split(code, ".")
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || strconv.Itoa(n) != p {
			return nil, fmt.Errorf("malformed code %q: want positive numbers separated by dots, such as 2.3.1.1", code)
		}
	}
	return parts, nil
}

// Compare orders two codes number by number, so that 2.10 comes after 2.9
// and a code comes right before its children (2.3 < 2.3.1 < 2.4). Parts that
// are not numbers compare as text after the numbers, so any two strings
// have an order.
func Compare(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, errA := strconv.Atoi(pa[i])
		nb, errB := strconv.Atoi(pb[i])
		var c int
		switch {
		case errA == nil && errB == nil:
			c = na - nb
			if c == 0 {
				c = strings.Compare(pa[i], pb[i]) // "01" and "1"
			}
		case errA == nil:
			c = -1
		case errB == nil:
			c = 1
		default:
			c = strings.Compare(pa[i], pb[i])
		}
		if c != 0 {
			if c < 0 {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(pa) < len(pb):
		return -1
	case len(pa) > len(pb):
		return 1
	}
	return 0
}

// Lookup returns the entry of a code, and whether the code is in the
// nomenclatures. The code must be written exactly as in the nomenclature.
func Lookup(code string) (Entry, bool) {
	e, ok := byCode[code]
	return e, ok
}

// Validate checks that code is a code of the nomenclature of the given
// kind. It returns nil, or an error, in French then in English, that wraps
// ErrUnknownCode (the code is in none of the nomenclatures),
// ErrKindMismatch (it is a code of another one, such as a need where a
// service is expected) or ErrUnknownKind (kind is not one of the three).
func Validate(code string, kind Kind) error {
	if !kind.Valid() {
		return fmt.Errorf("type de nomenclature SERAFIN-PH inconnu %q (attendu : %s) / %w %q (want %s)",
			string(kind), joinKinds(), ErrUnknownKind, string(kind), joinKinds())
	}
	e, ok := Lookup(code)
	if !ok {
		return fmt.Errorf("code SERAFIN-PH inconnu %q : il ne figure dans aucune des nomenclatures / %w %q: it is in none of the nomenclatures",
			code, ErrUnknownCode, code)
	}
	if e.Kind != kind {
		return fmt.Errorf("le code SERAFIN-PH %s (%s) est un code de %s, pas de %s / %w: %s is a %s code, not a %s code",
			e.Code, e.Label, e.Kind.Label(), kind.Label(), ErrKindMismatch, e.Code, kindEnglish(e.Kind), kindEnglish(kind))
	}
	return nil
}

func kindEnglish(k Kind) string {
	switch k {
	case Need:
		return "need"
	case DirectService:
		return "direct service"
	case IndirectService:
		return "indirect service"
	}
	return string(k)
}

func joinKinds() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Children returns the codes one level under code, in code order; none for
// a code of the most detailed level or a code that is not in the
// nomenclatures. The caller may modify the slice.
func Children(code string) []Entry {
	return slices.Clone(children[code])
}

// All returns every code of a nomenclature, its root included, in code
// order (number by number: 1.1.10 after 1.1.9); none for an unknown kind.
// The caller may modify the slice.
func All(kind Kind) []Entry {
	return slices.Clone(byKind[kind])
}
