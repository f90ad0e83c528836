package requestid

import (
	"context"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for id, want := range map[string]bool{
		"":                            false,
		"abc":                         true,
		"0f8e-4c2a_9.b:1":             true,
		strings.Repeat("a", MaxLen):   true,
		strings.Repeat("a", MaxLen+1): false,
		"a b":                         false,
		"a\nlevel=ERROR":              false,
		`a"b`:                         false,
		"é":                           false,
		"<script>":                    false,
	} {
		if got := Valid(id); got != want {
			t.Errorf("Valid(%q) = %v", id, got)
		}
	}
}

func TestNewAndContext(t *testing.T) {
	a, b := New(), New()
	if len(a) != 32 || !Valid(a) || a == b {
		t.Errorf("New: %q, %q", a, b)
	}
	if From(context.Background()) != "" || From(With(context.Background(), a)) != a {
		t.Error("context round trip")
	}
}
