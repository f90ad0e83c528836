package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"communs/ent"
	"communs/graph"
	"communs/internal/auth"
	"communs/internal/budget"
	"communs/internal/callforfunds"
	"communs/internal/httperror"
	"communs/internal/memberdocs"
	"communs/internal/membership"
	"communs/internal/metrics"
	"communs/internal/notify"
	"communs/internal/payments"
	"communs/internal/seed"
	"communs/internal/server"
	"communs/internal/store"
	"communs/internal/viewer"
	"communs/modules"
	"communs/modules/cil"
	"communs/modules/cpom"
	"communs/modules/directory"
	"communs/modules/userrecord"
	"communs/policies"
)

// serveConfig is everything serve needs, from flags and environment.
type serveConfig struct {
	db            dbFlags
	addr          string
	corsOrigins   string
	graphiql      bool
	introspection bool
	demo          bool
	migrate       bool
	logFormat     string
	smtp          notify.SMTPConfig
	issuer        issuerFlags
	accounts      accountFlags
	reminderDays  string
	modules       string
	sessionCache  time.Duration
	metricsAddr   string
	limits        requestLimits
}

// requestLimits bound what one request may cost; zero takes the default.
type requestLimits struct {
	complexity, rowBudget, responseBytes, concurrent int
	documentBytes                                    int64
	timeout                                          time.Duration
}

func (l *requestLimits) register(fs *flag.FlagSet) {
	fs.IntVar(&l.complexity, "max-complexity", envInt("COMMUNS_MAX_COMPLEXITY", graph.DefaultComplexityLimit),
		"the highest complexity of a query: fields, times the page size of connections and the bound of lists (env COMMUNS_MAX_COMPLEXITY)")
	fs.IntVar(&l.rowBudget, "row-budget", envInt("COMMUNS_ROW_BUDGET", graph.DefaultRowBudget),
		"the rows a query may load from the database, nested lists included (env COMMUNS_ROW_BUDGET)")
	fs.IntVar(&l.responseBytes, "max-response-size", envInt("COMMUNS_MAX_RESPONSE_SIZE", server.DefaultMaxResponseBytes),
		"the largest answer in bytes; a larger one is an error (env COMMUNS_MAX_RESPONSE_SIZE)")
	fs.IntVar(&l.concurrent, "max-concurrent", envInt("COMMUNS_MAX_CONCURRENT", 0),
		"GraphQL requests run at once; more wait up to 2 s, then get 503 (env COMMUNS_MAX_CONCURRENT; default: the database pool's size)")
	fs.Int64Var(&l.documentBytes, "max-document-size", int64(envInt("COMMUNS_MAX_DOCUMENT_SIZE", memberdocs.DefaultMaxBytes)),
		"the largest document of membership in bytes an upload may send; a larger one gets 413 (env COMMUNS_MAX_DOCUMENT_SIZE)")
	fs.DurationVar(&l.timeout, "request-timeout", envDuration("COMMUNS_REQUEST_TIMEOUT", server.DefaultRequestTimeout),
		"the deadline of a GraphQL request, its database statements included (env COMMUNS_REQUEST_TIMEOUT)")
}

// accountFlags are the accounts and journals of the accounting export.
type accountFlags struct{ payments.Accounts }

func (f *accountFlags) register(fs *flag.FlagSet) {
	def := payments.DefaultAccounts()
	for _, a := range []struct {
		into           *string
		name, env, def string
		meaning        string
	}{
		{&f.Receivable, "account-members", "COMMUNS_ACCOUNT_MEMBERS", def.Receivable, "the members' account"},
		{&f.Revenue, "account-revenue", "COMMUNS_ACCOUNT_REVENUE", def.Revenue, "the account of the charges at cost price"},
		{&f.Fees, "account-fees", "COMMUNS_ACCOUNT_FEES", def.Fees, "the account of the membership fees"},
		{&f.Bank, "account-bank", "COMMUNS_ACCOUNT_BANK", def.Bank, "the bank account payments are received on"},
		{&f.SalesJournal, "journal-sales", "COMMUNS_JOURNAL_SALES", def.SalesJournal, "the journal of the calls for funds"},
		{&f.BankJournal, "journal-bank", "COMMUNS_JOURNAL_BANK", def.BankJournal, "the journal of the payments"},
	} {
		fs.StringVar(a.into, a.name, env(a.env, a.def), a.meaning+" in the accounting export (env "+a.env+")")
	}
}

