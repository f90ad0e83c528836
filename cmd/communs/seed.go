package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"communs/ent"
	"communs/internal/seed"
	"communs/modules"
)

func runSeed(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("seed", "load data into the database: the demo groupement (--demo), or a synthetic year\n"+
		"into an empty database to time the charge cycle at scale (--generate)")
	var db dbFlags
	db.register(fs)
	demo := fs.Bool("demo", false, "load the demo groupement: 51 fictional members, the catalogue, a year of costs and declarations")
	generate := fs.Bool("generate", false, "generate a deterministic synthetic year into an EMPTY database (refused if it has members), "+
		"to time the charge cycle: communs charges run --year YEAR --step YEAR_END")
	members := fs.Int("members", 10000, "with --generate: the number of members")
	resources := fs.Int("resources", 200, "with --generate: the number of resources; every tenth is DIRECT, the others alternate EQUAL and PRO_RATA")
	perMember := fs.Int("per-member", 20, "with --generate: the resources each member subscribes to and declares; at most --resources, which is the default when below 20")
	year := fs.Int("year", 2026, "with --generate: the fiscal year of the costs and validated declarations")
	if err := parse(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case *demo && *generate:
		return errors.New("--demo and --generate exclude each other: pass one")
	case !*generate && (set["members"] || set["resources"] || set["per-member"] || set["year"]):
		return errors.New("--members, --resources, --per-member and --year go with --generate")
	case !*demo && !*generate:
		return errors.New("nothing to seed: pass --demo or --generate")
	}
	store, err := db.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if *generate {
		sc := seed.Scale{Members: *members, Resources: *resources, PerMember: *perMember, Year: *year}
		if !set["per-member"] {
			sc.PerMember = 0 // min(20, resources)
		}
		return runGenerate(ctx, store.Client, sc, out, os.Stderr)
	}
	summary, err := seed.Demo(ctx, store.Client, out)
	if err != nil {
		return fmt.Errorf("loading the demo data: %w", err)
	}
	mods, err := buildModules(db.dataDir, stderrLogger(), os.Environ()).enabled(os.Getenv("COMMUNS_MODULES"))
	if err != nil {
		return err
	}
	if err := modules.Demo(ctx, store.Client, mods, out); err != nil {
		return fmt.Errorf("loading the modules' demo data: %w", err)
	}
	fmt.Fprintln(out, summary)
	seed.PrintLogins(out)
	return nil
}

// runGenerate generates a synthetic year, with a progress line per batch on
// progress (rewritten in place on a terminal) and a summary on out.
func runGenerate(ctx context.Context, client *ent.Client, sc seed.Scale, out, progress io.Writer) error {
	tty := false
	if f, ok := progress.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	report := func(stage string, done, total int) {
		switch {
		case !tty:
			fmt.Fprintf(progress, "%s %d/%d\n", stage, done, total)
		case done == total:
			fmt.Fprintf(progress, "\r%s %d/%d\033[K\n", stage, done, total)
		default:
			fmt.Fprintf(progress, "\r%s %d/%d\033[K", stage, done, total)
		}
	}
	start := time.Now()
	counts, err := seed.Generate(ctx, client, sc, report)
	if err != nil {
		return fmt.Errorf("generating a synthetic year: %w", err)
	}
	_, err = fmt.Fprintf(out, "Generated fiscal year %d: %d members, %d resources, %d subscriptions (%d per member), "+
		"%d validated declarations with %d lines, %d cost entries in %s.\n"+
		"Time the year end with: communs charges run --year %d --step YEAR_END\n",
		sc.Year, counts.Members, counts.Resources, counts.Subscriptions, counts.Subscriptions/counts.Members,
		counts.Members, counts.DeclarationLines, counts.CostEntries, time.Since(start).Round(time.Millisecond), sc.Year)
	return err
}
