// Package validate holds the format checks of French identifiers and other
// values that the schema and the services share.
package validate

import (
	"errors"
	"fmt"
	"net/mail"
)

// SIREN checks a SIREN number: nine digits whose Luhn checksum is valid.
func SIREN(s string) error {
	if len(s) != 9 || !allDigits(s) {
		return errors.New("a SIREN number has exactly 9 digits")
	}
	if !luhn(s) {
		return errors.New("the SIREN number fails its check digit (Luhn)")
	}
	return nil
}

// SIRET checks a SIRET number: the SIREN followed by a five-digit
// establishment number, fourteen digits whose Luhn checksum is valid (La
// Poste's establishments, SIREN 356000000, are summed differently and
// refused here).
func SIRET(s string) error {
	if len(s) != 14 || !allDigits(s) {
		return errors.New("a SIRET number has exactly 14 digits")
	}
	if !luhn(s) {
		return errors.New("the SIRET number fails its check digit (Luhn)")
	}
	return nil
}

// RNA checks a number of the Répertoire national des associations: "W"
// followed by nine digits.
func RNA(s string) error {
	if len(s) != 10 || s[0] != 'W' || !allDigits(s[1:]) {
		return errors.New("an RNA number is W followed by 9 digits")
	}
	return nil
}

// Email checks a single bare address (no display name).
func Email(s string) error {
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s {
		return fmt.Errorf("%q is not an email address", s)
	}
	return nil
}

// Percent checks a share expressed in percent.
func Percent(f float64) error {
	if !(f >= 0 && f <= 100) { // NaN fails both comparisons
		return errors.New("a share must lie between 0 and 100 %")
	}
	return nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func luhn(s string) bool {
	sum := 0
	for i := range len(s) {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
