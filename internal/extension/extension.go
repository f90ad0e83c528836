// Package extension is how modules react to what happens in the core
// without the core knowing them: cmd/communs collects the Hooks of the
// enabled modules into a Set and gives it to the core services, which call
// it inside the transaction of the change (an error undoes the change).
package extension

import (
	"context"

	"communs/ent"
	"communs/ent/schema/pulid"
)

// Hooks are one module's reactions; any may be nil.
type Hooks struct {
	MemberCreated       func(ctx context.Context, tx *ent.Client, m *ent.Member) error
	MemberLeft          func(ctx context.Context, tx *ent.Client, m *ent.Member) error
	SubscriptionChanged func(ctx context.Context, tx *ent.Client, s *ent.Subscription) error
	// DeclarationLines suggests quantities, by resource, for a member's new
	// usage declaration of year; the member can change them.
	DeclarationLines func(ctx context.Context, tx *ent.Client, memberID pulid.ID, year int) (map[pulid.ID]int64, error)
}

// Set is the hooks of the enabled modules, called in order.
type Set []Hooks

// MemberCreated tells the modules a member was created.
func (s Set) MemberCreated(ctx context.Context, tx *ent.Client, m *ent.Member) error {
	return call(s, func(h Hooks) func(context.Context, *ent.Client, *ent.Member) error { return h.MemberCreated }, ctx, tx, m)
}

// MemberLeft tells the modules a member left the groupement.
func (s Set) MemberLeft(ctx context.Context, tx *ent.Client, m *ent.Member) error {
	return call(s, func(h Hooks) func(context.Context, *ent.Client, *ent.Member) error { return h.MemberLeft }, ctx, tx, m)
}

// SubscriptionChanged tells the modules a subscription was requested,
// activated or ended.
func (s Set) SubscriptionChanged(ctx context.Context, tx *ent.Client, sub *ent.Subscription) error {
	return call(s, func(h Hooks) func(context.Context, *ent.Client, *ent.Subscription) error {
		return h.SubscriptionChanged
	}, ctx, tx, sub)
}

// DeclarationLines merges the modules' suggestions; the first module to
// suggest a resource's quantity wins.
func (s Set) DeclarationLines(ctx context.Context, tx *ent.Client, memberID pulid.ID, year int) (map[pulid.ID]int64, error) {
	out := map[pulid.ID]int64{}
	for _, h := range s {
		if h.DeclarationLines == nil {
			continue
		}
		lines, err := h.DeclarationLines(ctx, tx, memberID, year)
		if err != nil {
			return nil, err
		}
		for id, q := range lines {
			if _, ok := out[id]; !ok {
				out[id] = q
			}
		}
	}
	return out, nil
}

func call[E any](s Set, pick func(Hooks) func(context.Context, *ent.Client, E) error, ctx context.Context, tx *ent.Client, e E) error {
	for _, h := range s {
		if fn := pick(h); fn != nil {
			if err := fn(ctx, tx, e); err != nil {
				return err
			}
		}
	}
	return nil
}
