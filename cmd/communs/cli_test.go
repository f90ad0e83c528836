package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var moneyPattern = regexp.MustCompile(`^-?\d+\.\d\d$`)

func TestHelpAndVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"serve", "migrate", "seed", "version"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf("help does not mention %s:\n%s", name, out.String())
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"version"}, &out); err != nil || !strings.HasPrefix(out.String(), "communs ") {
		t.Errorf("version: %q, %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"serve", "--help"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("serve --help: %v", err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, io.Discard); !errors.Is(err, errUsage) {
		t.Errorf("unknown command: %v, want a usage error", err)
	}
	if err := run(context.Background(), []string{"migrate", "--no-such-flag"}, io.Discard); !errors.Is(err, errUsage) {
		t.Errorf("unknown flag: %v, want a usage error", err)
	}
}

func TestMigrateAndSeedOnTheEmbeddedDatabase(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "--dry-run", "--data-dir", dir}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "CREATE TABLE") {
		t.Fatalf("dry run printed no SQL:\n%s", out.String())
	}
	for i := 0; i < 2; i++ { // seeding is idempotent
		out.Reset()
		if err := run(ctx, []string{"seed", "--demo", "--data-dir", dir}, &out); err != nil {
			t.Fatalf("seed run %d: %v", i+1, err)
		}
		if !strings.Contains(out.String(), "51 members") {
			t.Errorf("seed run %d summary: %s", i+1, out.String())
		}
		if cpom := []string{"cpom: 2 contracts added", "cpom: 0 contracts added"}[i]; !strings.Contains(out.String(), cpom) {
			t.Errorf("seed run %d: no %q in %s", i+1, cpom, out.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "communs.db")); err != nil {
		t.Errorf("no database file in the data directory: %v", err)
	}
	if err := run(ctx, []string{"seed", "--data-dir", dir}, io.Discard); err == nil {
		t.Error("seed without --demo should say there is nothing to seed")
	}
	out.Reset()
	if err := run(ctx, []string{"nightly", "--data-dir", dir, "--reminder-days", "10,20"}, &out); err != nil ||
		!strings.Contains(out.String(), "nightly jobs done: payments") {
		t.Errorf("nightly: %v, %s", err, out.String())
	}
	keyFile := filepath.Join(dir, "userrecord.keys")
	if info, err := os.Stat(keyFile); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the user record's key file: %v, %v; want it created with mode 0600", info, err)
	}
	for _, key := range []string{"k2", "k3"} {
		out.Reset()
		if err := run(ctx, []string{"userrecord", "rotate-key", "--data-dir", dir, "--batch", "50"}, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "added key "+key) || !strings.Contains(out.String(), "rotation done") ||
			!strings.Contains(out.String(), "re-sealed with "+key) {
			t.Errorf("rotate-key printed:\n%s", out.String())
		}
	}
}

func TestServeRefusesBadConfiguration(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"malformed database URL", []string{"--database-url", "mysql://x"}, "postgres"},
		{"unreachable database", []string{"--database-url", "postgres://root:s3cret@127.0.0.1:1/x?connect_timeout=2"}, "127.0.0.1:1"},
		{"unwritable data directory", []string{"--data-dir", filepath.Join(file, "sub")}, "data directory"},
		{"unknown log format", []string{"--log-format", "xml"}, "log format"},
		{"bad reminder days", []string{"--reminder-days", "15,0"}, "reminder days"},
		{"bad notification sender", []string{"--smtp-addr", "localhost:25", "--smtp-from", "not an address"}, "SMTP"},
	} {
		err := run(ctx, append([]string{"serve", "--data-dir", t.TempDir()}, tc.args...), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: the error shows the password: %v", tc.name, err)
		}
	}
}

func TestServeRefusesAnAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := serveConfig{addr: ln.Addr().String(), migrate: true}
	cfg.db.dataDir = t.TempDir()
	db, err := cfg.db.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	logger := slog.New(slog.DiscardHandler)
	srv, _, err := newServer(context.Background(), cfg, db, buildModules(cfg.db.dataDir, logger, nil), logger, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	err = srv.ListenAndServe(context.Background())
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("listening on a busy address: %v", err)
	}
}

