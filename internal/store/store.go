// Package store opens the Communs database — embedded SQLite by default,
// PostgreSQL when given a postgres:// URL — and migrates its schema.
package store

import (
	"communs/internal/chargetotals"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"communs/ent"
	"communs/ent/migrate"
	_ "communs/ent/runtime" // registers schema hooks and privacy policies; without it they never run
)

// DB is an open database with its ent client.
type DB struct {
	Client  *ent.Client
	Dialect string // dialect.SQLite or dialect.Postgres
	// MaxConns is the size of the connection pool.
	MaxConns int

	sqldb  *sql.DB
	opened *atomic.Int64 // connections opened (PostgreSQL), nil for SQLite
}

// pingTimeout bounds the first contact with the database, so that a
// firewalled server fails at start-up instead of hanging it.
const pingTimeout = 5 * time.Second

// sqliteFile is the name of the embedded database inside the data directory.
const sqliteFile = "communs.db"

const acceptedForms = `"" (SQLite file ` + sqliteFile + ` in the data directory), ` +
	`"sqlite:PATH", "file:PATH" or "postgres://user:password@host:port/dbname"`

// Open opens the database named by url. "" means the embedded SQLite database
// file communs.db inside dataDir, which is created (mode 0o700) if missing.
// "postgres://…" or "postgresql://…" means PostgreSQL; "sqlite:PATH" or
// "file:PATH" means an SQLite file at PATH.
//
// Open pings the database, so an unreachable server, a malformed URL or an
// unwritable directory fails here. Error messages never contain the URL's
// password.
func Open(ctx context.Context, url, dataDir string) (*DB, error) {
	switch {
	case url == "":
		if dataDir == "" {
			return nil, errors.New("store: no database URL and no data directory")
		}
		return openSQLite(ctx, filepath.Join(dataDir, sqliteFile))
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return openPostgres(ctx, url)
	case strings.HasPrefix(url, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(url, "sqlite:"))
	case strings.HasPrefix(url, "file:"):
		return openSQLite(ctx, strings.TrimPrefix(url, "file:"))
	}
	// Only the scheme is echoed: the rest may hold a password.
	scheme, _, ok := strings.Cut(url, "://")
	if !ok || scheme == "" || strings.ContainsAny(scheme, ":/@") {
		return nil, fmt.Errorf("store: unsupported database URL: use %s", acceptedForms)
	}
	return nil, fmt.Errorf("store: unsupported database URL scheme %q: use %s", scheme, acceptedForms)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("store: empty SQLite path: use %s", acceptedForms)
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: SQLite path: %w", err)
	}
	if err := ensureWritableDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	// The path goes into an SQLite URI, where '?', '#' and '%' are special.
	// _txlock=immediate makes every transaction take the write lock at BEGIN,
	// where busy_timeout applies; a deferred transaction that reads then
	// writes would instead fail at once with SQLITE_BUSY when another
	// connection writes first. A 32 MiB page cache per connection (the
	// default is 2 MiB) keeps a year-end run's 200,000 lines from spilling
	// to the WAL before commit.
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=cache_size(-32768)&_txlock=immediate"
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open SQLite database %s: %w", path, err)
	}
	// WAL lets readers run beside the one writer, so a few connections pay
	// off; writers queue on the lock (busy_timeout) rather than on the pool.
	// Idle connections are kept, as each new one re-runs the pragmas.
	conns := max(4, runtime.NumCPU())
	sqldb.SetMaxOpenConns(conns)
	sqldb.SetMaxIdleConns(conns)
	if err := ping(ctx, sqldb); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("store: open SQLite database %s: %w", path, err)
	}
	db := newDB(sqldb, dialect.SQLite)
	db.MaxConns = conns
	return db, nil
}

// ensureWritableDir creates dir if needed and proves it writable: SQLite
// itself would only say "unable to open database file", and in WAL mode it
// also needs to create the -wal and -shm files beside the database.
func ensureWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("store: data directory %s is not writable: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("store: data directory %s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// postgresConns bounds the connections of a server to PostgreSQL.
const postgresConns = 20

// statementTimeout bounds a statement on PostgreSQL: twice a request's
// deadline, and time enough for the longest statement of a charge run.
const statementTimeout = 60 * time.Second

// cancelGrace is how long a cancelled statement has to stop before its
// connection is closed after all.
const cancelGrace = 5 * time.Second

func openPostgres(ctx context.Context, rawURL string) (*DB, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, malformedPostgresURL(rawURL, err)
	}
	where := redactedURL(u)
	config, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, redact(fmt.Errorf("store: open PostgreSQL at %s: %w", where, err), u)
	}
	// A statement that outlives any request is cut by the server itself,
	// should the client's cancellation not reach it; the URL may set
	// another (?statement_timeout=…, in milliseconds).
	if _, set := config.RuntimeParams["statement_timeout"]; !set {
		config.RuntimeParams["statement_timeout"] = strconv.Itoa(int(statementTimeout.Milliseconds()))
	}
	// A request that ends (its client gone, its deadline past) while its
	// statement runs asks PostgreSQL to cancel the statement and keeps
	// the session: pgx would otherwise close the connection, and the pool
	// open another one on a later request's path.
	config.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: cancelGrace}
	}
	opened := new(atomic.Int64)
	sqldb := sql.OpenDB(countingConnector{Connector: stdlib.GetConnector(*config), opened: opened})
	// Several stateless API servers share one PostgreSQL (max_connections
	// defaults to 100), so each keeps a bounded pool. Every open connection
	// may stay idle: closing one under load only to open another costs a
	// PostgreSQL session and its prepared statements. Connections are
	// recycled so that a failover or a DNS change is eventually followed.
	sqldb.SetMaxOpenConns(postgresConns)
	sqldb.SetMaxIdleConns(postgresConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	sqldb.SetConnMaxLifetime(30 * time.Minute)
	if err := ping(ctx, sqldb); err != nil {
		sqldb.Close()
		return nil, redact(fmt.Errorf("store: cannot connect to PostgreSQL at %s: %w", where, err), u)
	}
	db := newDB(sqldb, dialect.Postgres)
	db.opened, db.MaxConns = opened, postgresConns
	return db, nil
}

