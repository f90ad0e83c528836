package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"communs"
)

// argon2id parameters: the OWASP baseline (19 MiB, 2 passes, 1 lane), which
// keeps a login near 20 ms on the groupement's small servers.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password length bounds: the CNIL's recommendation for passwords used
// alone is at least 12 characters; the upper bound caps hashing work.
const (
	minPasswordLength = 12
	maxPasswordLength = 128
)

var b64 = base64.RawStdEncoding

// checkPassword refuses passwords too short or too long to be hashed.
func checkPassword(field, password string) error {
	switch n := utf8.RuneCountInString(password); {
	case n < minPasswordLength:
		return communs.InvalidField(field, "a password has at least %d characters", minPasswordLength)
	case n > maxPasswordLength:
		return communs.InvalidField(field, "a password has at most %d characters", maxPasswordLength)
	}
	return nil
}

// HashPassword returns the argon2id hash of password in the PHC string
// format, which carries its own parameters and salt.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("malformed password hash")

// verifyPassword reports whether password matches the encoded hash, in
// constant time for hashes of the same parameters.
func verifyPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false, errBadHash
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}
