package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"time"

	"communs/ent"
	"communs/internal/calendar"
	"communs/internal/viewer"
	"communs/modules"
	"communs/modules/cil"
	"communs/modules/directory"
	"communs/modules/userrecord"
)

// allModules are the modules compiled in, over the data directory (where
// the user record's key file is); COMMUNS_MODULES (--modules) chooses
// which run.
func allModules(dataDir string) []*modules.Module {
	return []*modules.Module{directory.Module(), cil.Module(), userrecord.Module(userrecord.KeysIn(dataDir))}
}

// enabledModules returns the modules spec enables.
func enabledModules(spec, dataDir string) ([]*modules.Module, error) {
	return modules.Select(allModules(dataDir), spec)
}

func enabled(mods []*modules.Module, name string) bool {
	for _, m := range mods {
		if m.Name == name {
			return true
		}
	}
	return false
}

// moduleCommand runs communs <module> <command> …: the module's command
// with the database flags, the database open and migrated, as the platform.
func moduleCommand(m *modules.Module) command {
	names := make([]string, 0, len(m.Commands))
	for name := range m.Commands {
		names = append(names, name)
	}
	sort.Strings(names)
	return command{
		summary: fmt.Sprintf("the %s module: %v", m.Name, names),
		run: func(ctx context.Context, args []string, out io.Writer) error {
			mods, err := enabledModules(os.Getenv("COMMUNS_MODULES"), "")
			if err != nil {
				return err
			}
			if !enabled(mods, m.Name) {
				return fmt.Errorf("the %s module is switched off (COMMUNS_MODULES)", m.Name)
			}
			var c modules.Command
			if len(args) > 0 {
				c = m.Commands[args[0]]
			}
			if c.Setup == nil {
				fmt.Fprintf(os.Stderr, "Usage: communs %s <command> [flags]\n\nCommands:\n", m.Name)
				for _, name := range names {
					fmt.Fprintf(os.Stderr, "  %-10s %s\n", name, m.Commands[name].Summary)
				}
				return errUsage
			}
			fs := newFlagSet(m.Name+" "+args[0], c.Summary)
			var db dbFlags
			db.register(fs)
			run := c.Setup(fs)
			positional, err := parseWithArgs(fs, args[1:])
			if err != nil {
				return err
			}
			store, err := db.openMigrated(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			return run(viewer.SystemContext(ctx), store.Client, positional, out)
		},
	}
}

// runNightlyAt runs the enabled modules' nightly jobs every day at 02:00 in
// Paris until ctx ends, logging failures.
func runNightlyAt(ctx context.Context, client *ent.Client, mods []*modules.Module, logger *slog.Logger) {
	for {
		now := time.Now().In(calendar.Paris)
		next := time.Date(now.Year(), now.Month(), now.Day(), 2, 0, 0, 0, calendar.Paris)
		if !next.After(now) {
			next = next.AddDate(0, 0, 1)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		if err := modules.RunNightly(viewer.SystemContext(ctx), client, mods); err != nil {
			logger.ErrorContext(ctx, "nightly jobs", "error", err)
		}
	}
}

func runNightly(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("nightly", "run the enabled modules' nightly jobs now")
	var db dbFlags
	db.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	mods, err := enabledModules(os.Getenv("COMMUNS_MODULES"), db.dataDir)
	if err != nil {
		return err
	}
	store, err := db.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := modules.RunNightly(viewer.SystemContext(ctx), store.Client, mods); err != nil {
		return err
	}
	fmt.Fprintf(out, "nightly jobs done: %v\n", modules.Names(mods))
	return nil
}
