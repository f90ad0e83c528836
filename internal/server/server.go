// Package server is the HTTP layer of Communs: the routes (the GraphQL
// endpoint, the GraphiQL explorer, health and readiness probes), the
// middleware every request goes through (request id, access log, panic
// recovery, CORS, security headers, body limit) and the http.Server with its
// timeouts and graceful shutdown.
//
// It knows nothing of GraphQL beyond the route: the endpoint is an
// http.Handler (graph.NewHandler) given to New.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/rs/cors"

	"communs/internal/requestid"
	"communs/internal/viewer"
)

// Defaults of Config, used for every field left at zero.
const (
	DefaultAddr = "127.0.0.1:8080"
	// DefaultMaxBodyBytes bounds a GraphQL request body. Queries and
	// mutation inputs are a few kilobytes; 1 MiB leaves room for large
	// variables while keeping a flood of big bodies cheap to refuse.
	DefaultMaxBodyBytes = 1 << 20

	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	// DefaultMaxResponseBytes bounds a GraphQL answer: past it, the client
	// gets an error (LIMIT_EXCEEDED) instead.
	DefaultMaxResponseBytes = 10 << 20
	// DefaultQueueWait is how long a request waits for its turn when
	// MaxConcurrent requests are running, before a 503.
	DefaultQueueWait = 2 * time.Second
	// DefaultRequestTimeout is the deadline of the context a GraphQL
	// request runs in: the database queries of a request still running
	// then are cancelled. It is shorter than the write timeout, so that
	// the client still gets the answer (an error) in time.
	DefaultRequestTimeout = 30 * time.Second
	// DefaultReadyTimeout bounds a readiness check (/readyz).
	DefaultReadyTimeout = 2 * time.Second
	// DefaultShutdownTimeout bounds the graceful shutdown: requests still
	// running then are cut.
	DefaultShutdownTimeout = 15 * time.Second

	maxHeaderBytes = 64 << 10
)

// Config configures the HTTP server. Zero fields take the defaults above.
type Config struct {
	// Addr is the address ListenAndServe listens on, host:port.
	Addr string
	// CORSOrigins are the origins allowed to call the API from a browser
	// ("https://app.example.org"; "*" allows any). None: no CORS headers
	// are sent and browsers keep the API same-origin.
	CORSOrigins []string
	// GraphiQL serves the GraphiQL explorer at GET /, pointing to /graphql.
	GraphiQL bool
	// MaxBodyBytes bounds the body of a GraphQL request; over it: 413.
	MaxBodyBytes int64
	// MaxResponseBytes bounds a GraphQL answer.
	MaxResponseBytes int
	// MaxConcurrent bounds the GraphQL requests running at once (0: no
	// bound); QueueWait is how long one more waits before a 503.
	MaxConcurrent int
	QueueWait     time.Duration
	// Logger receives the access log and errors; nil means slog.Default().
	Logger *slog.Logger
	// Routes are extra routes (metrics, module exports…), by
	// http.ServeMux pattern such as "GET /metrics". They go through the
	// same middleware. A pattern that conflicts with another panics in New.
	Routes map[string]http.Handler

	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	RequestTimeout    time.Duration
	ReadyTimeout      time.Duration
	ShutdownTimeout   time.Duration
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxResponseBytes <= 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&c.ReadTimeout, DefaultReadTimeout)
	def(&c.WriteTimeout, DefaultWriteTimeout)
	def(&c.IdleTimeout, DefaultIdleTimeout)
	def(&c.RequestTimeout, DefaultRequestTimeout)
	def(&c.QueueWait, DefaultQueueWait)
	def(&c.ReadyTimeout, DefaultReadyTimeout)
	def(&c.ShutdownTimeout, DefaultShutdownTimeout)
	return c
}

// Server serves the API over HTTP.
type Server struct {
	cfg     Config
	log     *slog.Logger
	api     http.Handler
	ready   func(context.Context) error
	handler http.Handler
}

