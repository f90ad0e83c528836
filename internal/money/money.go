// Package money is the arithmetic and the writing of amounts: int64 cents
// everywhere, written as a decimal string in euros ("1234.56") for the API
// and the exports, and the French way ("1 234,56 €") on documents.
package money

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Format writes cents as a decimal string in euros: 123456 → "1234.56".
func Format(cents int64) string {
	sign := ""
	u := uint64(cents)
	if cents < 0 {
		sign = "-"
		u = uint64(-(cents + 1)) + 1 // safe for math.MinInt64
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// Parse reads a decimal amount in euros ("1234.5", "-3", "0.07") into
// cents: an optional minus sign, digits, and at most two decimals, nothing
// around them. It refuses fractions of a cent rather than rounding them
// away, and names the amount as given, sign included.
func Parse(text string) (int64, error) {
	s, neg := strings.CutPrefix(text, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || !digits(whole) || (hasFrac && (len(frac) == 0 || len(frac) > 2 || !digits(frac))) {
		return 0, fmt.Errorf("%q is not an amount in euros (expected e.g. \"1234.56\", at most two decimals)", text)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	euros, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || euros > (math.MaxInt64-99)/100 {
		return 0, fmt.Errorf("%q is out of range", text)
	}
	cents := euros*100 + int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	if neg {
		cents = -cents
	}
	return cents, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// nbsp separates thousands, and the amount from its currency, without
// letting a line break split an amount.
const nbsp = "\u00a0"

// French writes cents the French way: 123456 → "1 234,56 €", with
// non-breaking spaces, and a leading "-" when negative.
func French(cents int64) string {
	s := Format(cents) // "-1234.56"
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	return sign + groupThousands(whole) + "," + frac + nbsp + "€"
}

// FrenchInt writes a whole number the French way: 486755 → "486 755".
func FrenchInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + groupThousands(s[1:])
	}
	return groupThousands(s)
}

// groupThousands separates the thousands of a string of digits with
// non-breaking spaces.
func groupThousands(digits string) string {
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(nbsp)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Fraction is cents × num / den rounded half away from zero to the cent:
// the exact share of an amount (den > 0; cents × num must fit in an int64).
func Fraction(cents, num, den int64) int64 {
	p := cents * num
	q, r := p/den, p%den // r has the sign of p
	if 2*max(r, -r) >= den {
		if p < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}
