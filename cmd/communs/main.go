// Command communs runs the Communs platform: the GraphQL API server and the
// operator commands around it (migrations, demo data).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// command is one subcommand of the CLI.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, out io.Writer) error
}

func commands() map[string]command {
	cmds := map[string]command{
		"serve":   {"run the API server (migrates the database first)", runServe},
		"charges": {"run the charge cycle: charges run --year 2026 --step Q1|Q2|Q3|YEAR_END|SERVICES|FEES", runCharges},
		"migrate": {"bring the database schema up to date, or print the SQL with --dry-run", runMigrate},
		"seed":    {"load the demo data (--demo, idempotent) or, into an empty database, a synthetic year to time the charges (--generate)", runSeed},
		"user":    {"manage accounts: user create --email … --role gsm_admin bootstraps the first administrator", runUser},
		"version": {"print the version", runVersion},
		"nightly": {"run the nightly jobs now: payment statuses and reminders, the enabled modules' jobs (serve runs them at 02:00, Paris time)", runNightly},
		"bench":   {"measure the read path on PostgreSQL against a hand-written pgx service (generates data into an empty database)", runBench},
	}
	// The modules' commands take their data directory from their flags.
	all := buildModules("", stderrLogger(), os.Environ()).all
	for _, m := range all {
		if len(m.Commands) > 0 {
			cmds[m.Name] = moduleCommand(m, all)
		}
	}
	return cmds
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "communs:", err)
		os.Exit(1)
	}
}

// errUsage marks a command line that could not be understood; the usage has
// already been printed.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, out)
		}
		printUsage(out)
		return nil
	}
	if err := checkEnvironment(); err != nil {
		return err
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "communs: unknown command %q\n\n", args[0])
		printUsage(os.Stderr)
		return errUsage
	}
	return cmd.run(ctx, args[1:], out)
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `Communs runs a Groupement Social de Moyens: members, resources, usage
declarations and the cost-price charges, behind a GraphQL API.

Usage:
  communs <command> [flags]

Commands:
`)
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for name := range cmds {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-9s %s\n", name, cmds[name].summary)
	}
	fmt.Fprint(w, `
Run "communs <command> --help" for the flags of a command. Every flag can
also be set by the environment variable named in its help.
`)
}

func runVersion(_ context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("version", "print the version")
	if err := parse(fs, args); err != nil {
		return err
	}
	_, err := fmt.Fprintln(out, "communs", version)
	return err
}
