// Package aggregate answers the dashboards' grouped queries
// (<entities>Aggregate in the API): one SQL GROUP BY over the rows a viewer
// may read, giving per group its keys, a count, distinct counts, and the
// sums, averages, minima and maxima of the numeric fields, money exact to
// the cent.
//
// The description of each aggregated entity (its group fields and
// measures) is generated from ent/schema (the Aggregated annotation) by
// codegen/ into package ent; the rows come from an ent query, so that the
// privacy rules narrow them exactly as they narrow the lists.
package aggregate

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// Kind is the kind of a field, which decides its SQL and its GraphQL value.
type Kind uint8

// Kinds of fields.
const (
	// Ref is a foreign key: the key is the row it points to.
	Ref Kind = iota + 1
	Enum
	Bool
	Int
	String
	// Date is a calendar day, stored at midnight UTC: bucketed as it is.
	Date
	// Time is an instant: bucketed in Europe/Paris, the groupement's days.
	Time
	// Money is an amount in integer cents.
	Money
	Float
)

// Unit is the size of a time bucket.
type Unit string

// Units of time buckets.
const (
	Day     Unit = "DAY"
	Month   Unit = "MONTH"
	Quarter Unit = "QUARTER"
	Year    Unit = "YEAR"
)

// Units lists the buckets every date and time field offers, smallest first.
var Units = []Unit{Day, Month, Quarter, Year}

// Join is an edge one hop away whose row gives a group field, such as a
// charge's member (for the member's category).
type Join struct {
	// Type is the entity the edge leads to; its row isolation applies.
	Type string
	// Table is its table, joined on Table.id = <entity>.Column.
	Table  string
	Column string
}

// Field is a group field or a measure of an entity.
type Field struct {
	// Name is the field's value in the GraphQL enums: MEMBER, KIND,
	// CREATED_AT_MONTH, AMOUNT.
	Name Name
	// Key is the field of the keys (or sums…) object that carries it:
	// member, kind, createdAt, amount.
	Key string
	// Column is the SQL column, in the entity's table or in Join's.
	Column string
	Kind   Kind
	// Unit is the bucket of a Date or Time group field.
	Unit Unit
	// Ref is the entity a Ref field points to.
	Ref string
	// Enum converts an Enum field's SQL value into its Go type.
	Enum func(string) any
	// Join is set for a field of the row an edge leads to.
	Join *Join
}

// Entity describes an aggregated entity.
type Entity struct {
	// Type is the ent type, "Charge".
	Type  string
	Table string
	// GroupBy are the fields a query may group by and count distinct.
	GroupBy []Field
	// CountOnly are fields only counted distinct, never group keys (they
	// would name a person).
	CountOnly []Field
	// Measures are the numeric fields: sums, averages, minima, maxima.
	Measures []Field
}

// Name is a value of an entity's GraphQL enums of group fields and
// measures. One Go type serves the enums of every entity: the GraphQL
// validation has checked the value against the entity's own enum.
type Name string

// MarshalGQL writes the name as a GraphQL enum value.
func (n Name) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(n))) }

// UnmarshalGQL reads a GraphQL enum value.
func (n *Name) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("enum values are strings, not %T", v)
	}
	*n = Name(s)
	return nil
}

// MarshalGQL writes the unit as a GraphQL enum value.
func (u Unit) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(u))) }

// UnmarshalGQL reads a GraphQL enum value.
func (u *Unit) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("enum values are strings, not %T", v)
	}
	*u = Unit(s)
	return nil
}

// Bucket is the key of a date or time field grouped by a unit: the first
// day of the bucket, and a label ("2026", "2026-Q2", "2026-04",
// "2026-04-15").
type Bucket struct {
	Unit  Unit
	Start time.Time
	Label string
}

func newBucket(unit Unit, start time.Time) *Bucket {
	label := start.Format(time.DateOnly)
	switch unit {
	case Month:
		label = start.Format("2006-01")
	case Quarter:
		label = fmt.Sprintf("%d-Q%d", start.Year(), (int(start.Month())+2)/3)
	case Year:
		label = start.Format("2006")
	}
	return &Bucket{Unit: unit, Start: start, Label: label}
}
