// Package graph serves the domain graph as GraphQL. Resolvers are thin: they
// decode, call one service or ent query, and return.
package graph

import (
	"communs/ent"
	"communs/internal/auth"
	"communs/internal/membership"
)

// Resolver is the root resolver; its dependencies are wired in cmd/communs.
type Resolver struct {
	client     *ent.Client
	auth       *auth.Service
	membership *membership.Service
}
