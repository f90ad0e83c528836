package directory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"
)

const lambert93 = "1,ATLASANTE,100,IGN,BD_ADRESSE,V2.1,LAMBERT_93"

func day(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func num(f float64) *float64 { return &f }

// goodEstablishments is what testdata/extract-good.csv holds.
var goodEstablishments = []Establishment{
	{
		Line: 2, FinessET: "210780110", FinessEJ: "210780037",
		Name: "IME LES PAPILLONS BLANCS", LongName: "INSTITUT MÉDICO-ÉDUCATIF LES PAPILLONS BLANCS",
		Street: "12 B R DES ÉCOLES", PostalCode: "21000", City: "DIJON", Department: "21", Phone: "0380000001",
		CategoryCode: "183", CategoryLabel: "Institut Médico-Educatif (I.M.E.)", Siret: "77556680700021",
		OpenedOn: day("1975-09-01"), AuthorizedOn: day("1974-06-15"),
		X: num(853512.4), Y: num(6694021.7), CoordSource: lambert93,
	},
	{
		Line: 3, FinessET: "580007128", FinessEJ: "580007045",
		Name: "ESAT DU VAL DE LOIRE", LongName: "ÉTABLISSEMENT ET SERVICE D'AIDE PAR LE TRAVAIL DU VAL DE LOIRE",
		Street: "3 AV DE LA GARE", PostalCode: "58000", City: "NEVERS", Department: "58", Phone: "0386000001",
		CategoryCode: "246", CategoryLabel: "Etablissement et Service d'Aide par le Travail (E.S.A.T.)",
		OpenedOn: day("1982-01-04"),
		X:        num(717230.0), Y: num(6650118.2), CoordSource: lambert93,
	},
	{
		Line: 4, FinessET: "890004567", FinessEJ: "890004492",
		Name: "MAS LA FONTAINE", LongName: `MAISON D'ACCUEIL SPÉCIALISÉE "LA FONTAINE"`,
		Street: "7 CHE DU MOULIN", PostalCode: "89000", City: "AUXERRE", Department: "89", Phone: "0386000101",
		CategoryCode: "255", CategoryLabel: "Maison d'Accueil Spécialisée (M.A.S.)",
		OpenedOn: day("1991-05-13"), AuthorizedOn: day("1990-12-20"),
		X: num(742861.9), Y: num(6743390.5), CoordSource: lambert93,
	},
	{
		Line: 5, FinessET: "2A0003455", FinessEJ: "2A0003372",
		Name: "FAM U SULLEONE", LongName: "FOYER D'ACCUEIL MÉDICALISÉ U SULLEONE",
		Street: "CHE DE LA CASTAGNETA", PostalCode: "20090", City: "AJACCIO", Department: "2A", Phone: "0495000001",
		CategoryCode: "437", CategoryLabel: "Foyer d'Accueil Médicalisé pour Adultes Handicapés (F.A.M.)",
		OpenedOn: day("2008-10-01"), AuthorizedOn: day("2006-07-21"),
		X: num(1188074.3), Y: num(6106577.1), CoordSource: lambert93,
	},
	{
		Line: 6, FinessET: "210009239", FinessEJ: "210780037",
		Name: "SESSAD LES PAPILLONS BLANCS", LongName: "SERVICE D'ÉDUCATION SPÉCIALE ET DE SOINS À DOMICILE",
		Street: "40 BD SAINT-JACQUES", PostalCode: "21209", City: "BEAUNE CEDEX", Department: "21", Phone: "0380000301",
		CategoryCode: "182", CategoryLabel: "Service d'Éducation Spéciale et de Soins à Domicile",
		OpenedOn: day("2001-09-03"), AuthorizedOn: day("2000-11-15"),
		X: num(839804.6), Y: num(6664932.8), CoordSource: lambert93,
	},
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustRead(t *testing.T, r io.Reader) *Extract {
	t.Helper()
	ex, err := ReadExtract(r)
	if err != nil {
		t.Fatalf("ReadExtract: %v", err)
	}
	return ex
}

// show prints an establishment with its pointers followed.
func show(e Establishment) string {
	deref := func(p any) string {
		switch v := p.(type) {
		case *time.Time:
			if v != nil {
				return v.Format(time.DateOnly)
			}
		case *float64:
			if v != nil {
				return fmt.Sprint(*v)
			}
		}
		return "nil"
	}
	return fmt.Sprintf("line %d ET %q EJ %q name %q long %q street %q cp %q city %q dept %q phone %q cat %q %q siret %q opened %s authorized %s x %s y %s source %q",
		e.Line, e.FinessET, e.FinessEJ, e.Name, e.LongName, e.Street, e.PostalCode, e.City, e.Department, e.Phone,
		e.CategoryCode, e.CategoryLabel, e.Siret, deref(e.OpenedOn), deref(e.AuthorizedOn), deref(e.X), deref(e.Y), e.CoordSource)
}

func checkEstablishments(t *testing.T, got, want []Establishment) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d establishments, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("establishment %d:\n got %s\nwant %s", i, show(got[i]), show(want[i]))
		}
	}
}

