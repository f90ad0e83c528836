package directory

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The etalab extract of FINESS establishments ("Extraction du fichier des
// établissements", data.gouv.fr dataset
// finess-extraction-du-fichier-des-etablissements, files named like
// etalab-cs1100507-stock-YYYYMMDD-HHMM.csv) is a semicolon-separated file
// without column names. Its first line is a header, finess;etalab;<version>;
// <date>. Then come one structureet line per establishment (entité
// géographique) and, after them all, one geolocalisation line per
// geolocated establishment. The file has long been published in ISO-8859-1;
// the 2026 releases of the companion file (cs1100502, without
// geolocalisation) are UTF-8, with RFC 4180 quoting when a value holds a
// quote.
//
// The publisher's description (etalab_cs1100507.pdf) could not be read here.
// The columns below are those that independent public readers of the file
// agree on (FHIR converters, R and Python loaders on GitHub), and they match
// real records quoted verbatim in public test fixtures, for instance
//
//	structureet;010000024;010780054;CH DE FLEYRIAT;CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT;;;900;RTE;DE PARIS;;;451;01;AIN;01440 VIRIAT;0474454647;0474454114;355;Centre Hospitalier (C.H.);1102;Centres Hospitaliers;26010004500012;8610Z;03;ARS établissements Publics de santé dotation globale;1;Etablissement public de santé;1979-02-13;1979-02-13;2020-02-04;
//	geolocalisation;010000024;870262.2;6571540.8;1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole);2026-05-04
//
// A structureet line has 32 fields, the last one, numuai, usually empty
// after a trailing semicolon:
//
//	structureet;nofinesset;nofinessej;rs;rslongue;complrs;compldistrib;
//	numvoie;typvoie;voie;compvoie;lieuditbp;commune;departement;
//	libdepartement;ligneacheminement;telephone;telecopie;categetab;
//	libcategetab;categagretab;libcategagretab;siret;codeape;codemft;libmft;
//	codesph;libsph;dateouv;dateautor;datemaj;numuai
//
// and a geolocalisation line 6:
//
//	geolocalisation;nofinesset;coordxet;coordyet;sourcecoordet;datemaj
//
// numvoie is the street number, compvoie its repetition index (B for bis, T
// for ter, Q for quater…), typvoie a street-type code (R, AV, BD…), voie the
// street name. ligneacheminement is the postal routing line, "75013 PARIS" or
// "97306 CAYENNE CEDEX". departement is written 01…95, 2A, 2B, and 9A…9F, 9J
// overseas (see FINESSDepartment). Dates are YYYY-MM-DD. The coordinates are
// projected (Lambert 93 in mainland France and Corsica, UTM overseas), and
// sourcecoordet says how, e.g. "1,ATLASANTE,100,IGN,BD_ADRESSE,V2.1,LAMBERT_93".
const (
	recordStructure = "structureet"
	recordGeo       = "geolocalisation"

	structureFields = 32
	geoFields       = 6
)

// Columns of a structureet record.
const (
	colNoFinessET        = 1
	colNoFinessEJ        = 2
	colRS                = 3
	colRSLongue          = 4
	colNumVoie           = 7
	colTypVoie           = 8
	colVoie              = 9
	colCompVoie          = 10
	colDepartement       = 13
	colLigneAcheminement = 15
	colTelephone         = 16
	colCategEtab         = 18
	colLibCategEtab      = 19
	colSiret             = 22
	colDateOuv           = 28
	colDateAutor         = 29
)

// Columns of a geolocalisation record.
const (
	colGeoFiness = 1
	colCoordX    = 2
	colCoordY    = 3
	colCoordSrc  = 4
)

// ErrNotExtract is wrapped by the error ReadExtract returns for an input that
// is not a FINESS extract at all.
var ErrNotExtract = errors.New("not a FINESS extract")

// Establishment is one structureet record of the extract, with the
// coordinates of its geolocalisation record if there is one.
type Establishment struct {
	Line int // line number in the file (1-based) of its structureet record

	FinessET, FinessEJ string // nofinesset, nofinessej
	Name, LongName     string // rs, rslongue
	// Street is numvoie, compvoie, typvoie and voie joined by single spaces,
	// the repetition index after the number as an address writes it:
	// "12 B R DE LA GARE". The codes are kept as FINESS writes them.
	Street     string
	PostalCode string // ligneacheminement up to its first space
	City       string // ligneacheminement after its first space, with CEDEX if any
	Department string // departement: "21", "2A", "9A"…
	Phone      string

	CategoryCode, CategoryLabel string // categetab, libcategetab
	Siret                       string

	// dateouv and dateautor, at midnight UTC; nil when the field is empty.
	OpenedOn, AuthorizedOn *time.Time

	// From the geolocalisation record of the same nofinesset, if any: the
	// projected coordinates (nil when missing) and sourcecoordet.
	X, Y        *float64
	CoordSource string
}

// Rejected is a line that ReadExtract could not use, and why.
type Rejected struct {
	Line   int
	Reason string
}

// Extract is what ReadExtract read.
type Extract struct {
	Establishments []Establishment // in the order of the file
	Rejected       []Rejected      // by line number
	Lines          int             // number of lines in the file
}

// ReadExtract reads a whole extract. It never stops at a bad line: each one
// is rejected with its line number and reason (wrong field count, bad FINESS
// number, bad date, duplicate nofinesset, geolocalisation for an unknown or
// rejected establishment, duplicate geolocalisation, bad coordinate, unknown
// record type). The header line and empty lines are skipped. Only I/O errors
// and a file that is not a FINESS extract at all (first line not a header
// whose first field is "finess", or no structureet line at all) return an
// error.
//
// The input may be UTF-8 (with or without a byte order mark) or ISO-8859-1:
// it is read as UTF-8 until its first non-ASCII character, and as ISO-8859-1
// from the start if that character is not valid UTF-8. It is read as a
// stream: only the kept fields of each establishment stay in memory.
func ReadExtract(r io.Reader) (*Extract, error) {
	dec := newLatin1OrUTF8Reader(r)
	cr := csv.NewReader(dec)
	cr.Comma = ';'
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	p := parser{ex: &Extract{}, known: make(map[string]etState), interned: make(map[string]string)}
	header := false
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			if !header {
				return nil, fmt.Errorf("directory: %w: %v", ErrNotExtract, err)
			}
			p.reject(perr.StartLine, "unreadable line: "+perr.Err.Error())
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("directory: reading the FINESS extract: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if !header {
			if !strings.EqualFold(strings.TrimSpace(rec[0]), "finess") {
				return nil, fmt.Errorf("directory: %w: line %d, %q, is not a header finess;etalab;…", ErrNotExtract, line, shorten(strings.Join(rec, ";")))
			}
			header = true
			continue
		}
		switch kind := strings.TrimSpace(rec[0]); kind {
		case recordStructure:
			p.structure(line, rec)
		case recordGeo:
			p.geolocalisation(line, rec)
		default:
			p.reject(line, fmt.Sprintf("unknown record type %q", shorten(kind)))
		}
	}
	if !header {
		return nil, fmt.Errorf("directory: %w: the input is empty", ErrNotExtract)
	}
	if p.structures == 0 {
		return nil, fmt.Errorf("directory: %w: no structureet line", ErrNotExtract)
	}
	for _, g := range p.pending {
		if reason := p.applyGeo(g); reason != "" {
			p.reject(g.line, reason)
		}
	}
	p.ex.Establishments = make([]Establishment, 0, p.count)
	for _, c := range p.chunks {
		p.ex.Establishments = append(p.ex.Establishments, c...)
	}
	slices.SortStableFunc(p.ex.Rejected, func(a, b Rejected) int { return a.Line - b.Line })
	p.ex.Lines = dec.lineCount()
	return p.ex, nil
}

