// Package directory reads the public register of French health and social
// establishments, FINESS (Fichier national des établissements sanitaires et
// sociaux): the format of its numbers and the "etalab" extract that the
// ministry publishes on data.gouv.fr.
package directory

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// The kinds of fault ValidFINESS reports. Its errors wrap one of them, so a
// caller can tell them apart with errors.Is; the message of the error itself
// says what exactly is wrong.
var (
	ErrFINESSLength     = errors.New("wrong length")
	ErrFINESSDepartment = errors.New("bad department")
	ErrFINESSDigits     = errors.New("not digits")
	ErrFINESSKey        = errors.New("wrong check key")
)

// A FINESS number has nine characters:
//
//   - two for the department: 01 to 19 and 21 to 95, 2A or 2B for Corsica
//     (never 20), and 97 or 98 overseas. Overseas numbers are digits only:
//     the first four characters are 9701 Guadeloupe, 9702 Martinique, 9703
//     Guyane, 9704 La Réunion, 9805 Mayotte (its old code 985) and 9806
//     Wallis-et-Futuna (986). The codes 9A, 9B, 9C, 9D, 9E, 9F and 9J are
//     what FINESS writes in the departement field of the extract for those
//     territories, not the start of a number: the mapping 971→9A, 972→9B,
//     973→9C, 974→9D, 975→9E, 976→9F is the transcoding table of the ANS
//     specification of the PHAR flow (github.com/ansforge/finess,
//     docs/flux/in/PHARMA-SI, DREES01-0012885 v1.5), 9J is Wallis-et-Futuna
//     in the extract, and every overseas record of the etalab extract seen
//     (etalab-cs1100502-stock-20260512, quoted verbatim in public test
//     fixtures) pairs a 9701…/9702…/9703…/9704…/9805…/9806… number with
//     9A/9B/9C/9D/9F/9J. Saint-Pierre-et-Miquelon (9E) is assumed to be 9705
//     by analogy; no number of it was found to confirm it;
//   - six digits;
//   - a check key, the Luhn digit of the first eight characters: from the
//     right, every second character (the 8th, 6th, 4th and 2nd) is doubled
//     and 9 taken off when the double exceeds 9, and the sum of all nine
//     values must be a multiple of 10.
//
// No official text was found that spells out how the letter of 2A and 2B
// enters the computation. The rule used here, A counts as 1 and B as 2 (so
// the key of 2A… is that of 21…, of 2B… that of 22…), was checked against
// fifteen real Corsican numbers published in the official bulletins of the
// prefectures (recueils des actes administratifs: Haute-Corse 2B-2024-02-015
// and 2B-2024-07-003, Corse-du-Sud 2A-2025-178): 2A0000170, 2A0000386,
// 2A0002606, 2B0000020, 2B0005342, 2B0004246, 2B0000442, 2B0003107,
// 2B0003057, 2B0004238, 2B0000939, 2B0003628, 2B0003073, 2B0000459 and
// 2B0001341 all pass, while counting the letters as 0 (as some NIR
// validators do) makes all fifteen fail. Reading A as 10 and B as 11 and
// adding the digits of the doubled value gives the same keys.

// ValidFINESS reports whether s is a well-formed FINESS number with a correct key.
// It returns nil or an error that says what is wrong: the length, the
// department, a character that is not a digit, or the key. s must be exactly
// the nine characters, upper case, without spaces.
func ValidFINESS(s string) error {
	if len(s) != 9 || !isASCII(s) {
		n := utf8.RuneCountInString(s)
		if n == 9 { // nine characters, but some are not ASCII
			return fmt.Errorf("FINESS number %q: %w: only digits, and A or B after a leading 2, are allowed", s, ErrFINESSDigits)
		}
		return fmt.Errorf("FINESS number %q: %w: %d characters, want 9", s, ErrFINESSLength, n)
	}
	if err := checkDepartment(s); err != nil {
		return err
	}
	for i := 2; i < 9; i++ {
		if c := s[i]; c < '0' || c > '9' {
			return fmt.Errorf("FINESS number %q: %w: character %d is %q, want a digit", s, ErrFINESSDigits, i+1, c)
		}
	}
	if want := finessKey(s[:8]); s[8] != want {
		return fmt.Errorf("FINESS number %q: %w: %c, want %c", s, ErrFINESSKey, s[8], want)
	}
	return nil
}

// FINESSDepartment returns the department of a FINESS number as the extract
// writes it in its departement field: "01" to "95", "2A", "2B", and for the
// overseas numbers "9A" (Guadeloupe), "9B" (Martinique), "9C" (Guyane), "9D"
// (La Réunion), "9E" (Saint-Pierre-et-Miquelon), "9F" (Mayotte) or "9J"
// (Wallis-et-Futuna). It returns "" when s does not start with a valid
// department or is not nine characters long, or for an overseas number whose
// territory it does not know. It does not check the key.
func FINESSDepartment(s string) string {
	if len(s) != 9 || checkDepartment(s) != nil {
		return ""
	}
	switch s[:2] {
	case "97", "98":
		return overseas[s[:4]]
	}
	return s[:2]
}

// overseas maps the first four characters of an overseas FINESS number to
// the department code of the extract.
var overseas = map[string]string{
	"9701": "9A",
	"9702": "9B",
	"9703": "9C",
	"9704": "9D",
	"9705": "9E", // assumed, see above
	"9805": "9F",
	"9806": "9J",
}

func checkDepartment(s string) error {
	a, b := s[0], s[1]
	switch {
	case a == '2' && (b == 'A' || b == 'B'):
		return nil
	case isDigit(a) && isDigit(b):
		switch n := int(a-'0')*10 + int(b-'0'); {
		case n == 20:
			return fmt.Errorf("FINESS number %q: %w: 20 is not used, Corsica is 2A or 2B", s, ErrFINESSDepartment)
		case n >= 1 && n <= 95, n == 97, n == 98:
			return nil
		}
	case a == '9' && b >= 'A' && b <= 'Z':
		return fmt.Errorf("FINESS number %q: %w: %s is the departement code of an overseas territory in the extract, its FINESS numbers start with 97 or 98", s, ErrFINESSDepartment, s[:2])
	}
	return fmt.Errorf("FINESS number %q: %w: %q, want 01 to 95 (not 20), 2A, 2B, 97 or 98", s, ErrFINESSDepartment, s[:2])
}

// WithFINESSKey completes the first eight characters of a FINESS number
// (department and order number, well-formed) with its check key.
func WithFINESSKey(first8 string) string { return first8 + string(finessKey(first8)) }

// finessKey returns the check key of the first eight characters of a FINESS
// number, which checkDepartment and the digit check have accepted.
func finessKey(s string) byte {
	sum := 0
	for i := 0; i < 8; i++ {
		// The key is the rightmost character, so from the right the eighth
		// character comes second and is doubled, the seventh is not, and so on.
		d := finessValue(s[7-i])
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

func finessValue(c byte) int {
	switch c {
	case 'A':
		return 1
	case 'B':
		return 2
	}
	return int(c - '0')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