func TestReadExtractLatin1(t *testing.T) {
	t.Parallel()
	ex := mustRead(t, bytes.NewReader(readFile(t, "extract-good.csv")))
	checkEstablishments(t, ex.Establishments, goodEstablishments)
	if len(ex.Rejected) != 0 {
		t.Errorf("rejected %v", ex.Rejected)
	}
	if ex.Lines != 11 {
		t.Errorf("Lines = %d, want 11", ex.Lines)
	}
}

func TestReadExtractUTF8(t *testing.T) {
	t.Parallel()
	raw := readFile(t, "extract-utf8.csv")
	if !bytes.HasPrefix(raw, utf8BOM) || !bytes.Contains(raw, []byte("\r\n")) || !utf8.Valid(raw) {
		t.Fatal("testdata/extract-utf8.csv should be UTF-8 with a byte order mark and CRLF line ends")
	}
	latin1 := mustRead(t, bytes.NewReader(readFile(t, "extract-good.csv")))
	ex := mustRead(t, bytes.NewReader(raw))
	checkEstablishments(t, ex.Establishments, goodEstablishments)
	if !reflect.DeepEqual(ex, latin1) {
		t.Errorf("the UTF-8 and the ISO-8859-1 files read differently: %+v, %+v", ex.Rejected, latin1.Rejected)
	}
	// Without the byte order mark, it is recognised as UTF-8 all the same.
	noBOM := mustRead(t, bytes.NewReader(raw[len(utf8BOM):]))
	checkEstablishments(t, noBOM.Establishments, goodEstablishments)
}

// A reader that hands out one byte at a time splits the byte order mark and
// the multi-byte characters across reads.
func TestReadExtractByteByByte(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"extract-good.csv", "extract-utf8.csv", "extract-bad.csv"} {
		raw := readFile(t, name)
		whole := mustRead(t, bytes.NewReader(raw))
		for _, r := range []io.Reader{iotest.OneByteReader(bytes.NewReader(raw)), iotest.HalfReader(bytes.NewReader(raw)), iotest.DataErrReader(bytes.NewReader(raw))} {
			if got := mustRead(t, r); !reflect.DeepEqual(got, whole) {
				t.Errorf("%s read in pieces differs from %s read at once", name, name)
			}
		}
	}
}