// etState is what the parser knows of a nofinesset met in a structureet
// record: the line of that record and the index of the establishment in
// Extract.Establishments, or -1 if the record was rejected.
type etState struct {
	line, index int
	geoLine     int // line of the geolocalisation record applied to it, or 0
}

type geo struct {
	line   int
	finess string
	x, y   *float64
	source string
}

type parser struct {
	ex         *Extract
	known      map[string]etState
	pending    []geo             // geolocalisation records read before their structureet
	interned   map[string]string // interned values
	structures int

	// The establishments are gathered in chunks, and copied once into
	// Extract.Establishments at the end, rather than moved again and again
	// by a growing slice.
	chunks [][]Establishment
	count  int
}

const chunkSize = 4096

func (p *parser) reject(line int, reason string) {
	p.ex.Rejected = append(p.ex.Rejected, Rejected{Line: line, Reason: reason})
}

func (p *parser) structure(line int, rec []string) {
	p.structures++
	if len(rec) != structureFields {
		p.reject(line, fmt.Sprintf("structureet record with %d fields, want %d", len(rec), structureFields))
		return
	}
	et := strings.TrimSpace(rec[colNoFinessET])
	if err := ValidFINESS(et); err != nil {
		p.reject(line, "nofinesset: "+err.Error())
		return
	}
	if prev, dup := p.known[et]; dup {
		p.reject(line, fmt.Sprintf("duplicate nofinesset %s, first at line %d", et, prev.line))
		return
	}
	reason := ""
	ej := strings.TrimSpace(rec[colNoFinessEJ])
	if err := ValidFINESS(ej); err != nil {
		reason = "nofinessej: " + err.Error()
	}
	var dates [2]time.Time
	opened, err := parseDate(rec[colDateOuv], &dates[0])
	if err != nil && reason == "" {
		reason = "dateouv: " + err.Error()
	}
	authorized, err := parseDate(rec[colDateAutor], &dates[1])
	if err != nil && reason == "" {
		reason = "dateautor: " + err.Error()
	}
	if reason != "" {
		p.known[strings.Clone(et)] = etState{line: line, index: -1}
		p.reject(line, reason)
		return
	}

	e := Establishment{
		Line:          line,
		FinessET:      et,
		FinessEJ:      ej,
		Name:          strings.TrimSpace(rec[colRS]),
		LongName:      strings.TrimSpace(rec[colRSLongue]),
		Street:        joinWords(rec[colNumVoie], rec[colCompVoie], rec[colTypVoie], rec[colVoie]),
		Department:    p.intern(rec[colDepartement]),
		Phone:         strings.TrimSpace(rec[colTelephone]),
		CategoryCode:  p.intern(rec[colCategEtab]),
		CategoryLabel: p.intern(rec[colLibCategEtab]),
		Siret:         strings.TrimSpace(rec[colSiret]),
	}
	if opened || authorized {
		d := new([2]time.Time) // one allocation for both
		*d = dates
		if opened {
			e.OpenedOn = &d[0]
		}
		if authorized {
			e.AuthorizedOn = &d[1]
		}
	}
	e.PostalCode, e.City = splitRoutingLine(rec[colLigneAcheminement])
	// The fields are substrings of the string the csv package made of the
	// whole record: copy them into one string of their own so that the
	// record is not kept alive. Department and categories, which repeat,
	// are interned instead.
	compact(&e.FinessET, &e.FinessEJ, &e.Name, &e.LongName, &e.PostalCode, &e.City, &e.Phone, &e.Siret)
	if len(p.chunks) == 0 || len(p.chunks[len(p.chunks)-1]) == chunkSize {
		p.chunks = append(p.chunks, make([]Establishment, 0, chunkSize))
	}
	last := &p.chunks[len(p.chunks)-1]
	p.known[e.FinessET] = etState{line: line, index: p.count}
	*last = append(*last, e)
	p.count++
}

