package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Config is what a run measures.
type Config struct {
	// API is the GraphQL endpoint and Token a session of a groupement's
	// account (it reads every row).
	API, Token string
	// Floor is the URL of the floor service (FloorHandler).
	Floor string
	// Clients are the levels of concurrency; Duration how long each is
	// measured, after Warmup.
	Clients          []int
	Duration, Warmup time.Duration
	// Out receives the progress and the report.
	Out io.Writer
	// Counters, when set, read the server's counts so far.
	Counters func() Counts
}

// Counts are the server's: SQL statements and the requests they came from,
// rows loaded and the queries that loaded them, database connections
// opened.
type Counts struct {
	Statements, Requests, Rows, Queries float64
	Connections                         int64
}

// Result is one workload at one level of concurrency, through the API or
// the floor.
type Result struct {
	Workload string
	Clients  int
	Requests int
	Errors   int
	PerSec   float64
	P50, P99 time.Duration
	// StatementsPerRequest and ConnectionsOpened are the server's during
	// the measure (API only, with Config.Counters).
	StatementsPerRequest float64
	RowsPerRequest       float64
	ConnectionsOpened    int64
	// CPU is the Go process's CPU time per request (server and client,
	// not PostgreSQL's): steadier than throughput on a busy machine.
	CPU time.Duration
}

// Run checks that the API and the floor give the same answer to every
// workload, then measures both at each level of concurrency.
func Run(ctx context.Context, cfg Config, workloads []Workload) (api, floor []Result, err error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: time.Minute}
	for _, w := range workloads {
		if w.Floor == "" {
			continue // no floor to compare with
		}
		if err := sameAnswer(ctx, client, cfg, w); err != nil {
			return nil, nil, err
		}
	}
	for _, w := range workloads {
		for _, n := range cfg.Clients {
			body := graphQLBody(w)
			viaAPI := func(ctx context.Context) error { return ask(ctx, client, cfg.API, cfg.Token, body, nil) }
			var viaFloor func(context.Context) error
			if w.Floor != "" {
				viaFloor = func(ctx context.Context) error { return ask(ctx, client, cfg.Floor+w.Name, "", nil, nil) }
			}
			a, f := measure(ctx, n, cfg, w.Name, viaAPI, viaFloor)
			fmt.Fprintf(cfg.Out, "%s × %d: API %.0f req/s, floor %.0f req/s\n", w.Name, n, a.PerSec, f.PerSec)
			api, floor = append(api, a), append(floor, f)
		}
	}
	return api, floor, nil
}

func graphQLBody(w Workload) []byte {
	b, _ := json.Marshal(map[string]any{"query": w.Query, "variables": w.Variables})
	return b
}

