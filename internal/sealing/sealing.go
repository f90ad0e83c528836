// Package sealing encrypts individual database fields at rest (sensitive
// health and social data) with AES-256-GCM from the standard library, and
// supports key rotation that can stop and resume at any point.
//
// A sealed value is a printable string, safe for a TEXT column:
//
//	v1.<key id>.<base64url without padding of nonce || ciphertext || tag>
//
// The key id travels in clear so that a value names the key that opens it:
// a keyring may hold several keys (the current one, which seals, and older
// ones, which still open), and a rotation finds the rows left on an old key
// with KeyID, without any key and without decrypting, so it can resume after
// a crash by simply looking again.
//
// Rotation, step by step:
//
//  1. AddKey appends a fresh key to the key file; it becomes current.
//  2. Every process restarts (or reloads) with the new keyring, so that new
//     writes are sealed with the new key. Old values still open, with the
//     old key still in the ring.
//  3. A job walks the sealed fields and calls Reseal on those whose KeyID is
//     not Current, writing each result back (ideally with a compare-and-swap
//     on the old value). If it crashes, running it again picks up where it
//     stopped: the rows already done report false.
//  4. When no value names the old key any more, its line may be removed from
//     the key file (by hand, after a backup: a value whose key is gone is
//     lost for good).
//
// What sealing does not hide: the length of the plaintext (GCM adds a fixed
// 28 bytes, nonce and tag, to it), whether two fields were sealed by the
// same key, and whether a field is present at all. Callers for whom the
// length is itself sensitive must pad before sealing.
package sealing

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
)

const (
	// KeySize is the length of a key in bytes: AES-256.
	KeySize = 32

	// version is the first field of every sealed value. A new format
	// (another cipher, another layout) would get "v2", and Open would
	// dispatch on it, so that values written by both can coexist during a
	// migration.
	version = "v1"

	// nonceSize is the standard GCM nonce. Nonces are random, so a key must
	// not seal more than about 2^32 values (NIST SP 800-38D, §8.3) before the
	// risk of a repeated nonce – which would expose the XOR of two
	// plaintexts and allow forgeries – stops being negligible. Rotating keys
	// keeps every key far from that bound.
	nonceSize = 12

	// maxKeyIDLen bounds key ids: they are repeated in every sealed value.
	maxKeyIDLen = 32
)

// The errors returned by Open, Reseal and KeyID wrap one of these, so that a
// caller may tell them apart with errors.Is. None of them ever carries the
// sealed value, the plaintext or any key material: a value handed to Open
// may in fact be a plaintext stored by mistake, and errors end up in logs.
var (
	// ErrMalformed means the value is not a sealed value of a known format.
	ErrMalformed = errors.New("sealing: malformed sealed value")
	// ErrUnknownKey means the value names a key that is not in the keyring:
	// it was retired too early, or the wrong key file was loaded.
	ErrUnknownKey = errors.New("sealing: unknown key id")
	// ErrAuthentication means the value does not open: it was tampered
	// with, it was sealed for other associated data (copied from another
	// row or field), or the key under its id is not the one that sealed it.
	ErrAuthentication = errors.New("sealing: authentication failed")
	// ErrNoAssociatedData means Seal or Open was called without associated
	// data; see Seal.
	ErrNoAssociatedData = errors.New("sealing: associated data is required")
)

// A Keyring holds the current key and the older ones still needed to open
// data. It seals with the current key and opens with whichever key a value
// names.
//
// A Keyring never changes once made, so it is safe for concurrent use by
// many goroutines; rotation builds a new one (see AddKey). It keeps only the
// ready AES-GCM ciphers, not the raw keys, and its String and GoString
// methods print key ids only, so that logging a Keyring by mistake (even
// with %#v) reveals no key material.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// NewKeyring returns a keyring sealing with keys[current] and opening with
// any key of keys. Every key must be exactly KeySize (32) bytes, every id 1
// to 32 characters among letters, digits, '-' and '_' (a '.' would make
// sealed values ambiguous, a space or ';' would break the key file format),
// and current must be one of the ids. The keys are copied: the caller may
// clear its slices afterwards.
func NewKeyring(current string, keys map[string][]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("sealing: no keys")
	}
	k := &Keyring{current: current, aeads: make(map[string]cipher.AEAD, len(keys))}
	for id, key := range keys {
		if !validKeyID(id) {
			// Not quoted: a key pasted in the wrong place must not end up
			// in a log.
			return nil, fmt.Errorf("sealing: invalid key id: want 1 to %d letters, digits, '-' or '_'", maxKeyIDLen)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("sealing: key %s is %d bytes, want %d", id, len(key), KeySize)
		}
		aead, err := newAEAD(key)
		if err != nil {
			return nil, fmt.Errorf("sealing: key %s: %w", id, err)
		}
		k.aeads[id] = aead
	}
	if _, ok := k.aeads[current]; !ok {
		// current is not valid or not among the keys: safe to print only
		// if it is a well-formed id.
		if validKeyID(current) {
			return nil, fmt.Errorf("sealing: current key %s is not among the keys", current)
		}
		return nil, errors.New("sealing: current key id is invalid or not among the keys")
	}
	return k, nil
}

