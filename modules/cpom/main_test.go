package cpom

import (
	"testing"

	"communs/internal/store/storetest"
)

// TestMain removes the test databases' templates after the tests.
func TestMain(m *testing.M) { storetest.Main(m) }
