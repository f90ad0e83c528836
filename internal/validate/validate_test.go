package validate

import (
	"math"
	"testing"
)

func TestSIREN(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"732829320", true},  // a well-known valid SIREN
		{"552100554", true},  // idem
		{"732829321", false}, // wrong check digit
		{"73282932", false},  // too short
		{"73282932A", false}, // not digits
		{"", false},
	} {
		if err := SIREN(tc.in); (err == nil) != tc.ok {
			t.Errorf("SIREN(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestRNAEmailPercent(t *testing.T) {
	if RNA("W751234567") != nil || RNA("X751234567") == nil || RNA("W75123456") == nil {
		t.Error("RNA")
	}
	if Email("a@b.fr") != nil || Email("Jo <a@b.fr>") == nil || Email("nope") == nil {
		t.Error("Email")
	}
	if Percent(0) != nil || Percent(100) != nil || Percent(-0.1) == nil || Percent(100.5) == nil || Percent(math.NaN()) == nil {
		t.Error("Percent")
	}
}

func TestSIRET(t *testing.T) {
	for s, ok := range map[string]bool{
		"73282932000074": true,  // INSEE's example
		"73282932000075": false, // wrong key
		"7328293200007":  false,
		"7328293200007A": false,
	} {
		if err := SIRET(s); (err == nil) != ok {
			t.Errorf("SIRET(%q) = %v", s, err)
		}
	}
}