func TestUserCreateBootstrapsAnAdministrator(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	t.Setenv("COMMUNS_PASSWORD", "a long enough password")
	var out bytes.Buffer
	args := []string{"user", "create", "--data-dir", dir, "--email", "Boss@Example.org", "--role", "gsm_admin"}
	if err := run(ctx, args, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "created account boss@example.org") {
		t.Errorf("output: %s", out.String())
	}
	if err := run(ctx, args, io.Discard); err == nil {
		t.Error("creating the same account twice succeeded")
	}
	for _, bad := range [][]string{
		{"user", "create", "--data-dir", dir, "--email", "x@example.org", "--role", "emperor"},
		{"user", "create", "--data-dir", dir, "--email", "x@example.org", "--role", "member_admin"},
	} {
		if err := run(ctx, bad, io.Discard); err == nil {
			t.Errorf("%v succeeded", bad)
		}
	}
	t.Setenv("COMMUNS_PASSWORD", "short")
	if err := run(ctx, []string{"user", "create", "--data-dir", dir, "--email", "y@example.org", "--role", "gsm_staff"}, io.Discard); err == nil || !strings.Contains(err.Error(), "12") {
		t.Errorf("a short password: %v", err)
	}
	if err := run(ctx, []string{"user"}, io.Discard); !errors.Is(err, errUsage) {
		t.Errorf("user without subcommand: %v", err)
	}
}

func TestUnreadableEnvironmentIsRefused(t *testing.T) {
	t.Setenv("COMMUNS_MIGRATE", "maybe")
	err := run(context.Background(), []string{"serve", "--data-dir", t.TempDir()}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "COMMUNS_MIGRATE") {
		t.Fatalf("serve with COMMUNS_MIGRATE=maybe: %v", err)
	}
}

func TestChargesRunFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if err := run(ctx, []string{"seed", "--demo", "--data-dir", dir}, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"charges", "run", "--data-dir", dir, "--year", "2026", "--step", "Q1"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "14/14 done") || !strings.Contains(out.String(), "charge lines added (0 already there)") ||
		!strings.Contains(out.String(), "calls for funds AF-2026-0001 to") {
		t.Errorf("first run: %s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"charges", "run", "--data-dir", dir, "--year", "2026", "--step", "Q1"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), ": 0 charge lines added") {
		t.Errorf("second run: %s", out.String())
	}
	if err := run(ctx, []string{"charges", "run", "--data-dir", dir, "--year", "2026", "--step", "Q9"}, io.Discard); err == nil {
		t.Error("an unknown step was run")
	}
}

func TestSeedGenerateFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"seed", "--generate", "--members", "30", "--resources", "5", "--data-dir", dir}, &out); err != nil {
		t.Fatal(err)
	}
	// --per-member defaults to min(20, --resources); 5 resources: R0000..R0004,
	// none DIRECT, so 4 common cost entries each.
	summary := regexp.MustCompile(`^Generated fiscal year 2026: 30 members, 5 resources, 150 subscriptions \(5 per member\), ` +
		`30 validated declarations with 150 lines, 20 cost entries in \S+\.\n`)
	if !summary.MatchString(out.String()) {
		t.Errorf("summary:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"charges", "run", "--data-dir", dir, "--year", "2026", "--step", "YEAR_END",
		"--forced-reason", "synthetic year closed by the test"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), ": 150 charge lines added") {
		t.Errorf("year end on the generated data: %s", out.String())
	}
}

func TestSeedGenerateIsRefused(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	args := []string{"seed", "--generate", "--members", "30", "--resources", "5", "--data-dir", dir}
	if err := run(ctx, args, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, args, io.Discard); err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Errorf("a second generation: %v, want a refusal", err)
	}
	if err := run(ctx, []string{"seed", "--demo", "--generate", "--data-dir", t.TempDir()}, io.Discard); err == nil {
		t.Error("--demo with --generate was accepted")
	}
	if err := run(ctx, []string{"seed", "--demo", "--members", "3", "--data-dir", t.TempDir()}, io.Discard); err == nil {
		t.Error("--members without --generate was accepted")
	}
	if err := run(ctx, []string{"seed", "--generate", "--resources", "5", "--per-member", "6", "--data-dir", t.TempDir()}, io.Discard); err == nil || !strings.Contains(err.Error(), "perMember") {
		t.Errorf("--per-member above --resources: %v", err)
	}
}