// issuerFlags name the groupement on its calls for funds.
type issuerFlags struct{ name, address, siren string }

func (f *issuerFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "gsm-name", env("COMMUNS_GSM_NAME", "Groupement social de moyens"),
		"the groupement's name, printed on calls for funds (env COMMUNS_GSM_NAME)")
	fs.StringVar(&f.address, "gsm-address", env("COMMUNS_GSM_ADDRESS", ""),
		"the groupement's address, lines separated by ';' (env COMMUNS_GSM_ADDRESS)")
	fs.StringVar(&f.siren, "gsm-siren", env("COMMUNS_GSM_SIREN", ""),
		"the groupement's SIREN number (env COMMUNS_GSM_SIREN)")
}

func (f issuerFlags) issuer() callforfunds.Issuer {
	var lines []string
	for _, l := range strings.Split(f.address, ";") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return callforfunds.Issuer{Name: f.name, Address: lines, Siren: f.siren}
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	c.db.register(fs)
	fs.StringVar(&c.addr, "addr", env("COMMUNS_ADDR", "127.0.0.1:8080"),
		"address to listen on (env COMMUNS_ADDR)")
	fs.StringVar(&c.corsOrigins, "cors-origins", env("COMMUNS_CORS_ORIGINS", ""),
		"comma-separated origins allowed to call the API from a browser (env COMMUNS_CORS_ORIGINS)")
	fs.BoolVar(&c.graphiql, "graphiql", envBool("COMMUNS_GRAPHIQL", false),
		"serve the GraphiQL explorer at / (env COMMUNS_GRAPHIQL; on by default with --demo)")
	fs.BoolVar(&c.introspection, "introspection", envBool("COMMUNS_INTROSPECTION", false),
		"answer GraphQL introspection queries (env COMMUNS_INTROSPECTION; on by default with --demo or --graphiql)")
	fs.BoolVar(&c.demo, "demo", false, "load the demo data before serving (idempotent)")
	fs.BoolVar(&c.migrate, "migrate", envBool("COMMUNS_MIGRATE", true),
		"migrate the database schema on start (env COMMUNS_MIGRATE)")
	fs.StringVar(&c.smtp.Addr, "smtp-addr", env("COMMUNS_SMTP_ADDR", ""),
		"SMTP server host:port for notifications; empty writes them to the log (env COMMUNS_SMTP_ADDR; password in COMMUNS_SMTP_PASSWORD)")
	fs.StringVar(&c.smtp.From, "smtp-from", env("COMMUNS_SMTP_FROM", "Communs <no-reply@communs.invalid>"),
		"sender of notifications (env COMMUNS_SMTP_FROM)")
	fs.StringVar(&c.smtp.Username, "smtp-username", env("COMMUNS_SMTP_USERNAME", ""),
		"SMTP user name, if the server needs one (env COMMUNS_SMTP_USERNAME)")
	fs.BoolVar(&c.smtp.StartTLS, "smtp-starttls", envBool("COMMUNS_SMTP_STARTTLS", true),
		"require STARTTLS before sending (env COMMUNS_SMTP_STARTTLS)")
	c.smtp.Password = env("COMMUNS_SMTP_PASSWORD", "")
	c.issuer.register(fs)
	c.accounts.register(fs)
	registerReminderDays(fs, &c.reminderDays)
	c.limits.register(fs)
	fs.StringVar(&c.modules, "modules", env("COMMUNS_MODULES", "all"),
		"modules to run: all, none, or a comma-separated list of "+strings.Join(modules.Names(buildModules("", nil, nil).all), ", ")+" (env COMMUNS_MODULES)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", env("COMMUNS_METRICS_ADDR", ""),
		"address to serve Prometheus metrics on (GET /metrics), apart from the API; empty serves none (env COMMUNS_METRICS_ADDR)")
	fs.DurationVar(&c.sessionCache, "session-cache", envDuration("COMMUNS_SESSION_CACHE", 10*time.Second),
		"how long an authenticated session is kept in memory (0: read at every request); any change of roles, sessions or accounts empties it on this instance (env COMMUNS_SESSION_CACHE)")
	fs.StringVar(&c.logFormat, "log-format", env("COMMUNS_LOG_FORMAT", "auto"),
		"log format: auto (text on a terminal, JSON otherwise), text or json (env COMMUNS_LOG_FORMAT)")
}

