package aggregate

import (
	"fmt"
	"io"
	"strconv"

	"entgo.io/contrib/entgql"
)

// MaxGroups bounds the groups of one answer.
const MaxGroups = 1000

// Function is an aggregate function, as having and orderBy name it.
type Function string

// Aggregate functions.
const (
	Count         Function = "COUNT"
	CountDistinct Function = "COUNT_DISTINCT"
	Sum           Function = "SUM"
	Avg           Function = "AVG"
	Min           Function = "MIN"
	Max           Function = "MAX"
)

// MarshalGQL writes the function as a GraphQL enum value.
func (f Function) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(f))) }

// UnmarshalGQL reads a GraphQL enum value.
func (f *Function) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("enum values are strings, not %T", v)
	}
	*f = Function(s)
	return nil
}

// Request is what a query asks for.
type Request struct {
	GroupBy []Name
	// Distinct are the fields whose distinct values are counted.
	Distinct []Name
	// Sum, Avg, Min and Max are the measures each function is asked of,
	// by key (the GraphQL field: amount).
	Sum, Avg, Min, Max []string
	Having             []*Condition
	OrderBy            []*Order
	// First bounds the groups, at most MaxGroups; nil takes up to
	// MaxGroups and refuses a query that has more rather than cut it.
	First *int
}

// Condition keeps the groups whose aggregate compares as asked with the
// given values (a decimal number, in euros for money). The comparisons of
// one condition, and the conditions of a list, must all hold.
type Condition struct {
	Aggregate Function
	// Field is the measure of SUM, AVG, MIN and MAX.
	Field *Name
	// Distinct is the field of COUNT_DISTINCT.
	Distinct             *Name
	Gt, Gte, Lt, Lte, Eq *string
}

// Order sorts the groups on a key, or on an aggregate.
type Order struct {
	Key       *Name
	Aggregate *Function
	Field     *Name
	Distinct  *Name
	Direction entgql.OrderDirection
}
