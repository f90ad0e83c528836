package serafin

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEmbeddedFileParses(t *testing.T) {
	if !utf8.Valid(nomenclatureCSV) {
		t.Fatal("nomenclature.csv is not UTF-8")
	}
	entries, err := parse(bytes.NewReader(nomenclatureCSV))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	// One row per code after the header.
	rows := strings.Count(strings.TrimSpace(string(nomenclatureCSV)), "\n")
	if len(entries) != rows {
		t.Errorf("parse returned %d entries for %d rows", len(entries), rows)
	}
	counts := map[Kind]int{}
	for _, e := range entries {
		counts[e.Kind]++
	}
	// JDV_J285 lists 35 needs, JDV_J284 37 direct services and JDV_J283 35
	// indirect services, their roots included.
	want := map[Kind]int{Need: 35, DirectService: 37, IndirectService: 35}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s: %d entries, want %d", k, counts[k], n)
		}
		if got := len(All(k)); got != n {
			t.Errorf("All(%s): %d entries, want %d", k, got, n)
		}
	}
}

func TestEveryParentExists(t *testing.T) {
	for _, k := range Kinds {
		for _, e := range All(k) {
			if e.Level != strings.Count(e.Code, ".")+1 {
				t.Errorf("%s: level %d", e.Code, e.Level)
			}
			if e.Parent == "" {
				if e.Level != 1 {
					t.Errorf("%s: no parent at level %d", e.Code, e.Level)
				}
				continue
			}
			p, ok := Lookup(e.Parent)
			if !ok {
				t.Errorf("%s: parent %s is not in the nomenclature", e.Code, e.Parent)
				continue
			}
			if p.Level != e.Level-1 || p.Kind != e.Kind || !strings.HasPrefix(e.Code, p.Code+".") {
				t.Errorf("%s: parent %+v does not fit", e.Code, p)
			}
			if !slices.Contains(Children(p.Code), e) {
				t.Errorf("%s is not among the children of %s", e.Code, p.Code)
			}
		}
	}
}

func TestKindMatchesFirstNumber(t *testing.T) {
	first := map[Kind]string{Need: "1", DirectService: "2", IndirectService: "3"}
	for _, k := range Kinds {
		for _, e := range All(k) {
			if e.Kind != k {
				t.Errorf("All(%s) holds %s of kind %s", k, e.Code, e.Kind)
			}
			if got, _, _ := strings.Cut(e.Code, "."); got != first[k] {
				t.Errorf("%s is of kind %s, which starts with %s", e.Code, k, first[k])
			}
			if strings.TrimSpace(e.Label) == "" || e.Label != strings.TrimSpace(e.Label) {
				t.Errorf("%s: label %q", e.Code, e.Label)
			}
		}
	}
}

