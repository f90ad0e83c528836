package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"communs/ent/privacy"
	"communs/internal/store"
	"communs/internal/store/storetest"
)

func TestOpenDefaultSQLite(t *testing.T) {
	ctx := t.Context()
	dataDir := filepath.Join(t.TempDir(), "missing", "data")
	db, err := store.Open(ctx, "", dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	if db.Dialect != dialect.SQLite {
		t.Errorf("Dialect = %q, want %q", db.Dialect, dialect.SQLite)
	}
	info, err := os.Stat(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("data directory mode = %o, want 700", perm)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "communs.db")); err != nil {
		t.Errorf("database file: %v", err)
	}
	for range 2 { // a second migration finds nothing to do
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := countTables(t, db); n < 10 {
		t.Errorf("migrated database has %d tables, want one per entity", n)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestWriteMigration(t *testing.T) {
	ctx := t.Context()
	db, err := store.Open(ctx, storetest.URL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	var sql bytes.Buffer
	if err := db.WriteMigration(ctx, &sql); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(sql.String(), "CREATE TABLE"); n < 10 {
		t.Errorf("dry run has %d CREATE TABLE statements, want one per entity:\n%s", n, sql.String())
	}
	if n := countTables(t, db); n != 0 {
		t.Errorf("dry run left %d tables, want 0", n)
	}

	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sql.Reset()
	if err := db.WriteMigration(ctx, &sql); err != nil {
		t.Fatal(err)
	}
	if s := strings.TrimSpace(sql.String()); s != "" {
		t.Errorf("dry run after Migrate has work left:\n%s", s)
	}
}

func countTables(t *testing.T, db *store.DB) int {
	t.Helper()
	query := "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	if db.Dialect == dialect.Postgres {
		query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
	}
	rows, err := db.Client.QueryContext(t.Context(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOpenErrors(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		url     string
		dataDir string
		want    string   // in the message
		secrets []string // never in the message
	}{
		{name: "unknown scheme", url: "mysql://x",
			want: `unsupported database URL scheme "mysql": use "" (SQLite`},
		{name: "unknown scheme with password", url: "mysql://root:s3cret@x/db",
			want: `scheme "mysql"`, secrets: []string{"s3cret"}},
		{name: "no scheme", url: "root:s3cret@localhost/db",
			want: "unsupported database URL: use", secrets: []string{"s3cret"}},
		{name: "bad escape", url: "postgres://%zz",
			want: `malformed PostgreSQL URL "postgres://%zz": invalid URL escape`},
		{name: "bad escape with password", url: "postgres://root:s3cret@%zz/db",
			want: "malformed PostgreSQL URL (not shown", secrets: []string{"s3cret"}},
		{name: "unescaped password", url: "postgres://root:pa#ss/w0rd@127.0.0.1/x",
			want: "percent-encoded", secrets: []string{"pa#", "w0rd"}},
		{name: "unreachable", url: "postgres://root@127.0.0.1:1/x",
			want: "cannot connect to PostgreSQL at postgres://root@127.0.0.1:1/x: failed to connect"},
		{name: "unreachable with password", url: "postgres://root:s3cret@127.0.0.1:1/x",
			want: "postgres://root:xxxxx@127.0.0.1:1/x", secrets: []string{"s3cret"}},
		{name: "escaped password", url: "postgresql://root:s3cr%40t@127.0.0.1:1/x",
			want: "cannot connect", secrets: []string{"s3cr@t", "s3cr%40t"}},
		{name: "password parameter", url: "postgres://root@127.0.0.1:1/x?password=s3cret",
			want: "password=xxxxx", secrets: []string{"s3cret"}},
		{name: "rejected by pgx", url: "postgres://root:s3cret@127.0.0.1/x?sslmode=bogus&password=0ther",
			want: "sslmode is invalid", secrets: []string{"s3cret", "0ther"}},
		{name: "data directory under a file", dataDir: filepath.Join(notADir, "data"),
			want: "data directory " + filepath.Join(notADir, "data") + " is not writable: mkdir"},
		{name: "SQLite path under a file", url: "sqlite:" + filepath.Join(notADir, "x.db"),
			want: "data directory " + notADir + " is not writable"},
		{name: "empty SQLite path", url: "sqlite:", want: "empty SQLite path"},
		{name: "nothing at all", want: "no database URL and no data directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, err := store.Open(t.Context(), tt.url, tt.dataDir)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded, want an error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q", msg, tt.want)
			}
			for _, s := range tt.secrets {
				if strings.Contains(msg, s) {
					t.Errorf("error %q reveals %q", msg, s)
				}
			}
		})
	}
}

func TestOpenRespectsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := store.Open(ctx, "postgres://root:s3cret@127.0.0.1:5432/x", "")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestStoretestIsolation(t *testing.T) {
	// Each subtest writes the same unique e-mail: a shared database would
	// reject all but one, or count more than one row.
	for _, name := range []string{"a", "b", "c", "d"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t)
			// Storage is under test here, not authorization rules.
			ctx := privacy.DecisionContext(t.Context(), privacy.Allow)
			if err := db.Client.Account.Create().SetEmail("same@example.org").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if n, err := db.Client.Account.Query().Count(ctx); err != nil || n != 1 {
				t.Errorf("Account count = %d, %v; want 1, nil", n, err)
			}
			if err := db.Ping(ctx); err != nil {
				t.Errorf("Ping: %v", err)
			}
		})
	}
}

