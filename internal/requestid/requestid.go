// Package requestid carries the id of the HTTP request being served in its
// context. The HTTP layer (internal/server) sets it; the GraphQL error
// presenter and the logs read it, so that an error shown to a client can be
// found in the logs. It imports nothing of ours, so every layer may use it.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// Header is the HTTP header that carries a request id, in and out.
const Header = "X-Request-ID"

// MaxLen is the longest incoming request id accepted.
const MaxLen = 128

type ctxKey struct{}

// With returns a context carrying the request id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// From returns the request id carried by ctx, or "".
func From(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// New returns a fresh random request id: 32 hexadecimal digits.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// Valid reports whether an incoming id is sane enough to reuse and echo:
// 1 to MaxLen characters among letters, digits and "-_.:". Anything else
// (spaces, quotes, control characters, non-ASCII) could forge or garble log
// lines and headers, and is replaced by a fresh id.
func Valid(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}
