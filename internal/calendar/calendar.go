// Package calendar turns instants into the calendar days the groupement
// works in: days in Europe/Paris, stored as midnight UTC like every date
// field.
package calendar

import (
	"time"
	_ "time/tzdata" // calendar logic in Europe/Paris on machines without a zone database
)

// Paris is the groupement's time zone.
var Paris = mustLoadLocation("Europe/Paris")

// Day returns the calendar day of t, as given, at midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DayInParis returns the calendar day of the instant t in Paris.
func DayInParis(t time.Time) time.Time { return Day(t.In(Paris)) }

// YearBounds returns the first and last days of year.
func YearBounds(year int) (first, last time.Time) {
	return time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC),
		time.Date(year, time.December, 31, 0, 0, 0, 0, time.UTC)
}

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
