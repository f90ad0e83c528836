package main

import (
	"context"
	"fmt"
	"io"
)

func runMigrate(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("migrate", "bring the database schema up to date")
	var db dbFlags
	db.register(fs)
	dryRun := fs.Bool("dry-run", false, "print the SQL statements instead of running them")
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if *dryRun {
		return store.WriteMigration(ctx, out)
	}
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, "database schema is up to date")
	return err
}
