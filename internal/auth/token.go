package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// newToken returns a random opaque token for the client and the hash the
// database keeps of it.
func newToken() (token string, hash []byte) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	token = base64.RawURLEncoding.EncodeToString(raw)
	return token, hashToken(token)
}

// hashToken is how a presented token is looked up: tokens are long random
// strings, so a fast hash is enough (no salt, no stretching).
func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
