// Package modules is the contract between the core and the modules that
// plug into it (the establishment directory, the CIL register, the user
// record). A module is compiled in and switched on or off by configuration
// (COMMUNS_MODULES). It owns:
//
//   - its ent schema files, ent/schema/<module>_*.go, whose root query
//     fields carry @module(name: "<module>");
//   - its GraphQL file, modules/<module>/<module>.graphqls, whose root
//     fields carry @module too (gqlgen puts their thin resolvers in graph/);
//   - its service code and policy lines, in modules/<module>/;
//   - its reactions to the core's events, CLI subcommands, nightly job and
//     HTTP routes, all declared in its Module value.
//
// cmd/communs builds the modules once per command, giving those that need
// it a Setup (logger, data directory, settings), and wires the enabled
// ones; the core never imports a module. A disabled module's root fields answer
// MODULE_DISABLED, its hooks, job, commands and routes are not wired, and
// the rest of the API is unaffected.
package modules

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"communs/ent"
	"communs/internal/extension"
	"communs/internal/httperror"
	"communs/internal/viewer"
)

// Setup is what cmd/communs gives a module that needs it as it builds
// it. A module reads nothing else from around it: no environment
// variable, no global logger.
type Setup struct {
	// Logger is where the module logs.
	Logger *slog.Logger
	// DataDir is the data directory, where a module may keep files.
	DataDir string
	// Settings are the module's own settings by name, from the
	// environment variables COMMUNS_<MODULE>_<NAME>:
	// COMMUNS_USERRECORD_KEYS is the user record's Settings["KEYS"].
	Settings map[string]string
}

// Module is what a module declares to the core.
type Module struct {
	// Name is how COMMUNS_MODULES and @module(name:) call it.
	Name string
	// Policy are Casbin lines granting its root fields, in the syntax of
	// policies/policy.csv.
	Policy []string
	// Hooks are its reactions to the core's events.
	Hooks extension.Hooks
	// Demo loads the module's demo data after the core's (seed --demo,
	// serve --demo); running it again adds nothing.
	Demo func(ctx context.Context, client *ent.Client, out io.Writer) error
	// Nightly runs once a day (by serve, and by communs nightly).
	Nightly func(ctx context.Context, client *ent.Client) error
	// Commands are its CLI subcommands: communs <name> <command> ….
	Commands map[string]Command
	// Routes returns its extra HTTP routes, by http.ServeMux pattern; they
	// get the viewer of the request's bearer token. allowed tells whether
	// the policy grants the viewer a root query field: a route serving what
	// a query serves must be granted what the query is. errs answers their
	// errors.
	Routes func(client *ent.Client, allowed func(v *viewer.Viewer, field string) bool, errs *httperror.Writer) map[string]http.Handler
}

// Command is a CLI subcommand of a module.
type Command struct {
	Summary string
	// Setup registers the command's flags on fs (the database flags are
	// there already) and returns what runs once they are parsed, with the
	// database open and migrated, as the platform.
	Setup func(fs *flag.FlagSet) func(ctx context.Context, client *ent.Client, args []string, out io.Writer) error
}

// Select returns the modules spec enables: "" or "all" for all of them,
// "none" for none, or a comma-separated list of names.
func Select(all []*Module, spec string) ([]*Module, error) {
	spec = strings.TrimSpace(spec)
	switch spec {
	case "", "all":
		return all, nil
	case "none":
		return nil, nil
	}
	var out []*Module
	for _, name := range strings.Split(spec, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(all, func(m *Module) bool { return m.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("COMMUNS_MODULES: unknown module %q (known: %s, or all, or none)", name, strings.Join(Names(all), ", "))
		}
		if !slices.Contains(out, all[i]) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// Names returns the names of mods.
func Names(mods []*Module) []string {
	names := make([]string, len(mods))
	for i, m := range mods {
		names[i] = m.Name
	}
	return names
}

// Hooks collects the hooks of mods.
func Hooks(mods []*Module) extension.Set {
	set := make(extension.Set, len(mods))
	for i, m := range mods {
		set[i] = m.Hooks
	}
	return set
}

// Policy collects the policy lines of mods.
func Policy(mods []*Module) []string {
	var lines []string
	for _, m := range mods {
		lines = append(lines, m.Policy...)
	}
	return lines
}

// RunNightly runs the nightly job of each of mods, all of them even when
// one fails, and returns the failures joined.
func RunNightly(ctx context.Context, client *ent.Client, mods []*Module) error {
	var errs []error
	for _, m := range mods {
		if m.Nightly == nil {
			continue
		}
		if err := m.Nightly(ctx, client); err != nil {
			errs = append(errs, fmt.Errorf("module %s: %w", m.Name, err))
		}
	}
	return errors.Join(errs...)
}

// Demo loads the demo data of mods.
func Demo(ctx context.Context, client *ent.Client, mods []*Module, out io.Writer) error {
	for _, m := range mods {
		if m.Demo == nil {
			continue
		}
		if err := m.Demo(ctx, client, out); err != nil {
			return fmt.Errorf("module %s: %w", m.Name, err)
		}
	}
	return nil
}
