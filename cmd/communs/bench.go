package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"communs/ent/account"
	"communs/graph"
	"communs/internal/auth"
	"communs/internal/bench"
	"communs/internal/charging"
	"communs/internal/metrics"
	"communs/internal/seed"
	"communs/internal/store"
	"communs/internal/viewer"
	"communs/modules"
	"communs/policies"
)

// benchAccount is the groupement's account the benchmark reads as.
const benchAccount = "bench@communs.invalid"

func runBench(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("bench", "measure the read path on PostgreSQL: the API against a hand-written pgx service (the floor)")
	var db dbFlags
	db.register(fs)
	members := fs.Int("members", 2000, "members to generate when the database is empty")
	resources := fs.Int("resources", 100, "resources to generate when the database is empty")
	year := fs.Int("year", 2026, "the fiscal year generated and read")
	clients := fs.String("clients", "1,16", "levels of concurrency, comma-separated")
	duration := fs.Duration("duration", 10*time.Second, "how long each workload is measured at each level")
	warmup := fs.Duration("warmup", 2*time.Second, "how long each is run first, unmeasured")
	only := fs.String("workloads", "", "the workloads to run, comma-separated (default all)")
	worst := fs.Bool("worst", false, "also run the worst queries the limits allow (no floor): the search's (graph.WorstQuery) and one past the row budget")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run (API, floor and clients) to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	tuneGC() // as serve does
	levels, err := parseLevels(*clients)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(db.url, "postgres") {
		return errors.New("bench measures PostgreSQL: give --database-url postgres://… (env COMMUNS_DATABASE_URL)")
	}
	store, err := db.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := benchData(ctx, store, *members, *resources, *year, out); err != nil {
		return err
	}
	token, err := benchToken(ctx, store)
	if err != nil {
		return err
	}
	var m *metrics.Metrics
	apiURL, err := serveInProcess(ctx, func() (http.Handler, error) {
		srv, mm, err := newServer(ctx, serveConfig{db: db, modules: "all", sessionCache: 10 * time.Second}, store, buildModules(db.dataDir, discardLogger(), os.Environ()), discardLogger(), io.Discard)
		if err != nil {
			return nil, err
		}
		m = mm
		return srv.Handler(), nil
	})
	if err != nil {
		return err
	}
	if err := store.Fill(ctx); err != nil { // as serve does
		return err
	}
	pool, err := pgxpool.New(ctx, db.url)
	if err != nil {
		return err
	}
	defer pool.Close()
	workloads, err := bench.Workloads(ctx, pool, *year)
	if err != nil {
		return err
	}
	if *worst {
		x, err := worstWorkloads()
		if err != nil {
			return err
		}
		workloads = append(workloads, x...)
	}
	workloads = selected(workloads, *only)
	floorURL, err := serveInProcess(ctx, func() (http.Handler, error) { return bench.FloorHandler(pool, workloads), nil })
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Go %s, %d CPUs (GOMAXPROCS %d); %s\n", runtime.Version(), runtime.NumCPU(), runtime.GOMAXPROCS(0), postgresVersion(ctx, pool))
	cfg := bench.Config{API: apiURL + "/graphql", Token: token, Floor: floorURL + "/", Clients: levels,
		Duration: *duration, Warmup: *warmup, Out: out,
		Counters: func() bench.Counts {
			statements, requests := m.StatementTotals()
			rows, queries := m.RowTotals()
			return bench.Counts{Statements: statements, Requests: requests, Rows: rows, Queries: queries,
				Connections: store.ConnectionsOpened()}
		}}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	api, floor, err := bench.Run(ctx, cfg, workloads)
	if err != nil {
		return err
	}
	bench.Report(out, workloads, api, floor)
	return nil
}

