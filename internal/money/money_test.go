package money

import (
	"math"
	"strings"
	"testing"
)

func TestFormatAndParse(t *testing.T) {
	for _, tc := range []struct {
		text  string
		cents int64
	}{
		{"0.00", 0}, {"0.07", 7}, {"1234.56", 123456}, {"-3.10", -310},
		{"92233720368547758.07", math.MaxInt64}, {"-92233720368547758.08", math.MinInt64},
	} {
		if got := Format(tc.cents); got != tc.text {
			t.Errorf("Format(%d) = %q, want %q", tc.cents, got, tc.text)
		}
		if tc.cents == math.MinInt64 || tc.cents == math.MaxInt64 {
			continue
		}
		got, err := Parse(tc.text)
		if err != nil || got != tc.cents {
			t.Errorf("Parse(%q) = %d, %v, want %d", tc.text, got, err, tc.cents)
		}
	}
	for _, bad := range []string{"92233720368547758.07", "1.234", "abc", "", ".5", "1.", "1e3", "--1",
		" 1.00", "1.00 ", "+1", "1,00", "- 1", "1.0\n"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	// The error names the amount as given, sign included.
	if _, err := Parse("-0.001"); err == nil || !strings.Contains(err.Error(), `"-0.001"`) {
		t.Errorf("Parse(-0.001): %v", err)
	}
}

func TestFrench(t *testing.T) {
	for cents, want := range map[int64]string{
		0:         "0,00 €",
		7:         "0,07 €",
		99999:     "999,99 €",
		123456:    "1 234,56 €",
		-123456:   "-1 234,56 €",
		123456789: "1 234 567,89 €",
	} {
		want = strings.ReplaceAll(want, " ", "\u00a0")
		if got := French(cents); got != want {
			t.Errorf("French(%d) = %q, want %q", cents, got, want)
		}
	}
}

func TestFrenchInt(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 87600: "87 600", 486755: "486 755", -1234567: "-1 234 567"} {
		want = strings.ReplaceAll(want, " ", "\u00a0")
		if got := FrenchInt(n); got != want {
			t.Errorf("FrenchInt(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFraction(t *testing.T) {
	for _, tc := range []struct{ cents, num, den, want int64 }{
		{100, 1, 3, 33},
		{200, 1, 3, 67},
		{150, 1, 100, 2},   // 1.5 → 2: half away from zero
		{-150, 1, 100, -2}, // -1.5 → -2
		{149, 1, 100, 1},
		{-149, 1, 100, -1},
		{90, 1, 60, 2},           // 90 minute-cents at 1/60: 1.5 → 2
		{50000, 59, 365, 8082},   // 8082.19…
		{50000, 365, 365, 50000}, // a whole year
		{0, 7, 9, 0},
	} {
		if got := Fraction(tc.cents, tc.num, tc.den); got != tc.want {
			t.Errorf("Fraction(%d, %d, %d) = %d, want %d", tc.cents, tc.num, tc.den, got, tc.want)
		}
	}
}
