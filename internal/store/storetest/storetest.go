// Package storetest gives each test a database of its own, copied from a
// template that the test process builds once: an SQLite file by default, a
// PostgreSQL database when COMMUNS_TEST_DATABASE_URL is set. Copying a
// migrated (or filled) template costs a few milliseconds on SQLite and a
// CREATE DATABASE … TEMPLATE on PostgreSQL, where migrating costs half a
// second and loading the demo several; tests that each own a copy can run
// in parallel.
//
// A package that uses it calls Main from its TestMain, which drops the
// process's PostgreSQL databases when its tests are done.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"communs/ent"
	"communs/ent/account"
	"communs/ent/migrate"
	"communs/internal/store"
	"communs/internal/viewer"
)

// envURL names a PostgreSQL database, e.g.
// postgres://root@127.0.0.1:5432/communs_test?sslmode=disable: the tests'
// databases are created beside it, named after it with a suffix
// (communs_test_t…), and dropped when done.
const envURL = "COMMUNS_TEST_DATABASE_URL"

// Fill writes a template's content into a migrated database.
type Fill func(ctx context.Context, db *store.DB) error

// Open returns a migrated, empty database for one test, closed at
// cleanup. On PostgreSQL the database is then emptied and given to a
// later test of the process: deleting a few rows costs less than copying
// a template.
func Open(t testing.TB) *store.DB {
	t.Helper()
	base := os.Getenv(envURL)
	if base == "" {
		return OpenFilled(t, "empty", func(context.Context, *store.DB) error { return nil })
	}
	dbURL := databases.take()
	if dbURL == "" {
		dbURL = templateCopyURL(t, "empty", func(context.Context, *store.DB) error { return nil })
	}
	db := openTestDB(t, dbURL)
	t.Cleanup(func() {
		// Cleanups run last in first out: the test's connections are closed.
		if err := emptyDatabase(dbURL); err != nil {
			t.Errorf("storetest: empty the test database: %v", err)
			return
		}
		databases.give(dbURL)
	})
	return db
}

// OpenFilled returns a database for one test holding what fill wrote into
// the template name: fill runs once per test process, on the first call
// for name; every call gets a copy of its result. Two calls with the same
// name must pass the same fill.
func OpenFilled(t testing.TB, name string, fill Fill) *store.DB {
	t.Helper()
	return openTestDB(t, templateCopyURL(t, name, fill))
}

// templateCopyURL returns the URL of a copy of the template name for t,
// built by fill on first use.
func templateCopyURL(t testing.TB, name string, fill Fill) string {
	t.Helper()
	if !mainRuns.Load() {
		t.Fatal("storetest: call storetest.Main from the package's TestMain")
	}
	tpl := templateNamed(name)
	tpl.once.Do(func() { tpl.err = tpl.build(fill) })
	if tpl.err != nil {
		t.Fatalf("storetest: template %s: %v", name, tpl.err)
	}
	return tpl.copy(t)
}

// openTestDB opens the database at dbURL for t, and closes it at cleanup.
func openTestDB(t testing.TB, dbURL string) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close test database: %v", err)
		}
	})
	return db
}

// URL returns the URL of a fresh database without tables, for tests of
// store.Open and of migrations themselves.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(envURL)
	if base == "" {
		return "sqlite:" + filepath.Join(t.TempDir(), "communs.db")
	}
	return newPostgresDatabase(t, base, "")
}

// Main runs the tests of m, then drops the PostgreSQL templates they
// built, and exits with their status: call it from TestMain.
func Main(m *testing.M) {
	mainRuns.Store(true)
	code := m.Run()
	// A database left behind is not a failed test: on a loaded server a
	// DROP DATABASE can wait long on its checkpoint. Say which to drop (CI
	// drops every database named after its own at the end).
	if err := dropTemplates(); err != nil {
		fmt.Fprintln(os.Stderr, "storetest: warning:", err)
	}
	os.Exit(code)
}

// mainRuns tells that Main runs, so that templates are removed at the end.
var mainRuns atomic.Bool

// template is a database built once per process and copied per test: the
// bytes of an SQLite file, or the name of a PostgreSQL database.
type template struct {
	once   sync.Once
	err    error
	sqlite []byte
	pgURL  string
}

var (
	templatesMu sync.Mutex
	templates   = map[string]*template{}
)

func templateNamed(name string) *template {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	if templates[name] == nil {
		templates[name] = &template{}
	}
	return templates[name]
}