// worstWorkloads are the most expensive queries the limits let the
// groupement's staff send: the one the search of the schema finds (most
// rows at the lists' bounds), and one whose rows, on large data, pass the
// row budget (every resource with every subscription).
func worstWorkloads() ([]bench.Workload, error) {
	mods, err := buildModules("", discardLogger(), os.Environ()).enabled("all")
	if err != nil {
		return nil, err
	}
	enforcer, err := policies.New(modules.Policy(mods)...)
	if err != nil {
		return nil, err
	}
	staff := &viewer.Viewer{Roles: []viewer.Role{{Name: "gsm_staff"}}}
	query, rows, complexity := graph.WorstQuery(func(field string) bool { return enforcer.Allowed(staff, "query", field) })
	return []bench.Workload{
		{Name: "X1", Description: fmt.Sprintf("the worst shape the limits allow (up to %d rows at the lists' bounds, complexity %d): %s", rows, complexity, query),
			Query: query},
		{Name: "X2", Description: "100 resources with all their subscriptions: past the row budget on large data",
			Query: `{ resources(first: 100) { edges { node { id code name subscriptions { id status requestedOn startsOn endsOn conventionSignedOn projectLeadName } } } } }`},
	}, nil
}

// selected keeps the workloads named in list (all when it is empty).
func selected(workloads []bench.Workload, list string) []bench.Workload {
	if list == "" {
		return workloads
	}
	names := strings.Split(list, ",")
	return slices.DeleteFunc(workloads, func(w bench.Workload) bool { return !slices.Contains(names, w.Name) })
}

func parseLevels(s string) ([]int, error) {
	var levels []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--clients: %q is not a number of clients", f)
		}
		levels = append(levels, n)
	}
	return levels, nil
}

// benchData generates a synthetic year and runs its charge cycle when the
// database has no member; otherwise it reads what is there.
func benchData(ctx context.Context, store *store.DB, members, resources, year int, out io.Writer) error {
	ctx = viewer.SystemContext(ctx)
	n, err := store.Client.Member.Query().Count(ctx)
	if err != nil || n > 0 {
		fmt.Fprintf(out, "Reading the %d members there.\n", n)
		return err
	}
	sc := seed.Scale{Members: members, Resources: resources, Year: year}
	if err := runGenerate(ctx, store.Client, sc, out, os.Stderr); err != nil {
		return err
	}
	for _, step := range []charging.Step{"Q1", "Q2", "Q3", "YEAR_END"} {
		res, err := charging.RunStep(ctx, store.Client, charging.Request{Year: year, Step: step, StartedBy: "communs bench",
			ForcedReason: "synthetic year of the benchmark"})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s %d: %d charge lines\n", step, year, res.Created)
	}
	// As autovacuum would, later: statistics for the planner, and the
	// visibility map that lets index-only scans skip the rows.
	_, err = store.Client.ExecContext(ctx, "VACUUM ANALYZE")
	return err
}

// benchToken opens a session of the benchmark's account, created as
// gsm_staff with a random password on the first run.
func benchToken(ctx context.Context, store *store.DB) (string, error) {
	ctx = viewer.SystemContext(ctx)
	authn := auth.New(store.Client)
	exists, err := store.Client.Account.Query().Where(account.Email(benchAccount)).Exist(ctx)
	if err != nil {
		return "", err
	}
	if !exists {
		if _, err := authn.CreateAccount(ctx, benchAccount, rand.Text(), "Benchmark", "gsm_staff", nil); err != nil {
			return "", err
		}
	}
	session, err := authn.PlatformSession(ctx, benchAccount)
	if err != nil {
		return "", err
	}
	return session.Token, nil
}

// serveInProcess serves the handler build gives on a free local port until
// ctx ends, and returns its base URL.
func serveInProcess(ctx context.Context, build func() (http.Handler, error)) (string, error) {
	h, err := build()
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	context.AfterFunc(ctx, func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), nil
}

func postgresVersion(ctx context.Context, pool *pgxpool.Pool) string {
	var v string
	if err := pool.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "PostgreSQL ?"
	}
	return "PostgreSQL " + v
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