// establishment returns the i-th establishment read.
func (p *parser) establishment(i int) *Establishment {
	return &p.chunks[i/chunkSize][i%chunkSize]
}

// intern returns s trimmed, as a string shared by all the equal values.
func (p *parser) intern(s string) string {
	s = strings.TrimSpace(s)
	if v, ok := p.interned[s]; ok {
		return v
	}
	if len(p.interned) >= 10000 { // not a repeated value after all
		return strings.Clone(s)
	}
	v := strings.Clone(s)
	p.interned[v] = v
	return v
}

func (p *parser) geolocalisation(line int, rec []string) {
	if len(rec) != geoFields {
		p.reject(line, fmt.Sprintf("geolocalisation record with %d fields, want %d", len(rec), geoFields))
		return
	}
	g := geo{line: line, finess: strings.TrimSpace(rec[colGeoFiness])}
	if err := ValidFINESS(g.finess); err != nil {
		p.reject(line, "nofinesset: "+err.Error())
		return
	}
	var xy [2]float64
	hasX, err := parseCoord(rec[colCoordX], &xy[0])
	if err != nil {
		p.reject(line, "coordxet: "+err.Error())
		return
	}
	hasY, err := parseCoord(rec[colCoordY], &xy[1])
	if err != nil {
		p.reject(line, "coordyet: "+err.Error())
		return
	}
	if hasX || hasY {
		c := new([2]float64) // one allocation for both
		*c = xy
		if hasX {
			g.x = &c[0]
		}
		if hasY {
			g.y = &c[1]
		}
	}
	g.source = p.intern(rec[colCoordSrc])
	if _, ok := p.known[g.finess]; !ok {
		// Its structureet may come later: decide at the end of the file.
		g.finess = strings.Clone(g.finess)
		p.pending = append(p.pending, g)
		return
	}
	if reason := p.applyGeo(g); reason != "" {
		p.reject(line, reason)
	}
}