// applyDefaults turns the explorer on for a demo, and introspection with the
// explorer, unless the operator said otherwise.
func (c *serveConfig) applyDefaults(fs *flag.FlagSet) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	_, graphiqlEnv := os.LookupEnv("COMMUNS_GRAPHIQL")
	_, introspectionEnv := os.LookupEnv("COMMUNS_INTROSPECTION")
	if c.demo && !set["graphiql"] && !graphiqlEnv {
		c.graphiql = true
	}
	if c.graphiql && !set["introspection"] && !introspectionEnv {
		c.introspection = true
	}
}

func runServe(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("serve", "run the API server")
	var cfg serveConfig
	cfg.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg.applyDefaults(fs)
	days, err := payments.ParseReminderDays(cfg.reminderDays)
	if err != nil {
		return err
	}
	tuneGC()
	logger, err := newLogger(os.Stderr, cfg.logFormat)
	if err != nil {
		return err
	}
	set := buildModules(cfg.db.dataDir, logger, os.Environ())
	mods, err := set.enabled(cfg.modules)
	if err != nil {
		return err
	}
	db, err := cfg.db.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	srv, m, err := newServer(ctx, cfg, db, set, logger, out)
	if err != nil {
		return err
	}
	if err := db.Fill(ctx); err != nil {
		return err
	}
	if cfg.metricsAddr != "" {
		ln, err := server.Listen(ctx, cfg.metricsAddr)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		go serveMetrics(ctx, ln, m, logger)
	}
	transport, err := notificationTransport(cfg.smtp, logger)
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(ctx)
	go runNightlyAt(ctx, db.Client, mods, days, logger)
	sending := make(chan struct{})
	go func() {
		defer close(sending)
		notify.NewSender(db.Client, transport, logger).Run(ctx, 30*time.Second)
	}()
	err = srv.ListenAndServe(ctx)
	stop()
	<-sending // the sender finishes with the database before it closes
	return err
}

// newServer wires the application over an open store and the modules
// built: schema → demo data → policy → authentication → GraphQL → HTTP.
func newServer(ctx context.Context, cfg serveConfig, db *store.DB, set moduleSet, logger *slog.Logger, out io.Writer) (*server.Server, *metrics.Metrics, error) {
	mods, err := set.enabled(cfg.modules)
	if err != nil {
		return nil, nil, err
	}
	if err := prepare(ctx, cfg, db, mods, out); err != nil {
		return nil, nil, err
	}
	enforcer, err := policies.New(modules.Policy(mods)...)
	if err != nil {
		return nil, nil, err
	}
	budget.Intercept(db.Client) // the rows of a query count against its budget
	authn := auth.New(db.Client)
	authn.CacheSessions(cfg.sessionCache)
	members := membership.New(db.Client, authn, modules.Hooks(mods))
	treasury := payments.New(db.Client)
	treasury.Accounts = cfg.accounts.WithDefaults()
	m := metrics.New(metrics.Database{Pool: db.Pool(), ConnectionsOpened: db.ConnectionsOpened})
	options := graph.HandlerOptions{
		ComplexityLimit: cfg.limits.complexity,
		RowBudget:       cfg.limits.rowBudget,
		Metrics:         m,
		Introspection:   cfg.introspection,
		Logger:          logger,
		Auth:            authn,
		Membership:      members,
		Payments:        treasury,
		Enforcer:        enforcer,
		Modules:         modules.Names(mods),
	}
	if enabled(mods, directory.Name) {
		options.Directory = directory.New(db.Client)
	}
	if enabled(mods, cil.Name) {
		options.CIL = cil.New(db.Client)
	}
	if enabled(mods, userrecord.Name) {
		keys, err := set.userRecordKeys()
		if err != nil {
			return nil, nil, err
		}
		userrecord.LogReads(db.Client)
		options.UserRecord = userrecord.New(db.Client, keys)
	}
	if enabled(mods, cpom.Name) {
		options.CPOM = cpom.New(db.Client, cpomActivity(mods))
	}
	errs := httperror.New(logger)
	api := m.CountStatements(authn.Middleware(errs, graph.NewHandler(db.Client, options)))
	routes := map[string]http.Handler{
		callforfunds.RoutePattern: authn.Middleware(errs, callforfunds.Handler(db.Client, cfg.issuer.issuer(),
			func(v *viewer.Viewer) bool { return enforcer.Allowed(v, "query", "callsForFunds") }, errs)),
		payments.StatementPattern: authn.Middleware(errs, treasury.StatementHandler(cfg.issuer.issuer(),
			func(v *viewer.Viewer) bool { return enforcer.Allowed(v, "query", "accountStatement") }, errs)),
		payments.JournalPattern: authn.Middleware(errs, treasury.JournalHandler(
			func(v *viewer.Viewer) bool { return enforcer.Allowed(v, "query", "accountingJournal") }, errs)),
	}
	maps.Copy(routes, documentRoutes(db.Client, cfg.limits.documentBytes, enforcer, authn, errs))
	for _, m := range mods {
		if m.Routes == nil {
			continue
		}
		allowed := func(v *viewer.Viewer, field string) bool { return enforcer.Allowed(v, "query", field) }
		for pattern, h := range m.Routes(db.Client, allowed, errs) {
			routes[pattern] = authn.Middleware(errs, h)
		}
	}
	concurrent := cfg.limits.concurrent
	if concurrent <= 0 {
		concurrent = db.MaxConns
	}
	srv := server.New(server.Config{
		Addr:             cfg.addr,
		CORSOrigins:      splitList(cfg.corsOrigins),
		GraphiQL:         cfg.graphiql,
		Logger:           logger,
		Routes:           routes,
		MaxResponseBytes: cfg.limits.responseBytes,
		MaxConcurrent:    concurrent,
		RequestTimeout:   cfg.limits.timeout,
	}, api, db.Ping)
	return srv, m, nil
}