func TestKnownCodes(t *testing.T) {
	for _, c := range []struct {
		code, label string
		kind        Kind
		parent      string
		level       int
	}{
		{"1", "Besoins", Need, "", 1},
		{"1.1", "Besoins en matière de santé somatique ou psychique", Need, "1", 2},
		{"1.1.10", "Besoins pour entretenir et prendre soin de sa santé", Need, "1.1", 3},
		{"1.2.1.4", "Besoins pour prendre des décisions adaptées et pour la sécurité", Need, "1.2.1", 4},
		{"1.3.3.5", "Besoins pour apprendre à être pair-aidant", Need, "1.3.3", 4},
		{"2.1", "Prestations de soins, de maintien et de développement des capacités fonctionnelles", DirectService, "2", 2},
		{"2.1.1.1", "Soins médicaux à visée préventive, curative et palliative", DirectService, "2.1.1", 4},
		{"2.1.2.1", "Prestations des auxiliaires médicaux, des instructeurs en locomotion et avéjistes", DirectService, "2.1.2", 4},
		{"2.2", "Prestations en matière d'autonomie", DirectService, "2", 2},
		{"2.3", "Prestations pour la participation sociale", DirectService, "2", 2},
		{"2.3.1.1", "Accompagnements à l'expression du projet personnalisé", DirectService, "2.3.1", 4},
		{"2.3.3.6", "Accompagnements pour l'exercice de mandats électoraux, la représentation des pairs et la pair aidance", DirectService, "2.3.3", 4},
		{"2.4.1", "Prestation de coordination renforcée pour la cohérence du parcours", DirectService, "2.4", 3},
		{"3.1", "Fonctions Gérer, manager, coopérer", IndirectService, "3", 2},
		{"3.1.4.3", "Prestations de supervision", IndirectService, "3.1.4", 4},
		{"3.2", "Fonctions logistiques", IndirectService, "3", 2},
		{"3.2.4.1", "Transports liés à accueillir (domicile-structure)", IndirectService, "3.2.4", 4},
	} {
		e, ok := Lookup(c.code)
		if !ok {
			t.Errorf("Lookup(%q): not found", c.code)
			continue
		}
		want := Entry{Code: c.code, Label: c.label, Kind: c.kind, Parent: c.parent, Level: c.level}
		if e != want {
			t.Errorf("Lookup(%q) = %+v, want %+v", c.code, e, want)
		}
		if err := Validate(c.code, c.kind); err != nil {
			t.Errorf("Validate(%q, %s): %v", c.code, c.kind, err)
		}
	}
	for _, code := range []string{"", "0", "4", "1.4", "2.5", "2.3.1.3", "1.1.11", "2.2.1.1", " 2.1", "2.1 ", "02.1", "2..1", "2.1."} {
		if e, ok := Lookup(code); ok {
			t.Errorf("Lookup(%q) = %+v, want not found", code, e)
		}
	}
}

