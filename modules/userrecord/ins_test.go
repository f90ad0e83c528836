package userrecord

import (
	"fmt"
	"strconv"
	"testing"
)

// insKeyOf computes the key of the 13 characters of an INS, independently
// of NormalizeINS: 97 − (the number mod 97), 2A counting as 19 and 2B as
// 18.
func insKeyOf(t *testing.T, body string) string {
	t.Helper()
	numeric := body
	switch body[5:7] {
	case "2A":
		numeric = body[:5] + "19" + body[7:]
	case "2B":
		numeric = body[:5] + "18" + body[7:]
	}
	n, err := strconv.ParseUint(numeric, 10, 64)
	if err != nil {
		t.Fatalf("test body %q: %v", body, err)
	}
	return fmt.Sprintf("%02d", 97-n%97)
}

func TestNormalizeINSAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		// Keys computed by hand (and checked by insKeyOf below).
		{"man, no spaces", "185057800608491", "185057800608491"},
		{"woman, with spaces", "2 69 02 75 123 456 80", "269027512345680"},
		{"Corsica 2A", "1 55 03 2A 001 230 22", "155032A00123022"},
		{"Corsica 2A lower case", "1 55 03 2a 001 230 22", "155032A00123022"},
		{"Corsica 2B", "2 78 11 2B 123 456 61", "278112B12345661"},
		{"NIA starting with 3", "301019912345679", "301019912345679"},
		{"NIA starting with 4", "4 99 12 99 000 001 33", "499129900000133"},
		{"temporary number starting with 7", "700000000000137", "700000000000137"},
		{"temporary number starting with 8", "8 12 34 56 789 012 67", "812345678901267"},
		{"key with a leading zero", "1 85 05 78 006 069 09", "185057800606909"},
		{"dots and dashes", "1.85.05.78.006.084-91", "185057800608491"},
		{"surrounding spaces", "  185057800608491  ", "185057800608491"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if key := insKeyOf(t, tt.want[:13]); key != tt.want[13:] {
				t.Fatalf("test case is wrong: the key of %s is %s, not %s", tt.want[:13], key, tt.want[13:])
			}
			got, err := NormalizeINS(tt.in)
			if err != nil {
				t.Fatalf("NormalizeINS(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("NormalizeINS(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeINSRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
	}{
		{"empty", ""},
		{"spaces only", "   "},
		{"13 characters, no key", "1850578006084"},
		{"14 characters", "18505780060849"},
		{"16 characters", "1850578006084910"},
		{"wrong key", "185057800608492"},
		{"key off by 97", "185057800608400"},
		{"Corsica 2A with the key of 2B", "155032A00123049"},
		{"Corsica 2B with the key of 2A", "278112B12345634"},
		{"Corsica 2A counted as 20", "155032A00123092"},
		{"letter in the number", "18505780O608491"},
		{"letters where Corsica is not", "1A5057800608491"},
		{"Corsica letters out of place", "15503002A123022"},
		{"letter in the key", "18505780060849A"},
		{"signed key", "1850578006069+9"},
		{"first digit 0", "0" + "850578006084" + "00"},
		{"first digit 5", "5850578006084" + insKeyOfStatic("5850578006084")},
		{"first digit 6", "6850578006084" + insKeyOfStatic("6850578006084")},
		{"first digit 9", "9850578006084" + insKeyOfStatic("9850578006084")},
		{"first character a letter", "A850578006084" + "91"},
	}
	// notes say what to look at in NormalizeINS when a case is accepted.
	notes := map[string]string{
		"signed key": "(the key must be two ASCII digits: strconv.Atoi alone accepts a leading '+')",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := NormalizeINS(tt.in); err == nil {
				t.Errorf("NormalizeINS(%q) = %q, want an error %s", tt.in, got, notes[tt.name])
			}
		})
	}
}

// insKeyOfStatic is insKeyOf for plain digits, usable in a table: the
// first-digit cases must fail on the first digit, not on the key.
func insKeyOfStatic(body string) string {
	n, err := strconv.ParseUint(body, 10, 64)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%02d", 97-n%97)
}