// applyGeo gives the coordinates of g to their establishment, or returns why
// it cannot.
func (p *parser) applyGeo(g geo) string {
	st, ok := p.known[g.finess]
	switch {
	case !ok:
		return fmt.Sprintf("geolocalisation for unknown establishment %s", g.finess)
	case st.index < 0:
		return fmt.Sprintf("geolocalisation for establishment %s, rejected at line %d", g.finess, st.line)
	case st.geoLine != 0:
		return fmt.Sprintf("duplicate geolocalisation for %s, first at line %d", g.finess, st.geoLine)
	}
	e := p.establishment(st.index)
	e.X, e.Y, e.CoordSource = g.x, g.y, g.source
	st.geoLine = g.line
	p.known[g.finess] = st
	return ""
}

// parseDate reads a YYYY-MM-DD date at midnight UTC into *t; an empty field
// leaves it alone and returns false.
func parseDate(s string, t *time.Time) (bool, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return false, nil
	}
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y, ok1 := atoi(s[0:4])
		m, ok2 := atoi(s[5:7])
		d, ok3 := atoi(s[8:10])
		if ok1 && ok2 && ok3 && m >= 1 && m <= 12 && d >= 1 {
			*t = time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
			if t.Day() == d { // 2019-02-30 would have become 2019-03-02
				return true, nil
			}
		}
	}
	return false, fmt.Errorf("bad date %q, want YYYY-MM-DD", shorten(s))
}

func atoi(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// parseCoord reads a coordinate, with a decimal point or comma, into *f; an
// empty field leaves it alone and returns false.
func parseCoord(s string, f *float64) (bool, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return false, nil
	}
	v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil {
		return false, fmt.Errorf("bad number %q", shorten(s))
	}
	*f = v
	return true, nil
}

// splitRoutingLine splits "75013 PARIS" into its postal code and city at the
// first space. A line without a space is a postal code if it is all digits,
// a city otherwise.
func splitRoutingLine(s string) (postalCode, city string) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i], strings.TrimSpace(s[i+1:])
	}
	if _, ok := atoi(s); ok && s != "" {
		return s, ""
	}
	return "", s
}

