package charging

import (
	"testing"
	"time"

	"communs/internal/store/storetest"
)

// TestMain removes the test databases' templates after the tests.
func TestMain(m *testing.M) { storetest.Main(m) }

// afterYear is a day after the year is over, when every step of it may run.
func afterYear(year int) time.Time { return time.Date(year+1, time.January, 15, 0, 0, 0, 0, time.UTC) }