// newAEAD wraps a 32-byte key in AES-GCM. aes.NewCipher expands the key
// into its own schedule, so the caller's slice is not retained.
func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block) // standard 12-byte nonce, 16-byte tag
}

// Current returns the id of the key that seals.
func (k *Keyring) Current() string { return k.current }

// IDs returns the ids of all the keys of the ring, sorted.
func (k *Keyring) IDs() []string {
	ids := make([]string, 0, len(k.aeads))
	for id := range k.aeads {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// String describes the keyring by its key ids only.
func (k *Keyring) String() string {
	return fmt.Sprintf("sealing.Keyring{current: %s, keys: %s}", k.current, strings.Join(k.IDs(), ","))
}

// GoString is String: %#v would otherwise print the AES key schedules.
func (k *Keyring) GoString() string { return k.String() }

// Seal encrypts plaintext with the current key and a fresh random nonce and
// returns "v1.<key id>.<base64url(nonce || ciphertext)>".
//
// associatedData is authenticated but neither encrypted nor stored: it binds
// the value to where it belongs, and Open must be given the same bytes. Use
// the table, the row's id and the field, as in "person/PRS01.../notes": a
// value copied by someone with write access to the database into another
// row or another field then fails to open instead of being silently shown
// as someone else's data. The format must be unambiguous (ids and field
// names contain no '/'). It is required: forgetting it would silently allow
// exactly that swap, so an empty one is refused with ErrNoAssociatedData.
//
// The version and key id are authenticated too, so the clear header of a
// value cannot be altered either.
//
// An empty plaintext is sealed like any other. This does not hide that the
// value is empty (its length shows it, see the package documentation), but
// it means every stored value of a sealed field is authenticated: someone
// with write access to the database cannot blank a field by writing "",
// since "" does not open. Store SQL NULL for "no value" if the distinction
// matters, and seal "" for "empty".
func (k *Keyring) Seal(plaintext, associatedData []byte) (string, error) {
	if len(associatedData) == 0 {
		return "", ErrNoAssociatedData
	}
	aead := k.aeads[k.current]
	// One buffer: nonce, then ciphertext and tag appended after it.
	buf := make([]byte, nonceSize, nonceSize+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		// crypto/rand.Read never fails since Go 1.24 (it crashes instead);
		// checked anyway: a nonce that is not random must never be used.
		return "", fmt.Errorf("sealing: reading random nonce: %w", err)
	}
	buf = aead.Seal(buf, buf[:nonceSize], plaintext, fullAD(k.current, associatedData))
	return header(k.current) + base64.RawURLEncoding.EncodeToString(buf), nil
}

// SealString is Seal for a string plaintext and string associated data.
func (k *Keyring) SealString(plaintext, associatedData string) (string, error) {
	return k.Seal([]byte(plaintext), []byte(associatedData))
}

// Open authenticates and decrypts a value made by Seal, with whichever key
// of the ring it names, and the same associated data it was sealed with. It
// fails with an error wrapping ErrMalformed, ErrUnknownKey,
// ErrAuthentication or ErrNoAssociatedData; no plaintext is returned unless
// the value is authentic. The result is never nil, even when empty.
func (k *Keyring) Open(sealed string, associatedData []byte) ([]byte, error) {
	if len(associatedData) == 0 {
		return nil, ErrNoAssociatedData
	}
	id, raw, err := parse(sealed)
	if err != nil {
		return nil, err
	}
	aead, ok := k.aeads[id]
	if !ok {
		// The id is well formed (parse checked it), so it may be shown: it
		// tells the operator which key is missing from the key file.
		return nil, fmt.Errorf("%w %s", ErrUnknownKey, id)
	}
	nonce, ciphertext := raw[:nonceSize], raw[nonceSize:]
	// Decrypt in place: the buffer is ours, and nothing is returned from it
	// unless the tag checks out.
	plaintext, err := aead.Open(ciphertext[:0], nonce, ciphertext, fullAD(id, associatedData))
	if err != nil {
		return nil, ErrAuthentication
	}
	if plaintext == nil {
		plaintext = []byte{}
	}
	return plaintext, nil
}

// OpenString is Open for a string plaintext and string associated data.
func (k *Keyring) OpenString(sealed, associatedData string) (string, error) {
	plaintext, err := k.Open(sealed, []byte(associatedData))
	if err != nil {
		return "", err
	}
	return string(plaintext), nil
}

// KeyID returns the id of the key that sealed a value, without opening it
// and without any key: a rotation selects with it the values still on an
// old key, so it can stop at any time and resume by looking again. The
// value is checked to be well formed, not authentic: only Open proves that.
func KeyID(sealed string) (string, error) {
	id, _, err := parse(sealed)
	return id, err
}

// Reseal re-encrypts a value under the current key, with the same
// associated data, and reports whether it did. When the value is already
// under the current key it is returned unchanged with false: there is
// nothing to write back, which is what lets a rotation run again after a
// crash without redoing its work.
//
// The value is always opened first, even when already current, so that a
// rotation job also checks every value it walks over: a tampered or
// misplaced value is reported as an error instead of being skipped, or
// worse, re-sealed – and thus made authentic – under the new key.
func (k *Keyring) Reseal(sealed string, associatedData []byte) (string, bool, error) {
	plaintext, err := k.Open(sealed, associatedData)
	if err != nil {
		return "", false, err
	}
	// Best effort only: Go may have copied the bytes elsewhere, but there
	// is no reason to leave this copy around.
	defer clear(plaintext)
	id, _, _ := parse(sealed) // cannot fail: Open just parsed it
	if id == k.current {
		return sealed, false, nil
	}
	resealed, err := k.Seal(plaintext, associatedData)
	if err != nil {
		return "", false, err
	}
	return resealed, true, nil
}

// header is the clear prefix of a value sealed with key id.
func header(id string) string { return version + "." + id + "." }

// fullAD is the associated data given to GCM: the clear header, then the
// caller's associated data. Authenticating the header means the version and
// key id cannot be altered, and since an id contains no '.', the header
// ends unambiguously where the caller's data begins.
func fullAD(id string, associatedData []byte) []byte {
	h := header(id)
	ad := make([]byte, 0, len(h)+len(associatedData))
	return append(append(ad, h...), associatedData...)
}

// parse splits a sealed value into its key id and its decoded payload
// (nonce || ciphertext || tag), checking its form strictly: one canonical
// spelling per payload, so that a value cannot be altered in its encoding
// without being refused. Errors never quote the value.
func parse(sealed string) (id string, raw []byte, err error) {
	rest, ok := strings.CutPrefix(sealed, version+".")
	if !ok {
		if v, _, found := strings.Cut(sealed, "."); found && isVersion(v) {
			// A later format read by an older binary: say so, it is the
			// likely cause during an upgrade.
			return "", nil, fmt.Errorf("%w: unsupported version %s", ErrMalformed, v)
		}
		return "", nil, ErrMalformed
	}
	id, payload, ok := strings.Cut(rest, ".")
	if !ok || !validKeyID(id) {
		return "", nil, ErrMalformed
	}
	// The decoder would skip '\r' and '\n'; refuse anything outside the
	// alphabet instead, so the payload has a single spelling.
	for i := 0; i < len(payload); i++ {
		if !isBase64URL(payload[i]) {
			return "", nil, ErrMalformed
		}
	}
	// Strict refuses non-zero padding bits, the other way to spell the same
	// bytes differently.
	raw, err = base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil {
		return "", nil, ErrMalformed
	}
	if len(raw) < nonceSize+16 { // a nonce and a tag, at least
		return "", nil, ErrMalformed
	}
	return id, raw, nil
}

// isVersion reports whether s looks like a format version: "v" and digits.
func isVersion(s string) bool {
	if len(s) < 2 || len(s) > 4 || s[0] != 'v' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validKeyID reports whether id may name a key: 1 to maxKeyIDLen letters,
// digits, '-' or '_'. These never need quoting in a sealed value, a key
// file, a log line or an error message.
func validKeyID(id string) bool {
	if id == "" || len(id) > maxKeyIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// isBase64URL reports whether c is in the base64url alphabet (no padding).
func isBase64URL(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}
