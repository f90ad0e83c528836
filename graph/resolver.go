// Package graph serves the domain graph as GraphQL. Resolvers are thin: they
// decode, call one service or ent query, and return.
package graph

import "communs/ent"

// Resolver is the root resolver; its dependencies are wired in cmd/communs.
type Resolver struct {
	client *ent.Client
}

// NewResolver returns the root resolver over an ent client.
func NewResolver(client *ent.Client) *Resolver {
	return &Resolver{client: client}
}
