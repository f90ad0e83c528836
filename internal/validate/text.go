package validate

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxText is the most characters a string input may hold, unless its
// field says otherwise: a long note or description is a few thousand.
const MaxText = 10_000

// Text checks a string given by a client before it is stored or used: valid
// UTF-8, at most max characters (none: max 0), and no control characters
// but tabs and line breaks (a NUL byte would be cut or refused by the
// database, the others are invisible).
func Text(s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8 text")
	}
	if max > 0 && len(s) > max && utf8.RuneCountInString(s) > max {
		return fmt.Errorf("longer than %d characters", max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return fmt.Errorf("holds the control character %U", r)
		}
	}
	return nil
}
