// Package scalar implements the custom GraphQL scalars: Money (through
// internal/money) and Date.
package scalar

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"communs/internal/money"
)

// MarshalMoney writes cents as a decimal string in euros.
func MarshalMoney(cents int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(money.Format(cents)))
	})
}

// UnmarshalMoney reads an amount given as a decimal string ("12.50"); an
// integer JSON number is taken as whole euros. Other numbers are refused:
// they cannot carry cents exactly.
func UnmarshalMoney(v any) (int64, error) {
	switch v := v.(type) {
	case string:
		return money.Parse(v)
	case json.Number, int, int64:
		euros, err := UnmarshalInt64(v)
		if err != nil {
			return 0, fmt.Errorf("Money must be a decimal string such as \"1234.56\" or a whole number of euros, not %v", v)
		}
		return money.Parse(strconv.FormatInt(euros, 10))
	default:
		return 0, fmt.Errorf("Money must be a decimal string such as \"1234.56\", not %T", v)
	}
}
