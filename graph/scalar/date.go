package scalar

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// DateLayout is the text form of a Date: ISO 8601 calendar date.
const DateLayout = time.DateOnly

// MarshalDate writes a calendar day as "2026-03-31".
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(DateLayout)))
	})
}

// UnmarshalDate reads "2026-03-31" as midnight UTC of that day.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("Date must be a string such as \"2026-03-31\", not %T", v)
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (expected YYYY-MM-DD)", s)
	}
	if t.Year() < MinYear || t.Year() > MaxYear {
		return time.Time{}, fmt.Errorf("%q is out of range: a date falls in the years %d to %d", s, MinYear, MaxYear)
	}
	return t, nil
}

// The years a Date may fall in: no one supported was born before 1900,
// and no plan runs past 2199; a year 0 would be told apart by no database.
const (
	MinYear = 1900
	MaxYear = 2199
)