// malformedPostgresURL explains a URL that net/url rejects. Its message
// quotes pieces of the URL, so it is shown only when the URL has no
// credentials: a password with an unescaped '#' or '/' would leak otherwise.
func malformedPostgresURL(rawURL string, err error) error {
	const form = "postgres://user:password@host:port/dbname?sslmode=disable"
	if strings.Contains(rawURL, "@") || strings.Contains(rawURL, "password=") {
		return fmt.Errorf("store: malformed PostgreSQL URL (not shown, it holds credentials): "+
			"expected %s, with special characters in the user name and password percent-encoded", form)
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // without the URL it repeats
	}
	return fmt.Errorf("store: malformed PostgreSQL URL %q: %v (expected %s)", rawURL, err, form)
}

func ping(ctx context.Context, sqldb *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return sqldb.PingContext(ctx)
}

func newDB(sqldb *sql.DB, dialectName string) *DB {
	drv := countingDriver{entsql.OpenDB(dialectName, sqldb)}
	return &DB{Client: ent.NewClient(ent.Driver(drv)), Dialect: dialectName, sqldb: sqldb}
}

// Pool is the connection pool under the client, for its statistics.
func (db *DB) Pool() *sql.DB { return db.sqldb }

// Fill opens the whole pool at once, so that a server under load never
// opens a PostgreSQL session on a request's path: a session costs a
// process on the server and the statements it prepares again. On SQLite
// it does nothing.
func (db *DB) Fill(ctx context.Context) error {
	if db.opened == nil {
		return nil
	}
	conns := make([]*sql.Conn, 0, db.MaxConns)
	defer func() {
		for _, c := range conns {
			c.Close() // back to the pool, which keeps it idle
		}
	}()
	for range db.MaxConns {
		c, err := db.sqldb.Conn(ctx)
		if err != nil {
			return fmt.Errorf("store: fill the connection pool: %w", err)
		}
		conns = append(conns, c)
	}
	return nil
}

// ConnectionsOpened is the number of PostgreSQL sessions opened since the
// start (0 on SQLite).
func (db *DB) ConnectionsOpened() int64 {
	if db.opened == nil {
		return 0
	}
	return db.opened.Load()
}

// Ping checks that the database still answers; it backs /readyz.
func (db *DB) Ping(ctx context.Context) error {
	return db.sqldb.PingContext(ctx)
}

// Close closes the ent client and the connection pool under it.
func (db *DB) Close() error {
	return db.Client.Close()
}

// migrateOptions are shared by Migrate and WriteMigration so that the dry
// run shows exactly what Migrate would do. Stale indexes are dropped (they
// hold no data, and a unique index left behind would reject valid rows);
// columns are never dropped automatically, as that would destroy data.
var migrateOptions = []schema.MigrateOption{
	migrate.WithDropIndex(true),
	migrate.WithDropColumn(false),
	migrate.WithForeignKeys(true),
}

// migrating serializes migrations within the process: ent's migration
// writes into the package-level table definitions of communs/ent/migrate,
// so parallel tests migrating their own databases would race.
var migrating sync.Mutex

// Migrate brings the database schema up to date with the ent schema.
func (db *DB) Migrate(ctx context.Context) error {
	migrating.Lock()
	defer migrating.Unlock()
	if err := db.Client.Schema.Create(ctx, migrateOptions...); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if _, err := chargetotals.Fill(ctx, db.Client); err != nil {
		return fmt.Errorf("store: the charges' totals: %w", err)
	}
	return nil
}

// WriteMigration writes to w the SQL that Migrate would run, without
// changing the database.
func (db *DB) WriteMigration(ctx context.Context, w io.Writer) error {
	migrating.Lock()
	defer migrating.Unlock()
	if err := db.Client.Schema.WriteTo(ctx, w, migrateOptions...); err != nil {
		return fmt.Errorf("store: migration dry run: %w", err)
	}
	return nil
}
