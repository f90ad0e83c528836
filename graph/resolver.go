// Package graph serves the domain graph as GraphQL. Resolvers are thin: they
// decode, call one service or ent query, and return.
package graph

import (
	"context"

	"communs/ent"
	"communs/internal/auth"
	"communs/internal/membership"
	"communs/internal/metrics"
	"communs/internal/payments"
	"communs/internal/txn"
	"communs/modules/cil"
	"communs/modules/cpom"
	"communs/modules/directory"
	"communs/modules/userrecord"
)

// Resolver is the root resolver; its dependencies are wired in cmd/communs.
type Resolver struct {
	client     *ent.Client
	auth       *auth.Service
	membership *membership.Services
	payments   *payments.Service
	directory  *directory.Service
	cil        *cil.Service
	userrecord *userrecord.Service
	cpom       *cpom.Service
	metrics    *metrics.Metrics
	// switchedOff names, by GraphQL type, the disabled module that owns it:
	// node(id:) does not serve its rows.
	switchedOff map[string]string
}

// db is the client of the request's transaction (every mutation runs in
// one), or the root client for queries.
func (r *Resolver) db(ctx context.Context) *ent.Client { return txn.Client(ctx, r.client) }