// ask posts body (GET without one) and fails on anything but a 200 with
// no GraphQL error. The answer's data goes to data when asked; otherwise
// the answer is only read, so that the clients take little of the
// machine the server runs on.
func ask(ctx context.Context, client *http.Client, url, token string, body []byte, data *any) error {
	method := http.MethodGet
	if body != nil {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if data == nil {
		answer, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK || bytes.HasPrefix(answer, []byte(`{"errors"`)) {
			return fmt.Errorf("%s: status %d, %.200s, %v", url, resp.StatusCode, answer, err)
		}
		return nil
	}
	var answer struct {
		Data   any             `json:"data"`
		Errors json.RawMessage `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusOK || len(answer.Errors) > 0 {
		return fmt.Errorf("%s: status %d, errors %s, %v", url, resp.StatusCode, answer.Errors, err)
	}
	if data != nil {
		*data = answer.Data
	}
	return nil
}

// sameAnswer compares the API's answer with the floor's, lists compared
// as sets where the API gives no order.
func sameAnswer(ctx context.Context, client *http.Client, cfg Config, w Workload) error {
	var api, floor any
	if err := ask(ctx, client, cfg.API, cfg.Token, graphQLBody(w), &api); err != nil {
		return fmt.Errorf("%s through the API: %w", w.Name, err)
	}
	if err := ask(ctx, client, cfg.Floor+w.Name, "", nil, &floor); err != nil {
		return fmt.Errorf("%s through the floor: %w", w.Name, err)
	}
	if !reflect.DeepEqual(normalized(api), normalized(floor)) {
		a, _ := json.Marshal(api)
		f, _ := json.Marshal(floor)
		return fmt.Errorf("%s: the API and the floor disagree:\nAPI   %.600s\nfloor %.600s", w.Name, a, f)
	}
	return nil
}

// normalized sorts every list of objects with ids by id.
func normalized(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = normalized(e)
		}
	case []any:
		for i, e := range v {
			v[i] = normalized(e)
		}
		slices.SortStableFunc(v, func(a, b any) int {
			ida, _ := a.(map[string]any)["id"].(string)
			idb, _ := b.(map[string]any)["id"].(string)
			return cmp.Compare(ida, idb)
		})
	}
	return v
}

// rounds is the number of slices each workload's measure is cut into,
// the API's and the floor's alternating: on a shared machine, whatever
// else runs at the time then weighs on both alike, and their ratio holds
// from one run to the next.
const rounds = 5

// measure runs clients loops of the API's requests and of the floor's
// (when there is one), each warmed up, then measured in alternate slices
// adding up to the duration.
func measure(ctx context.Context, clients int, cfg Config, name string, api, floor func(context.Context) error) (Result, Result) {
	load(ctx, clients, cfg.Warmup, api)
	if floor != nil {
		load(ctx, clients, cfg.Warmup, floor)
	}
	var a, f tally
	for range rounds {
		a.add(ctx, clients, cfg.Duration/rounds, api, cfg.Counters)
		if floor != nil {
			f.add(ctx, clients, cfg.Duration/rounds, floor, nil)
		}
	}
	return a.result(name, clients, cfg.Duration), f.result(name, clients, cfg.Duration)
}

// load runs clients loops of do for d, and returns the latency of each
// request that ended in time and the number of them that failed.
func load(ctx context.Context, clients int, d time.Duration, do func(context.Context) error) ([]time.Duration, int) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var latencies []time.Duration
	errors := 0
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				start := time.Now()
				err := do(ctx)
				took := time.Since(start)
				if ctx.Err() != nil {
					return // cut by the end of the slice: not counted
				}
				mu.Lock()
				latencies = append(latencies, took)
				if err != nil {
					errors++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return latencies, errors
}

// tally sums up the slices of one side of a measure.
type tally struct {
	latencies []time.Duration
	errors    int
	cpu       time.Duration
	counts    Counts // the server's, during the slices
}

// add measures one slice of d, with the server's counters when given.
func (t *tally) add(ctx context.Context, clients int, d time.Duration, do func(context.Context) error, counters func() Counts) {
	var before Counts
	if counters != nil {
		before = counters()
	}
	cpu := processCPU()
	latencies, errors := load(ctx, clients, d, do)
	t.cpu += processCPU() - cpu
	t.latencies = append(t.latencies, latencies...)
	t.errors += errors
	if counters != nil {
		after := counters()
		t.counts.Statements += after.Statements - before.Statements
		t.counts.Requests += after.Requests - before.Requests
		t.counts.Rows += after.Rows - before.Rows
		t.counts.Queries += after.Queries - before.Queries
		t.counts.Connections += after.Connections - before.Connections
	}
}

func (t *tally) result(name string, clients int, d time.Duration) Result {
	r := Result{Workload: name, Clients: clients, Requests: len(t.latencies), Errors: t.errors,
		PerSec: float64(len(t.latencies)) / d.Seconds(), ConnectionsOpened: t.counts.Connections}
	if n := len(t.latencies); n > 0 {
		slices.Sort(t.latencies)
		r.P50, r.P99 = t.latencies[n/2], t.latencies[n*99/100]
		r.CPU = t.cpu / time.Duration(n)
	}
	if t.counts.Requests > 0 {
		r.StatementsPerRequest = t.counts.Statements / t.counts.Requests
	}
	if t.counts.Queries > 0 {
		r.RowsPerRequest = t.counts.Rows / t.counts.Queries
	}
	return r
}

// FloorHandler is the floor: GET /<workload> answers its SQL statement's
// JSON document as the data of a GraphQL answer.
func FloorHandler(pool *pgxpool.Pool, workloads []Workload) http.Handler {
	mux := http.NewServeMux()
	for _, w := range workloads {
		mux.HandleFunc("GET /"+w.Name, func(rw http.ResponseWriter, r *http.Request) {
			var data []byte
			if err := pool.QueryRow(r.Context(), w.Floor, w.Args...).Scan(&data); err != nil {
				http.Error(rw, err.Error(), http.StatusInternalServerError)
				return
			}
			rw.Header().Set("Content-Type", "application/json")
			_, _ = rw.Write([]byte(`{"data":`))
			_, _ = rw.Write(data)
			_, _ = rw.Write([]byte(`}`))
		})
	}
	return mux
}

// Report writes the results as a table, with the API's throughput as a
// share of the floor's.
func Report(w io.Writer, workloads []Workload, api, floor []Result) {
	fmt.Fprintf(w, "\n%-4s %-7s | %9s %8s %8s %8s %6s %5s %7s %5s | %9s %8s %8s %8s | %s\n",
		"", "clients", "API req/s", "p50", "p99", "CPU", "errors", "SQL", "rows", "conns", "floor/s", "p50", "p99", "CPU", "API ÷ floor")
	for i, a := range api {
		f := floor[i]
		ratio := "-"
		if f.PerSec > 0 {
			ratio = fmt.Sprintf("%.2f", a.PerSec/f.PerSec)
		}
		fmt.Fprintf(w, "%-4s %-7d | %9.1f %8s %8s %8s %6d %5.1f %7.0f %5d | %9.1f %8s %8s %8s | %s\n",
			a.Workload, a.Clients, a.PerSec, ms(a.P50), ms(a.P99), ms(a.CPU), a.Errors+f.Errors, a.StatementsPerRequest,
			a.RowsPerRequest, a.ConnectionsOpened, f.PerSec, ms(f.P50), ms(f.P99), ms(f.CPU), ratio)
	}
	fmt.Fprintln(w, "\nCPU: the Go process's CPU time per request (server and client, not PostgreSQL's); SQL: statements per API request;\n"+
		"rows: rows loaded per query; conns: PostgreSQL sessions the API opened while measured; errors: API's and floor's.")
	fmt.Fprintf(w, "Peak memory (RSS) of the process: %s\n", peakRSS())
	for _, wl := range workloads {
		fmt.Fprintf(w, "%s: %s\n", wl.Name, wl.Description)
	}
}

// peakRSS is the process's peak resident memory, as Linux counts it.
func peakRSS() string {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// processCPU is the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// ms writes d in milliseconds, to the hundredth under 10 ms: a request's
// CPU time is a fraction of one.
func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}