func TestValidate(t *testing.T) {
	err := Validate("9.9.9", Need)
	if !errors.Is(err, ErrUnknownCode) {
		t.Fatalf("Validate of an unknown code: %v, want ErrUnknownCode", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "inconnu") || !strings.Contains(msg, "unknown") || !strings.Contains(msg, "9.9.9") {
		t.Errorf("the message should say in French and English which code is unknown: %s", msg)
	}

	err = Validate("2.1.1.1", Need)
	if !errors.Is(err, ErrKindMismatch) {
		t.Fatalf("Validate of a service as a need: %v, want ErrKindMismatch", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "prestation directe") || !strings.Contains(msg, "besoin") ||
		!strings.Contains(msg, "direct service") || !strings.Contains(msg, "need") {
		t.Errorf("the message should name both kinds in French and English: %s", msg)
	}
	for _, c := range []struct {
		code string
		kind Kind
	}{{"1.1.1", DirectService}, {"3.2.2.1", DirectService}, {"2.4", IndirectService}, {"1", IndirectService}} {
		if err := Validate(c.code, c.kind); !errors.Is(err, ErrKindMismatch) {
			t.Errorf("Validate(%q, %s) = %v, want ErrKindMismatch", c.code, c.kind, err)
		}
	}

	if err := Validate("1.1", "BESOIN"); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("Validate with an unknown kind: %v, want ErrUnknownKind", err)
	}
	if err := Validate("", Need); !errors.Is(err, ErrUnknownCode) {
		t.Errorf("Validate of an empty code: %v, want ErrUnknownCode", err)
	}
}

func TestNumericOrder(t *testing.T) {
	for _, k := range Kinds {
		all := All(k)
		for i := 1; i < len(all); i++ {
			if Compare(all[i-1].Code, all[i].Code) >= 0 {
				t.Errorf("All(%s): %s before %s", k, all[i-1].Code, all[i].Code)
			}
		}
	}
	// 1.1.10 comes after 1.1.9, not after 1.1.1.
	var codes []string
	for _, e := range Children("1.1") {
		codes = append(codes, e.Code)
	}
	want := []string{"1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.6", "1.1.7", "1.1.8", "1.1.9", "1.1.10"}
	if !slices.Equal(codes, want) {
		t.Errorf("Children(1.1) = %v, want %v", codes, want)
	}
	needs := All(Need)
	if i, j := indexOf(needs, "1.1.9"), indexOf(needs, "1.1.10"); i < 0 || j != i+1 {
		t.Errorf("All(NEED): 1.1.10 at %d, 1.1.9 at %d", j, i)
	}

	for _, c := range []struct {
		a, b string
		want int
	}{
		{"2.9", "2.10", -1},
		{"2.10", "2.9", 1},
		{"2.3", "2.3.1", -1},
		{"2.3.1", "2.4", -1},
		{"1.3.5.1", "2", -1},
		{"3.1.6", "3.2", -1},
		{"2.1.1.1", "2.1.1.1", 0},
	} {
		if got := Compare(c.a, c.b); got != c.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestChildren(t *testing.T) {
	var codes []string
	for _, e := range Children("3") {
		codes = append(codes, e.Code)
	}
	if !slices.Equal(codes, []string{"3.1", "3.2"}) {
		t.Errorf("Children(3) = %v", codes)
	}
	if got := Children("2.1.1.1"); len(got) != 0 {
		t.Errorf("Children of a leaf: %v", got)
	}
	if got := Children("9"); len(got) != 0 {
		t.Errorf("Children of an unknown code: %v", got)
	}
	if got := All("BESOIN"); len(got) != 0 {
		t.Errorf("All of an unknown kind: %v", got)
	}
	// The slices are copies.
	c := Children("2")
	c[0].Label = "changed"
	if Children("2")[0].Label == "changed" {
		t.Error("Children returns the package's own slice")
	}
	a := All(Need)
	a[0].Code = "changed"
	if All(Need)[0].Code == "changed" {
		t.Error("All returns the package's own slice")
	}
}

func TestParseRejectsMalformedFiles(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          "",
		"header only":    "code;label;kind\n",
		"wrong header":   "code,label,kind\n1,Besoins,NEED\n",
		"two columns":    "code;label;kind\n1;Besoins\n",
		"four columns":   "code;label;kind\n1;Besoins;NEED;x\n",
		"bad code":       "code;label;kind\n1;Besoins;NEED\n1.a;X;NEED\n",
		"zero":           "code;label;kind\n1;Besoins;NEED\n1.0;X;NEED\n",
		"leading zero":   "code;label;kind\n1;Besoins;NEED\n1.01;X;NEED\n",
		"trailing dot":   "code;label;kind\n1;Besoins;NEED\n1.;X;NEED\n",
		"no label":       "code;label;kind\n1; ;NEED\n",
		"unknown kind":   "code;label;kind\n1;Besoins;BESOIN\n",
		"kind mismatch":  "code;label;kind\n1;Besoins;NEED\n1.1;X;DIRECT_SERVICE\n",
		"unknown root":   "code;label;kind\n4;X;NEED\n",
		"duplicate":      "code;label;kind\n1;Besoins;NEED\n1;Besoins;NEED\n",
		"missing parent": "code;label;kind\n1;Besoins;NEED\n1.1.1;X;NEED\n",
	} {
		if _, err := parse(strings.NewReader(in)); err == nil {
			t.Errorf("%s: parse accepted %q", name, in)
		}
	}
	// Rows may come in any order; parse sorts them.
	got, err := parse(strings.NewReader("code;label;kind\n1.10;B;NEED\n1;A;NEED\n1.9;C;NEED\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Code != "1" || got[1].Code != "1.9" || got[2].Code != "1.10" {
		t.Errorf("parse order: %+v", got)
	}
}

func indexOf(entries []Entry, code string) int {
	return slices.IndexFunc(entries, func(e Entry) bool { return e.Code == code })
}
