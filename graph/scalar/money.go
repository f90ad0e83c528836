// Package scalar implements the custom GraphQL scalars: Money and Date.
package scalar

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// FormatMoney renders cents as a decimal string in euros: 123456 → "1234.56".
func FormatMoney(cents int64) string {
	sign := ""
	u := uint64(cents)
	if cents < 0 {
		sign = "-"
		u = uint64(-(cents + 1)) + 1 // safe for math.MinInt64
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// ParseMoney reads a decimal amount in euros ("1234.5", "-3", "0.07") into
// cents. It refuses fractions of a cent rather than rounding them away.
func ParseMoney(s string) (int64, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || !digits(whole) || (hasFrac && (len(frac) == 0 || len(frac) > 2 || !digits(frac))) {
		return 0, fmt.Errorf("%q is not an amount in euros (expected e.g. \"1234.56\")", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	euros, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || euros > (math.MaxInt64-99)/100 {
		return 0, errors.New("amount out of range")
	}
	cents := euros*100 + int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	if neg {
		cents = -cents
	}
	return cents, nil
}

// MarshalMoney writes cents as a decimal string in euros.
func MarshalMoney(cents int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(FormatMoney(cents)))
	})
}

// UnmarshalMoney reads an amount given as a decimal string ("12.50"); an
// integer JSON number is taken as whole euros. Floats are refused: they
// cannot carry cents exactly.
func UnmarshalMoney(v any) (int64, error) {
	switch v := v.(type) {
	case string:
		return ParseMoney(v)
	case json.Number:
		return ParseMoney(v.String())
	case int:
		return ParseMoney(strconv.Itoa(v))
	case int64:
		return ParseMoney(strconv.FormatInt(v, 10))
	default:
		return 0, fmt.Errorf("Money must be a decimal string such as \"1234.56\", not %T", v)
	}
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
