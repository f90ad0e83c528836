package scalar

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

func TestMarshalMoney(t *testing.T) {
	for cents, want := range map[int64]string{0: `"0.00"`, 123456: `"1234.56"`, -310: `"-3.10"`, math.MinInt64: `"-92233720368547758.08"`} {
		var buf bytes.Buffer
		MarshalMoney(cents).MarshalGQL(&buf)
		if buf.String() != want {
			t.Errorf("MarshalMoney(%d) wrote %s, want %s", cents, buf.String(), want)
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
	for _, bad := range []any{"92233720368547758.07", "1.234", "abc", "", ".5", "1.", 1.5, "1e3", "--1", nil,
		" 1.00", "+1", json.Number("1.5"), json.Number("1e2"), json.Number("-0.5")} {
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
	for _, bad := range []any{"31/03/2026", "2026-02-30", 20260331, "0000-01-01", "1899-12-31", "2200-01-01", " 2026-03-31"} {
		if _, err := UnmarshalDate(bad); err == nil {
			t.Errorf("UnmarshalDate(%v) accepted", bad)
		}
	}
}

// Int is read as the GraphQL specification has it: a whole number within
// 32 bits, never a string or a float.
func TestUnmarshalInt(t *testing.T) {
	for in, want := range map[any]int{json.Number("7"): 7, int64(-3): -3, 12: 12, json.Number("2147483647"): math.MaxInt32} {
		if got, err := UnmarshalInt(in); err != nil || got != want {
			t.Errorf("UnmarshalInt(%v) = %d, %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []any{"1", json.Number("1.5"), json.Number("1e2"), 1.0, true, nil, json.Number("2147483648"), int64(math.MinInt32) - 1} {
		if got, err := UnmarshalInt(bad); err == nil {
			t.Errorf("UnmarshalInt(%#v) accepted as %d", bad, got)
		}
	}
}