// build migrates a new database, fills it, and keeps it: the file's bytes
// on SQLite (the directory is removed), the database on PostgreSQL.
func (tpl *template) build(fill Fill) error {
	ctx := context.Background()
	dbURL, cleanup, err := tpl.create(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	db, err := store.Open(ctx, dbURL, "")
	if err != nil {
		return err
	}
	err = db.Migrate(ctx)
	if err == nil {
		err = fill(ctx, db)
	}
	// Closing the last connection checkpoints SQLite's write-ahead log
	// into the file, and frees a PostgreSQL template for copying.
	if closeErr := db.Close(); err == nil {
		err = closeErr
	}
	if err != nil || tpl.pgURL != "" {
		return err
	}
	tpl.sqlite, err = os.ReadFile(strings.TrimPrefix(dbURL, "sqlite:"))
	return err
}

// create makes the template's empty database and returns its URL, and what
// to do once it is built.
func (tpl *template) create(ctx context.Context) (dbURL string, cleanup func(), err error) {
	base := os.Getenv(envURL)
	if base == "" {
		dir, err := os.MkdirTemp("", "communs-template-")
		if err != nil {
			return "", nil, err
		}
		return "sqlite:" + filepath.Join(dir, "communs.db"), func() { os.RemoveAll(dir) }, nil
	}
	admin, err := openAdmin(base)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	tpl.pgURL, err = createDatabase(ctx, admin, base, "")
	if err != nil {
		return "", nil, err
	}
	return tpl.pgURL, func() {}, nil
}

// copy returns the URL of a copy of the template for t.
func (tpl *template) copy(t testing.TB) string {
	t.Helper()
	if tpl.pgURL == "" {
		path := filepath.Join(t.TempDir(), "communs.db")
		if err := os.WriteFile(path, tpl.sqlite, 0o600); err != nil {
			t.Fatal(err)
		}
		return "sqlite:" + path
	}
	return newPostgresDatabase(t, os.Getenv(envURL), databaseName(tpl.pgURL))
}

// newPostgresDatabase creates a database beside base for t, a copy of
// template when one is named, and returns its URL. It is dropped at the
// end of the process (Main), not after the test: PostgreSQL 15 forces a
// checkpoint at every DROP DATABASE, which flushes what the tests running
// beside are writing.
func newPostgresDatabase(t testing.TB, base, template string) string {
	t.Helper()
	admin, err := openAdmin(base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	dbURL, err := createDatabase(t.Context(), admin, base, template)
	if err != nil {
		t.Fatal(err)
	}
	databases.remember(dbURL)
	return dbURL
}

// openAdmin connects to the database of base, from which the others are
// created and dropped.
func openAdmin(base string) (*sql.DB, error) {
	if u, err := url.Parse(base); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// The URL is not shown: it may hold a password.
		return nil, fmt.Errorf("%s must be a postgres:// URL", envURL)
	}
	return sql.Open("pgx", base)
}

// createDatabase creates a database named after base's, a copy of template
// when one is named, and returns base with that database.
func createDatabase(ctx context.Context, admin *sql.DB, base, template string) (string, error) {
	u, _ := url.Parse(base) // checked by openAdmin
	// rand.Text is base32: lower-cased, it is a valid unquoted identifier.
	name := databaseName(base) + "_t" + strings.ToLower(rand.Text()[:16])
	stmt := "CREATE DATABASE " + name
	if template != "" {
		stmt += " TEMPLATE " + template
	}
	if _, err := admin.ExecContext(ctx, stmt); err != nil {
		return "", fmt.Errorf("create test database: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func databaseName(dbURL string) string {
	u, _ := url.Parse(dbURL)
	return strings.TrimPrefix(u.Path, "/")
}

func dropDatabase(admin *sql.DB, name string) error {
	// The test's context is already cancelled when cleanups run.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	return err
}

// dropTemplates drops the PostgreSQL templates of the process and the
// empty databases kept for reuse.
func dropTemplates() error {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	names := databases.all()
	for _, tpl := range templates {
		if tpl.pgURL != "" {
			names = append(names, tpl.pgURL)
		}
	}
	if len(names) == 0 {
		return nil
	}
	admin, err := openAdmin(os.Getenv(envURL))
	if err != nil {
		return err
	}
	defer admin.Close()
	for _, dbURL := range names {
		if err := dropDatabase(admin, databaseName(dbURL)); err != nil {
			return fmt.Errorf("drop test database %s: %w", databaseName(dbURL), err)
		}
	}
	return nil
}

// databases are the process's PostgreSQL test databases, all dropped at
// its end; the empty ones of Open are free between tests: each serves one
// test at a time, and is emptied after it for the next.
var databases pool

type pool struct {
	mu         sync.Mutex
	free, kept []string
}

// take returns the URL of a free database, or "" when none is.
func (p *pool) take() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) == 0 {
		return ""
	}
	dbURL := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	return dbURL
}

func (p *pool) give(dbURL string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, dbURL)
}

// remember keeps dbURL to be dropped at the end of the process, with every
// database the tests used.
func (p *pool) remember(dbURL string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.kept = append(p.kept, dbURL)
}

func (p *pool) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.kept)
}

// emptyDatabase deletes every row of the database at dbURL, in one
// transaction: the tables that refer to others first.
func emptyDatabase(dbURL string) error {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err = db.ExecContext(ctx, "BEGIN; "+deleteEverything()+" COMMIT")
	return err
}

// deleteEverything is the DELETE statements that empty the schema, the
// tables that refer to others before those they refer to (a table's rows
// that refer to its own go in the same statement).
var deleteEverything = sync.OnceValue(func() string {
	referrers := map[string][]string{}
	for _, t := range migrate.Tables {
		for _, fk := range t.ForeignKeys {
			if fk.RefTable != nil && fk.RefTable.Name != t.Name {
				referrers[fk.RefTable.Name] = append(referrers[fk.RefTable.Name], t.Name)
			}
		}
	}
	var b strings.Builder
	done := map[string]bool{}
	var empty func(table string)
	empty = func(table string) {
		if done[table] {
			return
		}
		done[table] = true
		for _, r := range referrers[table] {
			empty(r)
		}
		b.WriteString("DELETE FROM " + table + "; ")
	}
	for _, t := range migrate.Tables {
		empty(t.Name)
	}
	return b.String()
})

// Viewer returns the viewer of the account of email in client's database,
// with its roles, as logging in makes it.
func Viewer(t testing.TB, client *ent.Client, email string) *viewer.Viewer {
	t.Helper()
	a, err := client.Account.Query().Where(account.Email(email)).WithRoleAssignments().Only(viewer.SystemContext(t.Context()))
	if err != nil {
		t.Fatalf("account %s: %v", email, err)
	}
	v := &viewer.Viewer{AccountID: a.ID, Email: a.Email}
	for _, r := range a.Edges.RoleAssignments {
		role := viewer.Role{Name: string(r.Role)}
		if r.MemberID != nil {
			role.MemberID = *r.MemberID
		}
		v.Roles = append(v.Roles, role)
	}
	return v
}
