package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"communs/internal/seed"
)

func runSeed(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("seed", "load data into the database")
	var db dbFlags
	db.register(fs)
	demo := fs.Bool("demo", false, "load the demo groupement: 51 fictional members, the catalogue, a year of costs and declarations")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !*demo {
		return errors.New("nothing to seed: pass --demo")
	}
	store, err := db.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	summary, err := seed.Demo(ctx, store.Client, out)
	if err != nil {
		return fmt.Errorf("loading the demo data: %w", err)
	}
	fmt.Fprintln(out, summary)
	seed.PrintLogins(out)
	return nil
}
