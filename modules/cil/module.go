package cil

import (
	"context"
	_ "embed"

	"communs/ent"
	"communs/internal/extension"
	"communs/modules"
)

//go:embed policy.csv
var policy string

// Name is the module's name in COMMUNS_MODULES and @module.
const Name = "cil"

// Module declares the CIL module: its policy, its hook (the processor
// register follows the subscriptions), its demo data and its nightly job
// (reviews due and overdue requests to the outbox). Its GraphQL fields and
// its export route are served over a Service (Routes).
func Module() *modules.Module {
	return &modules.Module{
		Name:    Name,
		Policy:  []string{policy},
		Hooks:   extension.Hooks{SubscriptionChanged: subscriptionChanged},
		Demo:    Demo,
		Nightly: nightly,
		Routes:  routes,
	}
}

// nightly catches the processor register up with the subscriptions, then
// sends the keepers their to-do.
func nightly(ctx context.Context, client *ent.Client) error {
	if err := SyncProcessorRecords(ctx, client); err != nil {
		return err
	}
	return New(client).Remind(ctx)
}