func TestReadExtractBad(t *testing.T) {
	t.Parallel()
	ex := mustRead(t, bytes.NewReader(readFile(t, "extract-bad.csv")))
	want := []Establishment{
		{
			Line: 2, FinessET: "210780110", FinessEJ: "210780037", Name: "IME LES PAPILLONS BLANCS",
			Street: "12 B R DES ÉCOLES", PostalCode: "21000", City: "DIJON", Department: "21",
			CategoryCode: "183", CategoryLabel: "Institut Médico-Educatif (I.M.E.)",
			OpenedOn: day("1975-09-01"), AuthorizedOn: day("1974-06-15"),
			X: num(853512.4), Y: num(6694021.7), CoordSource: lambert93,
		},
		{
			// Its geolocalisation record has a bad coordinate: no coordinates.
			Line: 7, FinessET: "580007201", FinessEJ: "580007045", Name: "ESAT LES ATELIERS DU NIVERNAIS",
			Street: "1 R DE LA PAIX", PostalCode: "58200", City: "COSNE COURS SUR LOIRE", Department: "58",
			CategoryCode: "246", CategoryLabel: "Etablissement et Service d'Aide par le Travail (E.S.A.T.)",
			OpenedOn: day("1984-03-01"),
		},
		{
			// No address line and no geolocalisation record.
			Line: 10, FinessET: "2B0001119", FinessEJ: "2B0001036", Name: "SESSAD U LICCIU",
			PostalCode: "20200", City: "BASTIA", Department: "2B",
			CategoryCode: "182", CategoryLabel: "Service d'Éducation Spéciale et de Soins à Domicile",
			OpenedOn: day("2012-01-02"), AuthorizedOn: day("2011-06-30"),
		},
	}
	checkEstablishments(t, ex.Establishments, want)

	wantRejected := []struct {
		line    int
		reasons []string // parts of the reason
	}{
		{3, []string{"nofinesset", "580007129", "wrong check key", "want 8"}},
		{4, []string{`dateouv: bad date "1991-02-30"`}},
		{5, []string{"structureet record with 7 fields, want 32"}},
		{6, []string{"duplicate nofinesset 210780110, first at line 2"}},
		{9, []string{"nofinesset", "bad department", "Corsica is 2A or 2B"}},
		{12, []string{"geolocalisation for unknown establishment 750001232"}},
		{13, []string{"geolocalisation for establishment 890004567, rejected at line 4"}},
		{14, []string{"duplicate geolocalisation for 210780110, first at line 11"}},
		{15, []string{`coordxet: bad number "abc"`}},
		{16, []string{`unknown record type "structureej"`}},
		{17, []string{"geolocalisation record with 4 fields, want 6"}},
		{18, []string{"nofinessej", "89000449", "wrong length", "8 characters"}},
	}
	if len(ex.Rejected) != len(wantRejected) {
		t.Errorf("%d rejected lines, want %d: %+v", len(ex.Rejected), len(wantRejected), ex.Rejected)
	}
	for i := range min(len(ex.Rejected), len(wantRejected)) {
		got, w := ex.Rejected[i], wantRejected[i]
		if got.Line != w.line {
			t.Errorf("rejected %d: line %d (%s), want line %d", i, got.Line, got.Reason, w.line)
			continue
		}
		for _, part := range w.reasons {
			if !strings.Contains(got.Reason, part) {
				t.Errorf("line %d rejected for %q, want a reason with %q", got.Line, got.Reason, part)
			}
		}
	}
	if ex.Lines != 18 {
		t.Errorf("Lines = %d, want 18", ex.Lines)
	}
}

func TestReadExtractNotAnExtract(t *testing.T) {
	t.Parallel()
	const header = "finess;etalab;111;2026-05-12\n"
	const structure = "structureet;210780110;210780037;IME;;;;;;;;;231;21;COTE D'OR;21000 DIJON;;;183;IME;;;;;;;;;1975-09-01;;;\n"
	for name, in := range map[string]string{
		"comma-separated": "a,b,c\n1,2,3\n",
		"empty":           "",
		"blank lines":     "\n\n  \n",
		"no header":       structure,
		"header only":     header,
		"no structureet":  header + "geolocalisation;210780110;853512.4;6694021.7;" + lambert93 + ";2024-01-15\n",
		"unclosed quote":  `"finess;etalab` + "\n",
		"binary":          "\x00\x01\x02\xff\xfe",
	} {
		ex, err := ReadExtract(strings.NewReader(in))
		if !errors.Is(err, ErrNotExtract) || ex != nil {
			t.Errorf("%s: ReadExtract = %v, %v; want ErrNotExtract", name, ex, err)
		}
	}
	// The header and a structureet line are enough.
	ex, err := ReadExtract(strings.NewReader(header + structure))
	if err != nil || len(ex.Establishments) != 1 || ex.Establishments[0].Street != "" || ex.Lines != 2 {
		t.Errorf("minimal extract: %+v, %v", ex, err)
	}
}

func TestReadExtractIOError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	raw := readFile(t, "extract-good.csv")
	r := io.MultiReader(bytes.NewReader(raw[:300]), iotest.ErrReader(boom))
	if ex, err := ReadExtract(r); !errors.Is(err, boom) || ex != nil {
		t.Errorf("ReadExtract = %v, %v; want %v", ex, err, boom)
	}
}

func TestReadExtractGeolocalisationFirst(t *testing.T) {
	t.Parallel()
	in := "finess;etalab;111;2026-05-12\n" +
		"geolocalisation;210780110;853512.4;6694021.7;" + lambert93 + ";2024-01-15\n" +
		"geolocalisation;210780110;1;2;x;2024-01-15\n" +
		"structureet;210780110;210780037;IME;;;;;;;;;231;21;COTE D'OR;21000 DIJON;;;183;IME;;;;;;;;;;;;\n"
	ex := mustRead(t, strings.NewReader(in))
	if len(ex.Establishments) != 1 || ex.Establishments[0].X == nil || *ex.Establishments[0].X != 853512.4 {
		t.Fatalf("establishments %+v", ex.Establishments)
	}
	if len(ex.Rejected) != 1 || ex.Rejected[0].Line != 3 || !strings.Contains(ex.Rejected[0].Reason, "first at line 2") {
		t.Errorf("rejected %+v", ex.Rejected)
	}
}

