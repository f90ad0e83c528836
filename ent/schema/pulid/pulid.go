// Package pulid implements prefixed ULIDs: a short type prefix followed by a
// ULID, e.g. "MBR01JD3…". They sort by creation, reveal no counts, read the
// same on every database, and their prefix tells node(id:) which table to
// look in.
package pulid

import (
	"crypto/rand"
	"database/sql/driver"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// ID is a prefixed ULID.
type ID string

// ulidLength is the length of the ULID part of an ID in its text form.
const ulidLength = 26

var (
	entropyMu sync.Mutex
	entropy   = ulid.Monotonic(rand.Reader, 0)
)

// New returns a fresh ID with the given type prefix.
func New(prefix string) ID {
	entropyMu.Lock()
	defer entropyMu.Unlock()
	return ID(prefix + ulid.MustNew(ulid.Timestamp(time.Now()), entropy).String())
}

// Prefix returns the type prefix of the ID, or "" when it is not a
// well-formed prefixed ULID.
func (id ID) Prefix() string {
	if len(id) <= ulidLength {
		return ""
	}
	prefix, rest := string(id[:len(id)-ulidLength]), string(id[len(id)-ulidLength:])
	if _, err := ulid.ParseStrict(rest); err != nil {
		return ""
	}
	return prefix
}

// UnmarshalGQL implements graphql.Unmarshaler.
func (id *ID) UnmarshalGQL(v any) error {
	switch v := v.(type) {
	case string:
		*id = ID(v)
	case ID:
		*id = v
	default:
		return fmt.Errorf("an ID must be a string, not %T", v)
	}
	return nil
}

// MarshalGQL implements graphql.Marshaler.
func (id ID) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(id)))
}

// Scan implements sql.Scanner.
func (id *ID) Scan(src any) error {
	switch src := src.(type) {
	case string:
		*id = ID(src)
	case []byte:
		*id = ID(src)
	default:
		return fmt.Errorf("pulid: cannot scan %T", src)
	}
	return nil
}

// Value implements driver.Valuer.
func (id ID) Value() (driver.Value, error) { return string(id), nil }
