package seed

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// Identifiers are derived from the organisation's name, so that they stay
// the same from one run to the next and whatever the order of the tables.
// They are fictional: any match with a real organisation is chance.

func nameHash(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// sirenFor returns a SIREN number for the organisation: eight digits and a
// Luhn check digit.
func sirenFor(name string) string {
	base := fmt.Sprintf("%08d", 30_000_000+nameHash(name)%60_000_000)
	return base + luhnDigit(base)
}

// rnaFor returns a number of the Répertoire national des associations, "W"
// then nine digits starting with the département, or "" for organisations
// that are not registered there (foundations, associations of Alsace-Moselle
// which are registered with their tribunal).
func rnaFor(m memberRow) string {
	if m.form != assoc && m.form != union {
		return ""
	}
	return fmt.Sprintf("W%s2%06d", m.postal[:2], (nameHash(m.name)>>24)%1_000_000)
}

// finessFor returns a FINESS number of the legal entity: the département,
// six digits and a Luhn check digit. Federations that run no establishment
// have none.
func finessFor(m memberRow) string {
	if m.federation {
		return ""
	}
	base := fmt.Sprintf("%s0%05d", m.postal[:2], (nameHash(m.name)>>44)%100_000)
	return base + luhnDigit(base)
}

// luhnDigit returns the digit that makes base followed by it pass the Luhn
// check.
func luhnDigit(base string) string {
	sum := 0
	for i := range len(base) {
		d := int(base[len(base)-1-i] - '0')
		if i%2 == 0 { // once the check digit is appended, this digit is doubled
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return fmt.Sprint((10 - sum%10) % 10)
}

// contactEmail is the member's general address, at a fictional domain.
func contactEmail(m memberRow) string { return "contact@" + m.key + ".example" }

// projectLead returns the name and address of the member's internal project
// lead; i is the member's position in the members table.
func projectLead(m memberRow, i int) (name, email string) {
	first := leadFirstNames[i%len(leadFirstNames)]
	last := leadLastNames[(i*7)%len(leadLastNames)]
	return first + " " + last, asciiLower(first) + "." + asciiLower(last) + "@" + m.key + ".example"
}

var unaccent = strings.NewReplacer(
	"à", "a", "â", "a", "ç", "c", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"î", "i", "ï", "i", "ô", "o", "ù", "u", "û", "u", "ü", "u", " ", "-", "'", "",
)

func asciiLower(s string) string { return unaccent.Replace(strings.ToLower(s)) }

// day parses a calendar date of the tables as midnight UTC.
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic("seed: bad date in the demo tables: " + s)
	}
	return t
}

// instant parses an RFC 3339 time of the tables.
func instant(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic("seed: bad time in the demo tables: " + s)
	}
	return t.UTC()
}