// joinWords joins the words of its arguments with single spaces.
func joinWords(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		space := true // before the first word of p, as after a space
		for i := 0; i < len(p); i++ {
			c := p[i]
			if c == ' ' || c == '\t' {
				space = true
				continue
			}
			if space && len(b) > 0 {
				b = append(b, ' ')
			}
			space = false
			b = append(b, c)
		}
	}
	return string(b)
}

// compact copies the strings into one new string and points each of them at
// its part of it.
func compact(fields ...*string) {
	n := 0
	for _, f := range fields {
		n += len(*f)
	}
	var b strings.Builder
	b.Grow(n)
	for _, f := range fields {
		b.WriteString(*f)
	}
	all, off := b.String(), 0
	for _, f := range fields {
		l := len(*f)
		*f = all[off : off+l]
		off += l
	}
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// shorten cuts s for an error message.
func shorten(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

const (
	encUnknown = iota
	encUTF8
	encLatin1
)

// latin1OrUTF8Reader turns UTF-8 or ISO-8859-1 input into UTF-8. It strips a
// leading UTF-8 byte order mark, which also settles the encoding. Otherwise
// the first non-ASCII character settles it: UTF-8 if it is a valid UTF-8
// sequence, ISO-8859-1 if not. In a file read as UTF-8, a byte that is not
// part of a valid sequence is still read as ISO-8859-1 rather than lost. It
// also counts the lines it delivers.
type latin1OrUTF8Reader struct {
	src     io.Reader
	in      []byte // in[:nin] is input not decoded yet: an incomplete sequence
	nin     int
	out     []byte // decoded, out[off:] not delivered yet
	off     int
	enc     int
	started bool // the byte order mark was looked for
	err     error
	lines   int
	last    byte // last byte delivered
	any     bool // some byte was delivered
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func newLatin1OrUTF8Reader(r io.Reader) *latin1OrUTF8Reader {
	return &latin1OrUTF8Reader{src: r, in: make([]byte, 64<<10)}
}

func (d *latin1OrUTF8Reader) Read(p []byte) (int, error) {
	for d.off == len(d.out) {
		if d.err != nil {
			return 0, d.err
		}
		d.fill()
	}
	n := copy(p, d.out[d.off:])
	d.off += n
	return n, nil
}

func (d *latin1OrUTF8Reader) fill() {
	n, err := d.src.Read(d.in[d.nin:])
	d.nin += n
	if err != nil {
		d.err = err
	} else if n == 0 {
		return
	}
	final := d.err != nil
	data := d.in[:d.nin]
	if !d.started {
		if !final && len(data) < len(utf8BOM) && bytes.HasPrefix(utf8BOM, data) {
			return // wait: it may be a byte order mark
		}
		d.started = true
		if bytes.HasPrefix(data, utf8BOM) {
			data = data[len(utf8BOM):]
			d.enc = encUTF8
		}
	}
	d.out, d.off = d.out[:0], 0
	i := 0
	for i < len(data) {
		c := data[i]
		if c < utf8.RuneSelf {
			j := i + 1
			for j < len(data) && data[j] < utf8.RuneSelf {
				j++
			}
			d.out = append(d.out, data[i:j]...)
			i = j
			continue
		}
		if d.enc != encLatin1 {
			if !final && !utf8.FullRune(data[i:]) {
				break // the rest of the sequence comes with the next read
			}
			if r, size := utf8.DecodeRune(data[i:]); r != utf8.RuneError || size > 1 {
				d.enc = encUTF8
				d.out = append(d.out, data[i:i+size]...)
				i += size
				continue
			}
			if d.enc == encUnknown {
				d.enc = encLatin1
			}
		}
		d.out = utf8.AppendRune(d.out, rune(c))
		i++
	}
	d.nin = copy(d.in, data[i:])
	if len(d.out) > 0 {
		d.lines += bytes.Count(d.out, []byte{'\n'})
		d.last = d.out[len(d.out)-1]
		d.any = true
	}
}

// lineCount is the number of lines delivered, a last line without a newline
// included.
func (d *latin1OrUTF8Reader) lineCount() int {
	if d.any && d.last != '\n' {
		return d.lines + 1
	}
	return d.lines
}
