package directory

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// refKey computes the key of the first eight characters of a FINESS number
// independently of finessKey: every character is read as a base-36 value
// (A is 10, B is 11), multiplied by its Luhn weight (2 for the 8th, 6th, 4th
// and 2nd characters, 1 for the others) and the decimal digits of each
// product are added up.
func refKey(t *testing.T, prefix string) string {
	t.Helper()
	if len(prefix) != 8 {
		t.Fatalf("refKey(%q): want 8 characters", prefix)
	}
	sum := 0
	for i, c := range prefix {
		v, err := strconv.ParseInt(string(c), 36, 0)
		if err != nil {
			t.Fatalf("refKey(%q): %v", prefix, err)
		}
		w := 1
		if i%2 == 1 { // 2nd, 4th, 6th, 8th: second, fourth… from the key
			w = 2
		}
		for _, d := range strconv.Itoa(int(v) * w) {
			sum += int(d - '0')
		}
	}
	return strconv.Itoa((10 - sum%10) % 10)
}

func TestValidFINESSKnownNumbers(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		// Records of the etalab extract quoted in public code.
		"010000024", // CH de Fleyriat, Bourg-en-Bresse (ET)
		"010780054", // its legal entity (EJ)
		"750712184", // AP-HP (EJ)
		"750100125", // GHU AP-HP Sorbonne Université, site Pitié-Salpêtrière (ET)
		"590799730", // ALEFPA (EJ)
		"970102018", // PMI Saint-Barthélemy, departement 9A
		"970210126", // CMPP Ducos, Martinique, 9B
		"970300026", // CH de Cayenne, 9C
		"970400024", // CHU site Félix Guyon, La Réunion, 9D
		"980501506", // lieu de vie, Mayotte, 9F
		"980600027", // Hôpital de Sia, Wallis-et-Futuna, 9J
		// Corsica, from the prefectures' official bulletins.
		"2A0000170", // CH de Bonifacio (EJ)
		"2A0000386", // CH de Castelluccio (EJ)
		"2A0002606", // CH de Sartène (EJ)
		"2B0000020", // CH de Bastia
		"2B0005342", // CH de Calvi
		"2B0004246", // CHI de Corte-Tattone
		"2B0003628", // EHPAD du CH de Bastia
		"2B0001341", // EHPAD Saint-André
	} {
		if err := ValidFINESS(s); err != nil {
			t.Errorf("ValidFINESS(%q) = %v, want nil", s, err)
		}
		if got := refKey(t, s[:8]); got != s[8:] {
			t.Errorf("reference key of %s = %s, the published key is %s", s[:8], got, s[8:])
		}
	}
}

func TestValidFINESSComputedKeys(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{
		"21000001", "58012345", "89076543", "75099999", "01000000", "95123456",
		"2A000012", "2B999999", "2A123456", "97010001", "98050123",
	} {
		s := prefix + refKey(t, prefix)
		if err := ValidFINESS(s); err != nil {
			t.Errorf("ValidFINESS(%q) = %v, want nil", s, err)
		}
		// Every other key is wrong.
		for k := '0'; k <= '9'; k++ {
			if other := prefix + string(k); other != s {
				if err := ValidFINESS(other); !errors.Is(err, ErrFINESSKey) {
					t.Errorf("ValidFINESS(%q) = %v, want a key error", other, err)
				}
			}
		}
	}
}

func TestValidFINESSErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		kind error
		msg  string // a part of the message
	}{
		{"", ErrFINESSLength, "0 characters"},
		{"01000002", ErrFINESSLength, "8 characters"},
		{"0100000244", ErrFINESSLength, "10 characters"},
		{" 010000024", ErrFINESSLength, "10 characters"},
		{"01000002é", ErrFINESSDigits, "only digits"},
		{"010000025", ErrFINESSKey, "want 4"},
		{"2B0000021", ErrFINESSKey, "want 0"},
		{"2A0000171", ErrFINESSKey, "want 0"},
		{"200000170", ErrFINESSDepartment, "Corsica is 2A or 2B"},
		{"000000000", ErrFINESSDepartment, `"00"`},
		{"960000000", ErrFINESSDepartment, `"96"`},
		{"990000000", ErrFINESSDepartment, `"99"`},
		{"9A0102018", ErrFINESSDepartment, "start with 97 or 98"},
		{"2a0000170", ErrFINESSDepartment, `"2a"`},
		{"2C0000170", ErrFINESSDepartment, `"2C"`},
		{"A10000024", ErrFINESSDepartment, `"A1"`},
		{"01A000024", ErrFINESSDigits, "character 3"},
		{"0100000B4", ErrFINESSDigits, "character 8"},
		{"01000002A", ErrFINESSDigits, "character 9"},
		{"75 100125", ErrFINESSDigits, "character 3"},
		{"2AA000170", ErrFINESSDigits, "character 3"},
	} {
		err := ValidFINESS(tc.in)
		if !errors.Is(err, tc.kind) {
			t.Errorf("ValidFINESS(%q) = %v, want %v", tc.in, err, tc.kind)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), tc.kind.Error()) {
			t.Errorf("ValidFINESS(%q) = %q, want a message with %q", tc.in, err, tc.msg)
		}
	}
}

func TestFINESSDepartment(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"010000024": "01",
		"750100125": "75",
		"2A0000170": "2A",
		"2B0000020": "2B",
		"970102018": "9A",
		"970210126": "9B",
		"970300026": "9C",
		"970400024": "9D",
		"970500000": "9E",
		"980501506": "9F",
		"980600027": "9J",
		"970900000": "", // an overseas prefix it does not know
		"010000025": "01",
		"200000170": "",
		"9A0102018": "",
		"01000002":  "",
		"":          "",
	} {
		if got := FINESSDepartment(in); got != want {
			t.Errorf("FINESSDepartment(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkValidFINESS(b *testing.B) {
	for range b.N {
		if ValidFINESS("2B0003628") != nil {
			b.Fatal("invalid")
		}
	}
}
