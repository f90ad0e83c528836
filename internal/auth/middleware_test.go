package auth

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"communs/internal/httperror"
	"communs/internal/requestid"
	"communs/internal/store/storetest"
)

// TestMiddlewareAnswers: a bad token is a 401; a token that cannot be
// checked, because the database fails, is a logged 500, never a 401.
func TestMiddlewareAnswers(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	var logs bytes.Buffer
	errs := httperror.New(slog.New(slog.NewTextHandler(&logs, nil)))
	passed := false
	h := New(db.Client).Middleware(errs, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { passed = true }))
	call := func(header string) (*httptest.ResponseRecorder, string) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		req.Header.Set("Authorization", header)
		req = req.WithContext(requestid.With(req.Context(), "req-42"))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var body struct {
			Errors []struct {
				Message    string
				Extensions struct{ Code string }
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
			t.Fatalf("answer %q: %v", rec.Body.String(), err)
		}
		return rec, body.Errors[0].Extensions.Code + ": " + body.Errors[0].Message
	}

	for _, header := range []string{"Basic abc", "Bearer no-such-session"} {
		rec, got := call(header)
		if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(got, "UNAUTHENTICATED") || rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: %d %q, want 401 UNAUTHENTICATED with WWW-Authenticate", header, rec.Code, got)
		}
	}

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	rec, got := call("Bearer some-token")
	if rec.Code != http.StatusInternalServerError || got != "INTERNAL: internal error (request req-42)" {
		t.Errorf("database down: %d %q, want 500 INTERNAL naming the request", rec.Code, got)
	}
	if !strings.Contains(logs.String(), "request_id=req-42") || !strings.Contains(logs.String(), "closed") {
		t.Errorf("the failure was not logged with its cause and request id: %q", logs.String())
	}
	if passed {
		t.Error("a request whose token was not accepted reached the handler")
	}
}

// The reason header is read as clients send text past ASCII, and never
// passed on as anything but valid UTF-8 without control characters.
func TestAccessReasonHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ header, want string }{
		{"préparation de la synthèse", "préparation de la synthèse"},
		{"pr\xe9paration de la synth\xe8se", "préparation de la synthèse"}, // Latin-1, as a browser sends it
		{"UTF-8''pr%C3%A9paration%20de%20la%20synth%C3%A8se", "préparation de la synthèse"},
		{"utf-8'fr'%C5%93dème", "œdème"},
		{"  suivi  ", "suivi"},
		{"", ""},
	} {
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		req.Header.Set("X-Access-Reason", tc.header)
		if got, err := accessReason(req); err != nil || got != tc.want {
			t.Errorf("%q: %q, %v; want %q", tc.header, got, err, tc.want)
		}
	}
	for _, header := range []string{"UTF-8''%FF%FE", "UTF-8''%zz", "UTF-8'%C3%A9", "UTF-8''a%00b", "a\x01b", "a\x85b", strings.Repeat("é", 501)} {
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		req.Header.Set("X-Access-Reason", header)
		if got, err := accessReason(req); err == nil {
			t.Errorf("%q accepted as %q", header, got)
		}
	}
}
