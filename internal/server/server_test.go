package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"communs/internal/requestid"
)

// syncBuffer collects log output written from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// stubAPI stands for the GraphQL handler: it counts its calls and answers
// with the request id it sees.
type stubAPI struct{ calls atomic.Int32 }

func (a *stubAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.calls.Add(1)
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"data": map[string]any{"requestID": RequestID(r.Context()), "bodyBytes": len(body)},
	})
}

type testServer struct {
	url  string
	logs *syncBuffer
}

// start serves s on a free port until the test ends, and checks that the
// server then stops cleanly.
func start(t *testing.T, cfg Config, api http.Handler, ready func(context.Context) error) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s := New(cfg, api, ready)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &testServer{url: "http://" + ln.Addr().String(), logs: logs}
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func newRequest(t *testing.T, method, url, contentType string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

const query = `{"query":"{ __typename }"}`

func TestHealthz(t *testing.T) {
	srv := start(t, Config{}, &stubAPI{}, func(context.Context) error { return errors.New("db down") })
	resp, body := do(t, newRequest(t, http.MethodGet, srv.url+"/healthz", "", nil))
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Errorf("healthz: %d %q", resp.StatusCode, body)
	}
}

func TestReadyz(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ready  func(context.Context) error
		status int
	}{
		{"no check", nil, http.StatusOK},
		{"ready", func(context.Context) error { return nil }, http.StatusOK},
		{"not ready", func(context.Context) error { return errors.New("dial tcp 10.0.0.5:5432: connection refused") }, http.StatusServiceUnavailable},
		{"check hangs", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, Config{ReadyTimeout: 100 * time.Millisecond}, &stubAPI{}, tc.ready)
			resp, body := do(t, newRequest(t, http.MethodGet, srv.url+"/readyz", "", nil))
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d (%q)", resp.StatusCode, tc.status, body)
			}
			if strings.Contains(body, "10.0.0.5") {
				t.Errorf("reason leaked: %q", body)
			}
			if tc.status != http.StatusOK && !strings.Contains(srv.logs.String(), "not ready") {
				t.Errorf("reason not logged: %s", srv.logs.String())
			}
		})
	}
}

func TestGraphQLOnlyOverJSONPost(t *testing.T) {
	api := &stubAPI{}
	srv := start(t, Config{}, api, nil)
	for _, tc := range []struct {
		name, method, contentType, body string
		status                          int
	}{
		{"GET", http.MethodGet, "", "", http.StatusMethodNotAllowed},
		{"GET with a query", http.MethodGet, "", "", http.StatusMethodNotAllowed},
		{"PUT", http.MethodPut, "application/json", query, http.StatusMethodNotAllowed},
		{"form POST", http.MethodPost, "application/x-www-form-urlencoded", "query=%7B__typename%7D", http.StatusUnsupportedMediaType},
		{"multipart POST", http.MethodPost, "multipart/form-data; boundary=x", "--x--\r\n", http.StatusUnsupportedMediaType},
		{"text POST", http.MethodPost, "text/plain", query, http.StatusUnsupportedMediaType},
		{"no content type", http.MethodPost, "", query, http.StatusUnsupportedMediaType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := srv.url + "/graphql"
			if tc.name == "GET with a query" {
				target += "?query=%7B__typename%7D"
			}
			req := newRequest(t, tc.method, target, tc.contentType, strings.NewReader(tc.body))
			resp, body := do(t, req)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
		})
	}
	if n := api.calls.Load(); n != 0 {
		t.Errorf("the API ran %d times", n)
	}
	resp, body := do(t, newRequest(t, http.MethodPost, srv.url+"/graphql", "application/json; charset=utf-8", strings.NewReader(query)))
	if resp.StatusCode != http.StatusOK || api.calls.Load() != 1 {
		t.Errorf("JSON POST: %d %s", resp.StatusCode, body)
	}
}

