package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"communs/internal/store"
)

// newFlagSet returns a flag set whose errors are reported once, by main.
func newFlagSet(name, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: communs %s [flags]\n\n%s.\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args and refuses stray arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "communs %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// parseWithArgs parses args, flags and positional arguments in any order,
// and returns the positional ones.
func parseWithArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// env returns the environment variable key, or def when it is unset.
func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// boolEnvironment lists the boolean environment variables, which
// checkEnvironment validates before any command runs.
var boolEnvironment = []string{"COMMUNS_GRAPHIQL", "COMMUNS_INTROSPECTION", "COMMUNS_MIGRATE", "COMMUNS_SMTP_STARTTLS"}

// durationEnvironment are the environment variables read as durations.
var durationEnvironment = []string{"COMMUNS_SESSION_CACHE", "COMMUNS_REQUEST_TIMEOUT"}

// intEnvironment are the environment variables read as whole numbers.
var intEnvironment = []string{"COMMUNS_MAX_COMPLEXITY", "COMMUNS_ROW_BUDGET", "COMMUNS_MAX_RESPONSE_SIZE", "COMMUNS_MAX_CONCURRENT", "COMMUNS_MAX_DOCUMENT_SIZE"}

// checkEnvironment refuses an unreadable boolean or duration rather than silently
// running with its default.
func checkEnvironment() error {
	for _, key := range boolEnvironment {
		if v, ok := os.LookupEnv(key); ok {
			if _, err := strconv.ParseBool(v); err != nil {
				return fmt.Errorf("%s=%q is not a boolean (use true or false)", key, v)
			}
		}
	}
	for _, key := range intEnvironment {
		if v, ok := os.LookupEnv(key); ok {
			if _, err := strconv.Atoi(v); err != nil {
				return fmt.Errorf("%s=%q is not a whole number", key, v)
			}
		}
	}
	for _, key := range durationEnvironment {
		if v, ok := os.LookupEnv(key); ok {
			if _, err := time.ParseDuration(v); err != nil {
				return fmt.Errorf("%s=%q is not a duration (e.g. 10s, 1m)", key, v)
			}
		}
	}
	return nil
}

// envInt reads a whole number from the environment; an unreadable one is
// reported by checkEnvironment.
func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}

// envDuration reads a duration ("10s") from the environment; an unreadable
// one is reported by checkEnvironment.
func envDuration(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return d
	}
	return def
}

// envBool reads a boolean environment variable (validated by checkEnvironment).
func envBool(key string, def bool) bool {
	b, err := strconv.ParseBool(env(key, strconv.FormatBool(def)))
	if err != nil {
		return def
	}
	return b
}

// dbFlags are the flags of every command that opens the database.
type dbFlags struct {
	url     string
	dataDir string
}

func (f *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "database-url", env("COMMUNS_DATABASE_URL", ""),
		"PostgreSQL URL (postgres://user@host:5432/db); empty means the embedded SQLite database (env COMMUNS_DATABASE_URL)")
	fs.StringVar(&f.dataDir, "data-dir", env("COMMUNS_DATA_DIR", "data"),
		"directory of the embedded database and other local files (env COMMUNS_DATA_DIR)")
}

func (f *dbFlags) open(ctx context.Context) (*store.DB, error) {
	return store.Open(ctx, f.url, f.dataDir)
}

// openMigrated opens the database and brings its schema up to date, for the
// commands that write to it.
func (f *dbFlags) openMigrated(ctx context.Context) (*store.DB, error) {
	db, err := f.open(ctx)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// stderrLogger is the logger of the operator commands: text on standard
// error.
func stderrLogger() *slog.Logger { return slog.New(slog.NewTextHandler(os.Stderr, nil)) }

// newLogger logs as text to a terminal and as JSON otherwise, unless format
// says which.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("unknown log format %q (want auto, text or json)", format)
}
