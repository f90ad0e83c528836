// Package httperror answers the plain HTTP routes (the authentication
// middleware, downloads, exports) with the API's error shape:
// {"errors": [{"message", "extensions": {"code"}}]}, and the HTTP status
// of the code. The GraphQL endpoint has its own error presenter (graph).
package httperror

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"communs"
	"communs/internal/requestid"
	"communs/internal/viewer"
)

// Statuses are the HTTP statuses of the codes of communs.Error.
var Statuses = map[string]int{
	communs.EINVALID:         http.StatusBadRequest,
	communs.EUNAUTHENTICATED: http.StatusUnauthorized,
	communs.EFORBIDDEN:       http.StatusForbidden,
	communs.ENOTFOUND:        http.StatusNotFound,
	communs.ECONFLICT:        http.StatusConflict,
	communs.EMODULEDISABLED:  http.StatusNotFound, // the route is not served while the module is off
	communs.ERATELIMITED:     http.StatusTooManyRequests,
	communs.ELIMIT:           http.StatusBadRequest,
	communs.EBUSY:            http.StatusServiceUnavailable,
	communs.EINTERNAL:        http.StatusInternalServerError,
}

// Writer writes the error answers of the plain HTTP routes.
type Writer struct{ log *slog.Logger }

// New returns a Writer that logs internal errors to log.
func New(log *slog.Logger) *Writer { return &Writer{log: log} }

// Write answers err. A *communs.Error is told as it is, with its code's
// status; anything else is an internal error: logged with its cause and
// the request id, and answered 500 with the request id only, as the
// GraphQL endpoint does ("internal error (request …)").
func (w *Writer) Write(rw http.ResponseWriter, r *http.Request, err error) {
	var e *communs.Error
	if !errors.As(err, &e) || Statuses[e.Code] == 0 || e.Code == communs.EINTERNAL {
		id := requestid.From(r.Context())
		if id == "" { // mounted without internal/server: the log line and the answer still match
			id = requestid.New()
		}
		w.log.ErrorContext(r.Context(), "http: internal error", "request_id", id, "method", r.Method, "path", r.URL.Path, "error", err)
		e = communs.Errorf(communs.EINTERNAL, "internal error (request %s)", id)
	}
	Answer(rw, Statuses[e.Code], e)
}

// Answer writes e with status: the one body every refusal of the server
// has, whatever refuses (a route, the body limit, the concurrency limit).
// It logs nothing: an internal error goes through Write.
func Answer(rw http.ResponseWriter, status int, e *communs.Error) {
	h := rw.Header()
	if e.Code == communs.EUNAUTHENTICATED {
		h.Set("WWW-Authenticate", `Bearer realm="communs"`)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(map[string]any{
		"errors": []any{map[string]any{"message": e.Message, "extensions": map[string]any{"code": e.Code}}},
	})
}

// Permitted answers 401 to an anonymous request and 403 to a viewer whose
// roles allowed refuses, saying what was asked ("read a review"), and
// tells whether to go on. Which rows the viewer then reads is row
// isolation, as in the API.
func (w *Writer) Permitted(rw http.ResponseWriter, r *http.Request, allowed func(*viewer.Viewer) bool, what string) bool {
	v := viewer.FromContext(r.Context())
	switch {
	case v == nil:
		w.Write(rw, r, communs.Errorf(communs.EUNAUTHENTICATED, "log in to %s", what))
	case !allowed(v):
		w.Write(rw, r, communs.Errorf(communs.EFORBIDDEN, "your roles do not allow you to %s", what))
	default:
		return true
	}
	return false
}