// New returns a server for the GraphQL handler api. ready tells whether the
// server can take traffic (typically: the database answers a ping); nil
// means always ready.
func New(cfg Config, api http.Handler, ready func(context.Context) error) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, log: cfg.Logger, api: api, ready: ready}
	s.handler = s.routes()
	return s
}

// RequestID returns the id of the request being served: the client's
// X-Request-ID when it is sane, otherwise a fresh one. It is echoed in the
// X-Request-ID response header and in every log line about the request.
func RequestID(ctx context.Context) string {
	return requestid.From(ctx)
}

// Handler returns the whole HTTP handler: routes and middleware.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	graphql := requireJSON(limitBody(s.cfg.MaxBodyBytes, limitConcurrency(s.cfg.MaxConcurrent, s.cfg.QueueWait,
		withTimeout(s.cfg.RequestTimeout, limitResponse(s.cfg.MaxResponseBytes, s.api)))))
	mux.Handle("POST /graphql", graphql)
	mux.Handle("OPTIONS /graphql", s.api)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET "+assetsPath, serveAssets())
	mux.Handle("GET /dashboard", dashboard())
	if s.cfg.GraphiQL {
		mux.Handle("GET /{$}", graphiQL("/graphql"))
	}
	for pattern, h := range s.cfg.Routes {
		mux.Handle(pattern, h)
	}

	var h http.Handler = mux
	if len(s.cfg.CORSOrigins) > 0 {
		h = cors.New(cors.Options{
			AllowedOrigins: s.cfg.CORSOrigins,
			AllowedMethods: []string{http.MethodGet, http.MethodPost},
			AllowedHeaders: []string{"Accept", "Authorization", "Content-Type", requestid.Header, viewer.ReasonHeader},
			ExposedHeaders: []string{requestid.Header},
			// Sessions are bearer tokens, not cookies: no credentials.
			AllowCredentials: false,
			MaxAge:           600,
		}).Handler(h)
	}
	h = securityHeaders(h)
	h = s.recoverPanics(h)
	h = s.accessLog(h)
	return withRequestID(h)
}

// Serve serves on ln until ctx is cancelled, then shuts down gracefully:
// it stops accepting connections and waits (at most ShutdownTimeout) for the
// requests in flight. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	attrs := []any{slog.String("addr", ln.Addr().String()), slog.String("api", "http://"+ln.Addr().String()+"/graphql")}
	if s.cfg.GraphiQL {
		attrs = append(attrs, slog.String("graphiql", "http://"+ln.Addr().String()+"/"))
	}
	s.log.InfoContext(ctx, "listening", attrs...)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", slog.Duration("timeout", s.cfg.ShutdownTimeout))
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	<-errc // http.ErrServerClosed, at once after Shutdown began
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	s.log.Info("stopped")
	return nil
}

// ListenAndServe listens on Config.Addr and serves until ctx is cancelled.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := Listen(ctx, s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Listen listens on a TCP address, with a clear error when the address is
// taken.
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, &AddrInUseError{Addr: addr, Err: err}
		}
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	return ln, nil
}

// AddrInUseError reports that another process listens on the address.
type AddrInUseError struct {
	Addr string
	Err  error
}

func (e *AddrInUseError) Error() string {
	return fmt.Sprintf("address %s is already in use", e.Addr)
}

func (e *AddrInUseError) Unwrap() error { return e.Err }

// healthz answers while the process is alive.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeText(w, http.StatusOK, "ok")
}

// readyz answers 200 when the server can take traffic, 503 otherwise. The
// reason is logged, not shown.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadyTimeout)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			s.log.WarnContext(ctx, "not ready",
				slog.String("request_id", RequestID(ctx)), slog.String("error", err.Error()))
			writeText(w, http.StatusServiceUnavailable, "not ready")
			return
		}
	}
	writeText(w, http.StatusOK, "ok")
}

func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}