// documentRoutes are the upload and download of the documents of
// membership, allowed by the grants of uploadMemberDocument and
// memberDocuments; which member's, row isolation decides.
func documentRoutes(client *ent.Client, maxBytes int64, enforcer *policies.Enforcer, authn *auth.Service, errs *httperror.Writer) map[string]http.Handler {
	documents := memberdocs.New(client)
	documents.MaxBytes = maxBytes
	grant := func(operation, field string) func(*viewer.Viewer) bool {
		return func(v *viewer.Viewer) bool { return enforcer.Allowed(v, operation, field) }
	}
	return map[string]http.Handler{
		memberdocs.UploadPattern:   authn.Middleware(errs, documents.UploadHandler(grant("mutation", "uploadMemberDocument"), errs)),
		memberdocs.DownloadPattern: authn.Middleware(errs, documents.DownloadHandler(grant("query", "memberDocuments"), errs)),
	}
}

// tuneGC trades memory for CPU, unless the operator set GOGC or
// GOMEMLIMIT: a page of a GraphQL list allocates a few objects per field,
// and the live heap of the server is small, so the collector runs a
// quarter as often as by default (GOGC=400), but works harder as the heap
// nears 768 MiB (GOMEMLIMIT).
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(768 << 20)
	}
}

// serveMetrics serves the metrics on ln, apart from the API, until ctx ends.
func serveMetrics(ctx context.Context, ln net.Listener, m *metrics.Metrics, logger *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	context.AfterFunc(ctx, func() { _ = srv.Close() })
	logger.InfoContext(ctx, "metrics", slog.String("url", "http://"+ln.Addr().String()+"/metrics"))
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.ErrorContext(ctx, "metrics server stopped", slog.String("error", err.Error()))
	}
}

// prepare migrates the schema and loads the demo data of the core and of
// mods, as configured.
func prepare(ctx context.Context, cfg serveConfig, db *store.DB, mods []*modules.Module, out io.Writer) error {
	if cfg.migrate {
		if err := db.Migrate(ctx); err != nil {
			return err
		}
	}
	if cfg.demo {
		summary, err := seed.Demo(ctx, db.Client, out)
		if err != nil {
			return err
		}
		if err := modules.Demo(ctx, db.Client, mods, out); err != nil {
			return err
		}
		_, _ = io.WriteString(out, summary.String()+"\n")
		seed.PrintLogins(out)
	}
	return nil
}

func splitList(s string) []string {
	var items []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// notificationTransport sends by SMTP when a server is configured, and
// writes notifications to the log otherwise.
func notificationTransport(cfg notify.SMTPConfig, logger *slog.Logger) (notify.Transport, error) {
	if cfg.Addr == "" {
		return notify.NewLogTransport(logger), nil
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("SMTP configuration: %w", err)
	}
	return notify.NewSMTPTransport(cfg), nil
}