func TestBodyLimit(t *testing.T) {
	api := &stubAPI{}
	srv := start(t, Config{MaxBodyBytes: 1024}, api, nil)
	big := `{"query":"{ __typename }","variables":{"x":"` + strings.Repeat("a", 2048) + `"}}`

	resp, body := do(t, newRequest(t, http.MethodPost, srv.url+"/graphql", "application/json", strings.NewReader(big)))
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "INVALID_INPUT") {
		t.Errorf("with Content-Length: %d %s", resp.StatusCode, body)
	}
	// Without Content-Length (chunked), the limit holds while reading.
	req := newRequest(t, http.MethodPost, srv.url+"/graphql", "application/json", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	resp, body = do(t, req)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked: %d %s", resp.StatusCode, body)
	}
	if n := api.calls.Load(); n != 0 {
		t.Errorf("the API ran %d times", n)
	}
	small := `{"query":"{ __typename }","variables":{"x":"` + strings.Repeat("a", 900) + `"}}`
	resp, body = do(t, newRequest(t, http.MethodPost, srv.url+"/graphql", "application/json", strings.NewReader(small)))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"bodyBytes":`) {
		t.Errorf("under the limit: %d %s", resp.StatusCode, body)
	}
}

func TestCORS(t *testing.T) {
	const allowed, refused = "https://app.example.org", "https://evil.example.com"
	preflight := func(t *testing.T, url, origin string) *http.Response {
		req := newRequest(t, http.MethodOptions, url+"/graphql", "", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", http.MethodPost)
		// As browsers send it: lower case, sorted.
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-access-reason")
		resp, _ := do(t, req)
		return resp
	}
	actual := func(t *testing.T, url, origin string) *http.Response {
		req := newRequest(t, http.MethodPost, url+"/graphql", "application/json", strings.NewReader(query))
		req.Header.Set("Origin", origin)
		resp, _ := do(t, req)
		return resp
	}

	srv := start(t, Config{CORSOrigins: []string{allowed}}, &stubAPI{}, nil)
	resp := preflight(t, srv.url, allowed)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != allowed {
		t.Errorf("preflight, allowed origin: Access-Control-Allow-Origin %q", got)
	}
	if got := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")); !strings.Contains(got, "authorization") || !strings.Contains(got, "x-access-reason") {
		t.Errorf("preflight: Access-Control-Allow-Headers %q", got)
	}
	if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "" {
		t.Errorf("credentials allowed: %q", got)
	}
	resp = actual(t, srv.url, allowed)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != allowed {
		t.Errorf("POST, allowed origin: Access-Control-Allow-Origin %q", got)
	}
	if got := resp.Header.Get("Access-Control-Expose-Headers"); !strings.EqualFold(got, requestid.Header) {
		t.Errorf("request id not exposed: %q", got)
	}
	for _, resp := range []*http.Response{preflight(t, srv.url, refused), actual(t, srv.url, refused)} {
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("%s, refused origin: Access-Control-Allow-Origin %q", resp.Request.Method, got)
		}
	}

	// No origin configured: no CORS headers at all.
	none := start(t, Config{}, &stubAPI{}, nil)
	for _, resp := range []*http.Response{preflight(t, none.url, allowed), actual(t, none.url, allowed)} {
		for name := range resp.Header {
			if strings.HasPrefix(name, "Access-Control-") {
				t.Errorf("%s without CORS origins: %s: %q", resp.Request.Method, name, resp.Header.Get(name))
			}
		}
	}
}

func TestRequestID(t *testing.T) {
	srv := start(t, Config{}, &stubAPI{}, nil)
	idSeen := func(body string) string {
		var out struct{ Data struct{ RequestID string } }
		_ = json.Unmarshal([]byte(body), &out)
		return out.Data.RequestID
	}
	for _, tc := range []struct {
		name, in string
		kept     bool
	}{
		{"none", "", false},
		{"sane", "lb-7f3a9c:0001", true},
		{"with spaces", "a b", false},
		{"log forging", `x" level=ERROR msg="forged`, false},
		{"too long", strings.Repeat("a", requestid.MaxLen+1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, http.MethodPost, srv.url+"/graphql", "application/json", strings.NewReader(query))
			if tc.in != "" {
				req.Header.Set(requestid.Header, tc.in)
			}
			resp, body := do(t, req)
			got := resp.Header.Get(requestid.Header)
			if !requestid.Valid(got) || tc.kept != (got == tc.in) {
				t.Errorf("X-Request-ID %q for %q", got, tc.in)
			}
			if seen := idSeen(body); seen != got {
				t.Errorf("handler saw %q, header says %q", seen, got)
			}
		})
	}
	// Every response carries one, errors included.
	resp, _ := do(t, newRequest(t, http.MethodGet, srv.url+"/nowhere", "", nil))
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get(requestid.Header) == "" {
		t.Errorf("404: %d, X-Request-ID %q", resp.StatusCode, resp.Header.Get(requestid.Header))
	}
}

func TestAccessLog(t *testing.T) {
	srv := start(t, Config{}, &stubAPI{}, nil)
	req := newRequest(t, http.MethodPost, srv.url+"/graphql", "application/json", strings.NewReader(query))
	req.Header.Set(requestid.Header, "log-test-1")
	do(t, req)
	var line map[string]any
	for _, l := range strings.Split(srv.logs.String(), "\n") {
		if strings.Contains(l, `"msg":"http request"`) && strings.Contains(l, "log-test-1") {
			_ = json.Unmarshal([]byte(l), &line)
		}
	}
	if line["method"] != "POST" || line["path"] != "/graphql" || line["status"] != float64(200) || line["duration"] == nil {
		t.Errorf("access log line: %v\n%s", line, srv.logs.String())
	}
}

func TestPanicRecovery(t *testing.T) {
	srv := start(t, Config{Routes: map[string]http.Handler{
		"GET /boom": http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("kaboom in a handler") }),
	}}, &stubAPI{}, nil)
	req := newRequest(t, http.MethodGet, srv.url+"/boom", "", nil)
	req.Header.Set(requestid.Header, "panic-1")
	resp, body := do(t, req)
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "internal error (request panic-1)") || !strings.Contains(body, `"INTERNAL"`) {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	if strings.Contains(body, "kaboom") || strings.Contains(body, "goroutine") {
		t.Errorf("panic leaked: %s", body)
	}
	logs := srv.logs.String()
	for _, want := range []string{"kaboom in a handler", "panic-1", "goroutine", `"status":500`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

func TestGraphiQL(t *testing.T) {
	on := start(t, Config{GraphiQL: true}, &stubAPI{}, nil)
	resp, body := do(t, newRequest(t, http.MethodGet, on.url+"/", "", nil))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GraphiQL: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(body, "GraphiQL") || !strings.Contains(body, `"/graphql"`) {
		t.Errorf("page does not point to /graphql")
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"'sha256-", "frame-ancestors 'none'", "connect-src 'self'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP lacks %q: %s", want, csp)
		}
	}
	if strings.Contains(csp, "script-src") && strings.Contains(strings.SplitN(strings.SplitN(csp, "script-src", 2)[1], ";", 2)[0], "unsafe-inline") {
		t.Errorf("inline scripts allowed: %s", csp)
	}
	if resp, _ := do(t, newRequest(t, http.MethodGet, on.url+"/elsewhere", "", nil)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/elsewhere: %d", resp.StatusCode)
	}
	assertOffline(t, on.url, body, 4)

	off := start(t, Config{}, &stubAPI{}, nil)
	if resp, _ := do(t, newRequest(t, http.MethodGet, off.url+"/", "", nil)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GraphiQL off: %d", resp.StatusCode)
	}
}

// assertOffline checks that a page loads nothing from elsewhere: its n
// scripts and styles are served here, and match their integrity.
func assertOffline(t *testing.T, base, page string, n int) {
	t.Helper()
	if strings.Contains(page, "https://") || strings.Contains(page, "http://") {
		t.Errorf("the page names another site:\n%s", page)
	}
	loaded := regexp.MustCompile(`(?:src|href)="([^"]+)"\s+integrity="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(loaded) != n {
		t.Errorf("%d scripts and styles with their integrity, want %d", len(loaded), n)
	}
	for _, m := range loaded {
		resp, body := do(t, newRequest(t, http.MethodGet, base+m[1], "", nil))
		sum := sha256.Sum256([]byte(body))
		if resp.StatusCode != http.StatusOK || "sha256-"+base64.StdEncoding.EncodeToString(sum[:]) != html.UnescapeString(m[2]) {
			t.Errorf("%s: %d, or its content does not match %s", m[1], resp.StatusCode, m[2])
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	srv := start(t, Config{}, &stubAPI{}, nil)
	resp, _ := do(t, newRequest(t, http.MethodPost, srv.url+"/graphql", "application/json", strings.NewReader(query)))
	for name, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s: %q", name, got)
		}
	}
}

func TestAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	err = New(Config{Addr: addr, Logger: slog.New(slog.DiscardHandler)}, &stubAPI{}, nil).ListenAndServe(context.Background())
	if err == nil || err.Error() != "address "+addr+" is already in use" || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("got %v", err)
	}
}

func TestListenAndServeStopsWithContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- New(Config{Addr: addr, Logger: slog.New(slog.DiscardHandler)}, &stubAPI{}, nil).ListenAndServe(ctx)
	}()
	// Wait until it answers, then stop it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never answered: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("did not stop")
	}
}

func TestGracefulShutdown(t *testing.T) {
	started := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		_, _ = io.WriteString(w, "done")
	})
	s := New(Config{Logger: slog.New(slog.DiscardHandler), Routes: map[string]http.Handler{"GET /slow": slow}}, &stubAPI{}, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()
	<-started
	cancel() // shut down while the request runs
	if r := <-got; r.err != nil || r.body != "done" {
		t.Errorf("request in flight: %q, %v", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}
