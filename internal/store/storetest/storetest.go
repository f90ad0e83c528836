// Package storetest gives each test its own empty database: an SQLite file
// by default, a PostgreSQL schema when COMMUNS_TEST_DATABASE_URL is set.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"communs/internal/store"
)

// envURL names a PostgreSQL database, e.g.
// postgres://root@127.0.0.1:5432/communs_test?sslmode=disable, in which
// every test gets a schema of its own.
const envURL = "COMMUNS_TEST_DATABASE_URL"

// Open returns a freshly migrated, empty database for one test, closed at
// cleanup.
func Open(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), URL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close test database: %v", err)
		}
	})
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// URL returns the URL of a fresh database without tables, for tests of
// store.Open and of migrations themselves. It is removed at cleanup.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(envURL)
	if base == "" {
		return "sqlite:" + filepath.Join(t.TempDir(), "communs.db")
	}
	return postgresSchema(t, base)
}

// postgresSchema creates a schema for one test and returns base with
// search_path pointing at it, so that ent creates and finds its tables
// there. A schema is much cheaper to create and drop than a database, and
// parallel tests cannot see each other's rows.
func postgresSchema(t testing.TB, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// The URL is not shown: it may hold a password.
		t.Fatalf("%s must be a postgres:// URL", envURL)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("%s: %v", envURL, err)
	}
	t.Cleanup(func() { admin.Close() })

	// rand.Text is base32: lower-cased, it is a valid unquoted identifier.
	schema := "test_" + strings.ToLower(rand.Text())
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		// t.Context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