func TestLatin1OrUTF8Reader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"abc", "abc"},
		{"", ""},
		{"\xef\xbb\xbfabc", "abc"},
		{"\xef\xbbabc", "ï»abc"},                     // not a byte order mark: ISO-8859-1
		{"caf\xe9 cr\xe8me", "café crème"},           // ISO-8859-1
		{"café crème", "café crème"},                 // UTF-8
		{"café \xe0 la cr\xe8me", "café à la crème"}, // UTF-8, with stray bytes
		{"\xc9cole", "École"},
		{"\xc3\xa9cole \xe9", "école é"},
		{"end \xc3", "end Ã"}, // a sequence cut by the end of the input
	} {
		b, err := io.ReadAll(newLatin1OrUTF8Reader(iotest.OneByteReader(strings.NewReader(tc.in))))
		if err != nil || string(b) != tc.want {
			t.Errorf("decode %q = %q, %v; want %q", tc.in, b, err, tc.want)
		}
		b, err = io.ReadAll(newLatin1OrUTF8Reader(strings.NewReader(tc.in)))
		if err != nil || string(b) != tc.want {
			t.Errorf("decode %q at once = %q, %v; want %q", tc.in, b, err, tc.want)
		}
	}
}

func TestWriteSyntheticExtract(t *testing.T) {
	t.Parallel()
	const n = 1000
	var a, b bytes.Buffer
	if err := WriteSyntheticExtract(&a, n); err != nil {
		t.Fatal(err)
	}
	if err := WriteSyntheticExtract(&b, n); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two synthetic extracts of the same size differ")
	}
	if utf8.Valid(a.Bytes()) || !bytes.Contains(a.Bytes(), []byte("Sp\xe9ciale")) {
		t.Error("the synthetic extract is not ISO-8859-1")
	}
	ex := mustRead(t, &a)
	if len(ex.Establishments) != n || len(ex.Rejected) != 0 {
		t.Fatalf("%d establishments, rejected %v", len(ex.Establishments), ex.Rejected)
	}
	if ex.Lines != 1+n+n*9/10 {
		t.Errorf("Lines = %d", ex.Lines)
	}
	categories, departments, geolocated := map[string]int{}, map[string]int{}, 0
	for _, e := range ex.Establishments {
		categories[e.CategoryCode+" "+e.CategoryLabel]++
		departments[e.Department]++
		if FINESSDepartment(e.FinessET) != e.Department || FINESSDepartment(e.FinessEJ) != e.Department {
			t.Errorf("%s, %s in department %s", e.FinessET, e.FinessEJ, e.Department)
		}
		if e.X != nil {
			geolocated++
		}
		if e.OpenedOn == nil || e.AuthorizedOn == nil || e.Street == "" || e.PostalCode == "" || e.City == "" {
			t.Errorf("incomplete: %s", show(e))
		}
	}
	for _, c := range []string{
		"183 Institut Médico-Educatif (I.M.E.)",
		"246 Etablissement et Service d'Aide par le Travail (E.S.A.T.)",
		"255 Maison d'Accueil Spécialisée (M.A.S.)",
		"437 Foyer d'Accueil Médicalisé pour Adultes Handicapés (F.A.M.)",
		"182 Service d'Éducation Spéciale et de Soins à Domicile",
		"500 Etablissement d'hébergement pour personnes âgées dépendantes",
	} {
		if categories[c] < n/10 {
			t.Errorf("%d establishments of category %s", categories[c], c)
		}
	}
	if len(categories) != 6 || len(departments) != 8 || departments["2A"] == 0 || departments["2B"] == 0 {
		t.Errorf("categories %v, departments %v", categories, departments)
	}
	if geolocated != n*9/10 {
		t.Errorf("%d geolocated, want %d", geolocated, n*9/10)
	}
	if err := WriteSyntheticExtract(io.Discard, -1); err == nil {
		t.Error("a negative size should fail")
	}
}

func BenchmarkReadExtract(b *testing.B) {
	const n = 40000
	var buf bytes.Buffer
	if err := WriteSyntheticExtract(&buf, n); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ex, err := ReadExtract(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if len(ex.Establishments) != n || len(ex.Rejected) != 0 {
			b.Fatalf("%d establishments, %d rejected", len(ex.Establishments), len(ex.Rejected))
		}
	}
}
