package graph

import (
	"context"
	"encoding/base64"

	"communs"

	"communs/internal/auth"
	"communs/internal/viewer"
)

// actorLabel names the person making the request, for the records that
// keep who started them.
func actorLabel(ctx context.Context) string {
	if v := viewer.FromContext(ctx); v != nil {
		return v.Email
	}
	return ""
}

// clientAddress is the address of the request's client, for rate limits.
func clientAddress(ctx context.Context) string { return auth.ClientAddress(ctx) }

// values copies the elements of a list gqlgen decoded as pointers.
func values[T any](ptrs []*T) []T {
	out := make([]T, len(ptrs))
	for i, p := range ptrs {
		out[i] = *p
	}
	return out
}

// pointers lists pointers to the elements of a slice, as gqlgen wants them.
func pointers[T any](items []T) []*T {
	out := make([]*T, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}

// deref returns the value of an optional argument, or its zero value.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// decodeFile decodes a file sent as contentBase64.
func decodeFile(contentBase64 string) ([]byte, error) {
	content, err := base64.StdEncoding.DecodeString(contentBase64)
	if err != nil {
		return nil, communs.InvalidField("contentBase64", "the file must be base64-encoded")
	}
	return content, nil
}
