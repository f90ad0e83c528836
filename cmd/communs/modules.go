package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"communs/ent"
	"communs/internal/calendar"
	"communs/internal/payments"
	"communs/internal/viewer"
	"communs/modules"
	"communs/modules/cil"
	"communs/modules/cpom"
	"communs/modules/directory"
	"communs/modules/training"
	"communs/modules/userrecord"
)

// moduleSet is the modules compiled in, built once per command.
type moduleSet struct {
	all []*modules.Module
	// userRecordKeys are read once, for the user record's module and for
	// its GraphQL service.
	userRecordKeys userrecord.Keys
}

// buildModules builds the modules compiled in; those that need it get the
// logger, the data directory and their settings from environ (the
// variables COMMUNS_<MODULE>_<NAME>, as os.Environ lists them).
func buildModules(dataDir string, logger *slog.Logger, environ []string) moduleSet {
	setup := modules.Setup{Logger: logger, DataDir: dataDir, Settings: moduleSettings(userrecord.Name, environ)}
	keys := userrecord.KeysOf(setup)
	return moduleSet{
		all:            []*modules.Module{directory.Module(), cil.Module(), userrecord.Module(setup, keys), training.Module(), cpom.Module(nil)},
		userRecordKeys: keys,
	}
}

// enabled returns the modules spec (COMMUNS_MODULES, --modules) enables.
// The CPOM among them reads the user record's activities only when that
// module is enabled too.
func (s moduleSet) enabled(spec string) ([]*modules.Module, error) {
	mods, err := modules.Select(s.all, spec)
	mods = slices.Clone(mods) // Select may return s.all itself
	for i, m := range mods {
		if m.Name == cpom.Name {
			mods[i] = cpom.Module(cpomActivity(mods))
		}
	}
	return mods, err
}

// cpomActivity is what feeds the CPOM's indicators that have a source,
// among mods: the user record's activities when it is on, else nothing
// (they keep their recorded values). The modules meet only here.
func cpomActivity(mods []*modules.Module) cpom.ActivityMeasure {
	if enabled(mods, userrecord.Name) {
		return userrecord.YearMeasure
	}
	return nil
}

// moduleSettings returns the settings of the module name in environ: the
// variables COMMUNS_<NAME>_<SETTING>, by setting.
func moduleSettings(name string, environ []string) map[string]string {
	prefix := "COMMUNS_" + strings.ToUpper(name) + "_"
	settings := map[string]string{}
	for _, kv := range environ {
		if key, value, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(key, prefix) {
			settings[strings.TrimPrefix(key, prefix)] = value
		}
	}
	return settings
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
// with the database flags, the database open and migrated, as the platform,
// when COMMUNS_MODULES enables m among all.
func moduleCommand(m *modules.Module, all []*modules.Module) command {
	names := make([]string, 0, len(m.Commands))
	for name := range m.Commands {
		names = append(names, name)
	}
	sort.Strings(names)
	return command{
		summary: fmt.Sprintf("the %s module: %v", m.Name, names),
		run: func(ctx context.Context, args []string, out io.Writer) error {
			mods, err := modules.Select(all, os.Getenv("COMMUNS_MODULES"))
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

// registerReminderDays registers --reminder-days, the stages of the
// payment reminders.
func registerReminderDays(fs *flag.FlagSet, days *string) {
	fs.StringVar(days, "reminder-days", env("COMMUNS_REMINDER_DAYS", "15,30,60"),
		"days past a call for funds' due date when its member is reminded, comma-separated (env COMMUNS_REMINDER_DAYS)")
}

// nightlyJobs runs the core's nightly work (payment statuses and
// reminders, with the stages days), then the enabled modules' jobs.
func nightlyJobs(ctx context.Context, client *ent.Client, mods []*modules.Module, days []int) error {
	ctx = viewer.SystemContext(ctx)
	if _, err := payments.New(client).Nightly(ctx, days); err != nil {
		return err
	}
	return modules.RunNightly(ctx, client, mods)
}

// runNightlyAt runs the nightly jobs every day at 02:00 in Paris until
// ctx ends, logging failures.
func runNightlyAt(ctx context.Context, client *ent.Client, mods []*modules.Module, days []int, logger *slog.Logger) {
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
		if err := nightlyJobs(ctx, client, mods, days); err != nil {
			logger.ErrorContext(ctx, "nightly jobs", "error", err)
		}
	}
}

func runNightly(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("nightly", "run the nightly jobs now: payment statuses and reminders, the enabled modules' jobs")
	var db dbFlags
	db.register(fs)
	var reminderDays string
	registerReminderDays(fs, &reminderDays)
	if err := parse(fs, args); err != nil {
		return err
	}
	days, err := payments.ParseReminderDays(reminderDays)
	if err != nil {
		return err
	}
	mods, err := buildModules(db.dataDir, stderrLogger(), os.Environ()).enabled(os.Getenv("COMMUNS_MODULES"))
	if err != nil {
		return err
	}
	store, err := db.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := nightlyJobs(ctx, store.Client, mods, days); err != nil {
		return err
	}
	fmt.Fprintf(out, "nightly jobs done: payments, %v\n", modules.Names(mods))
	return nil
}
