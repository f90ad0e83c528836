package txn

import (
	"context"
	"errors"
	"testing"

	"communs/ent"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

func TestRun(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	ctx := viewer.SystemContext(context.Background())
	create := func(ctx context.Context, tx *ent.Client, name string) error {
		return tx.ResourceCategory.Create().SetCode(name).SetName(name).Exec(ctx)
	}
	if err := Run(ctx, client, func(ctx context.Context, tx *ent.Client) error { return create(ctx, tx, "kept") }); err != nil {
		t.Fatal(err)
	}
	failure := errors.New("fails")
	err := Run(ctx, client, func(ctx context.Context, tx *ent.Client) error {
		if err := create(ctx, tx, "rolled-back"); err != nil {
			return err
		}
		// Nested work joins the same transaction.
		return Run(ctx, client, func(ctx context.Context, inner *ent.Client) error {
			if ent.TxFromContext(ctx) == nil || inner != Client(ctx, client) {
				t.Error("nested work did not join the transaction")
			}
			return failure
		})
	})
	if !errors.Is(err, failure) {
		t.Fatalf("Run = %v", err)
	}
	if n := client.ResourceCategory.Query().CountX(ctx); n != 1 {
		t.Errorf("%d categories, want only the committed one", n)
	}
}
