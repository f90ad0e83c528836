package scalar

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalInt writes an Int.
func MarshalInt(i int) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Itoa(i))
	})
}

// UnmarshalInt reads an Int strictly, as the GraphQL specification has it:
// a whole number within 32 bits, never a string ("1") nor a float (1.5).
func UnmarshalInt(v any) (int, error) {
	i, err := UnmarshalInt64(v)
	if err != nil {
		return 0, err
	}
	if i < math.MinInt32 || i > math.MaxInt32 {
		return 0, fmt.Errorf("%d is out of the range of Int (32 bits)", i)
	}
	return int(i), nil
}

// MarshalInt64 writes an Int held in 64 bits.
func MarshalInt64(i int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.FormatInt(i, 10))
	})
}

// UnmarshalInt64 reads a whole number: a JSON integer from the variables
// or an integer literal from the document, nothing else.
func UnmarshalInt64(v any) (int64, error) {
	switch v := v.(type) {
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case json.Number:
		i, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s is not a whole number within 64 bits", v)
		}
		return i, nil
	default:
		return 0, fmt.Errorf("an Int must be a whole number, not %T", v)
	}
}