// PostgreSQL sessions carry a statement_timeout, unless the URL sets one.
func TestPostgresStatementTimeout(t *testing.T) {
	db := storetest.Open(t)
	if db.Dialect != dialect.Postgres {
		t.Skip("PostgreSQL only: set COMMUNS_TEST_DATABASE_URL")
	}
	rows, err := db.Client.QueryContext(t.Context(), "SHOW statement_timeout")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var timeout string
	if !rows.Next() || rows.Scan(&timeout) != nil || timeout != "1min" {
		t.Errorf("statement_timeout = %q, want 1min", timeout)
	}
}

// filledPostgres opens a test database on PostgreSQL, fills its pool and
// returns how many sessions that opened.
func filledPostgres(t *testing.T) (*store.DB, int64) {
	t.Helper()
	db := storetest.Open(t)
	if db.Dialect != dialect.Postgres {
		t.Skip("PostgreSQL only: set COMMUNS_TEST_DATABASE_URL")
	}
	if err := db.Fill(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db, db.ConnectionsOpened()
}

// A filled pool serves concurrent requests without opening a session.
func TestFilledPoolOpensNoSession(t *testing.T) {
	db, filled := filledPostgres(t)
	if filled < int64(db.MaxConns) {
		t.Fatalf("%d sessions opened after Fill, want at least the pool's %d", filled, db.MaxConns)
	}
	var wg sync.WaitGroup
	for range db.MaxConns {
		wg.Go(func() {
			if _, err := db.Client.ExecContext(t.Context(), "SELECT pg_sleep(0.05)"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if opened := db.ConnectionsOpened() - filled; opened != 0 {
		t.Errorf("%d sessions opened under load after Fill, want 0", opened)
	}
}

// A statement cancelled by its request's end keeps its session.
func TestCancelledStatementKeepsItsSession(t *testing.T) {
	db, filled := filledPostgres(t)
	for range db.MaxConns + 1 {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		_, err := db.Client.ExecContext(ctx, "SELECT pg_sleep(10)")
		cancel()
		if err == nil {
			t.Fatal("pg_sleep(10) returned within 20 ms")
		}
	}
	if _, err := db.Client.ExecContext(t.Context(), "SELECT 1"); err != nil {
		t.Fatalf("the pool after cancellations: %v", err)
	}
	if opened := db.ConnectionsOpened() - filled; opened != 0 {
		t.Errorf("%d sessions opened after cancelled statements, want 0", opened)
	}
}
