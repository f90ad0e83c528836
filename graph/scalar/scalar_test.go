package scalar

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

func TestMoneyRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		text  string
		cents int64
	}{
		{"0.00", 0}, {"0.07", 7}, {"1234.56", 123456}, {"-3.10", -310},
		{"92233720368547758.07", math.MaxInt64}, {"-92233720368547758.08", math.MinInt64},
	} {
		if got := FormatMoney(tc.cents); got != tc.text {
			t.Errorf("FormatMoney(%d) = %q, want %q", tc.cents, got, tc.text)
		}
		if tc.cents == math.MinInt64 || tc.cents == math.MaxInt64 {
			continue
		}
		got, err := ParseMoney(tc.text)
		if err != nil || got != tc.cents {
			t.Errorf("ParseMoney(%q) = %d, %v, want %d", tc.text, got, err, tc.cents)
		}
	}
}

func TestUnmarshalMoney(t *testing.T) {
	good := map[any]int64{"12": 1200, "12.5": 1250, json.Number("3"): 300, 4: 400}
	for in, want := range good {
		if got, err := UnmarshalMoney(in); err != nil || got != want {
			t.Errorf("UnmarshalMoney(%v) = %d, %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []any{"92233720368547758.07", "1.234", "abc", "", ".5", "1.", 1.5, "1e3", "--1", nil} {
		if _, err := UnmarshalMoney(bad); err == nil {
			t.Errorf("UnmarshalMoney(%v) accepted", bad)
		}
	}
}

func TestDate(t *testing.T) {
	d, err := UnmarshalDate("2026-03-31")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	MarshalDate(d).MarshalGQL(&buf)
	if buf.String() != `"2026-03-31"` {
		t.Errorf("got %s", buf.String())
	}
	for _, bad := range []any{"31/03/2026", "2026-02-30", 20260331} {
		if _, err := UnmarshalDate(bad); err == nil {
			t.Errorf("UnmarshalDate(%v) accepted", bad)
		}
	}
}
