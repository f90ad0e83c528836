// Package metrics exposes what operators watch, in the Prometheus format:
// GraphQL requests by operation and outcome, their latency and SQL
// statements, the database pool, the connections it opened, and the
// duration of charge runs. The numbers are served on their own address
// (serve --metrics-addr), never on the API's.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
)

// Metrics holds the collectors of one server.
type Metrics struct {
	operations operationNames
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	statements prometheus.Histogram
	rows       prometheus.Histogram
	chargeRuns *prometheus.HistogramVec
}

// Database is what the metrics read of the database at each scrape.
type Database struct {
	// Pool is the connection pool (open, in use, idle connections, waits).
	Pool *sql.DB
	// ConnectionsOpened counts the connections opened since the start:
	// under a steady load it should not move.
	ConnectionsOpened func() int64
}

// New returns the metrics of a server over db, with Go's runtime metrics.
func New(db Database) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "communs_graphql_requests_total",
			Help: "GraphQL operations answered, by operation name and outcome (OK or the first error's code).",
		}, []string{"operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "communs_graphql_request_duration_seconds",
			Help:    "Time to answer a GraphQL operation, by operation name.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"operation"}),
		statements: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "communs_sql_statements_per_request",
			Help:    "SQL statements run for one HTTP request.",
			Buckets: []float64{0, 1, 2, 3, 4, 5, 8, 13, 21, 34, 55, 89},
		}),
		rows: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "communs_rows_loaded_per_query",
			Help:    "Rows a GraphQL query loaded from the database, nested lists included (its budget bounds them).",
			Buckets: prometheus.ExponentialBuckets(1, 4, 10),
		}),
		chargeRuns: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "communs_charge_run_duration_seconds",
			Help:    "Time a step of the charge cycle took, by step.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 16),
		}, []string{"step"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.statements, m.rows, m.chargeRuns,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.Pool, "communs"),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "communs_db_connections_opened_total",
			Help: "Database connections (PostgreSQL sessions) opened since the start.",
		}, func() float64 { return float64(db.ConnectionsOpened()) }))
	return m
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// ObserveOperation records a GraphQL operation.
func (m *Metrics) ObserveOperation(operation, code string, took time.Duration) {
	if m == nil {
		return
	}
	operation = m.operations.label(operation)
	m.requests.WithLabelValues(operation, code).Inc()
	m.latency.WithLabelValues(operation).Observe(took.Seconds())
}

// ObserveRows records the rows a query loaded.
func (m *Metrics) ObserveRows(n int64) {
	if m == nil {
		return
	}
	m.rows.Observe(float64(n))
}

// RowTotals returns the rows queries loaded so far, and the queries.
func (m *Metrics) RowTotals() (rows, queries float64) {
	var out dto.Metric
	if err := m.rows.Write(&out); err != nil {
		return 0, 0
	}
	return out.GetHistogram().GetSampleSum(), float64(out.GetHistogram().GetSampleCount())
}

// ObserveChargeRun records the duration of a step of the charge cycle.
func (m *Metrics) ObserveChargeRun(step string, took time.Duration) {
	if m == nil {
		return
	}
	m.chargeRuns.WithLabelValues(step).Observe(took.Seconds())
}

// CountStatements wraps next so that the SQL statements each request runs
// are counted (Statement) and observed.
func (m *Metrics) CountStatements(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n atomic.Int64
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), counterKey{}, &n)))
		m.statements.Observe(float64(n.Load()))
	})
}

// StatementTotals returns the SQL statements counted so far and the HTTP
// requests they came from.
func (m *Metrics) StatementTotals() (statements, requests float64) {
	var out dto.Metric
	if err := m.statements.Write(&out); err != nil {
		return 0, 0
	}
	return out.GetHistogram().GetSampleSum(), float64(out.GetHistogram().GetSampleCount())
}

type counterKey struct{}

// Statement counts one SQL statement of the request of ctx, if it is
// counted.
func Statement(ctx context.Context) {
	if n, ok := ctx.Value(counterKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
}

// Statements returns the SQL statements the request of ctx ran so far.
func Statements(ctx context.Context) int64 {
	if n, ok := ctx.Value(counterKey{}).(*atomic.Int64); ok {
		return n.Load()
	}
	return 0
}

// maxOperations bounds the operation names kept as labels: clients name
// their operations, and each name is a series of its own.
const maxOperations = 200

// operationNames are the operation names seen, up to maxOperations; later
// ones are counted as "other".
type operationNames struct {
	mu    sync.Mutex
	names map[string]bool
}

func (o *operationNames) label(name string) string {
	if name == "" {
		return "anonymous"
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.names == nil {
		o.names = map[string]bool{}
	}
	if !o.names[name] && len(o.names) >= maxOperations {
		return "other"
	}
	o.names[name] = true
	return name
}
