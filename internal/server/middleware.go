package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"time"

	"communs"
	"communs/internal/httperror"
	"communs/internal/requestid"
)

// withRequestID gives every request an id: the client's X-Request-ID when
// it is sane (requestid.Valid), a fresh one otherwise. The id goes into the
// request context and the X-Request-ID response header.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(requestid.Header)
		if !requestid.Valid(id) {
			id = requestid.New()
		}
		w.Header().Set(requestid.Header, id)
		next.ServeHTTP(w, r.WithContext(requestid.With(r.Context(), id)))
	})
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// accessLog writes one line per request: method, path, status, duration,
// size and request id. Probes log at debug level, server errors at error.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			switch {
			case status >= 500:
				level = slog.LevelError
			case r.URL.Path == "/healthz" || r.URL.Path == "/readyz":
				level = slog.LevelDebug
			}
			s.log.LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Duration("duration", time.Since(start)),
				slog.Int64("bytes", rec.bytes),
				slog.String("request_id", RequestID(r.Context())),
			)
		}()
		next.ServeHTTP(rec, r)
	})
}

// recoverPanics turns a panic into a 500 that names the request id, and
// logs the panic with its stack. The client never sees the stack.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := w.(*statusRecorder)
		if !ok {
			rec = &statusRecorder{ResponseWriter: w}
			w = rec
		}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // the server's way to abort a response: not ours to hide
			}
			id := RequestID(r.Context())
			s.log.ErrorContext(r.Context(), "http: panic",
				slog.String("request_id", id),
				slog.Any("panic", v),
				slog.String("stack", string(debug.Stack())),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
			)
			if rec.status == 0 {
				writeJSONError(rec, http.StatusInternalServerError, communs.EINTERNAL,
					fmt.Sprintf("internal error (request %s)", id))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every response carries. Responses of
// the API are data, never documents: they may not be framed, sniffed into
// HTML or run scripts. The GraphiQL page sets its own policy.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// requireJSON refuses a GraphQL POST that is not application/json with 415:
// form and text bodies are what a cross-site form can send without a CORS
// preflight, so they never reach the executor.
func requireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mediaType != "application/json" {
			writeJSONError(w, http.StatusUnsupportedMediaType, communs.EINVALID,
				"a GraphQL request is a POST with Content-Type: application/json")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody reads at most max bytes of the body; a larger body gets 413
// before anything parses it.
func limitBody(max int64, next http.Handler) http.Handler {
	tooLarge := func(w http.ResponseWriter) {
		w.Header().Set("Connection", "close") // the rest of the body is not read
		writeJSONError(w, http.StatusRequestEntityTooLarge, communs.EINVALID,
			fmt.Sprintf("the request body is larger than %d bytes", max))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			tooLarge(w)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				tooLarge(w)
				return
			}
			writeJSONError(w, http.StatusBadRequest, communs.EINVALID, "the request body could not be read")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// withTimeout gives the request context a deadline.
func withTimeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// writeJSONError answers in the shape of a GraphQL error response, so that
// a client reads every refusal the same way.
func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	if status == http.StatusUnsupportedMediaType {
		w.Header().Set("Accept-Post", "application/json")
	}
	httperror.Answer(w, status, &communs.Error{Code: code, Message: msg})
}

// limitConcurrency runs at most n requests at once (none: no limit). A
// request waits up to wait for its turn, then gets 503 with Retry-After:
// past what the database pool can serve, more requests only queue inside
// the server and hold their memory.
func limitConcurrency(n int, wait time.Duration, next http.Handler) http.Handler {
	if n <= 0 {
		return next
	}
	slots := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case slots <- struct{}{}:
		case <-timer.C:
			w.Header().Set("Retry-After", "1")
			writeJSONError(w, http.StatusServiceUnavailable, communs.EBUSY, "the server is answering as many requests as it can: try again in a second")
			return
		case <-r.Context().Done():
			return
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}

// limitResponse answers a GraphQL error instead of an answer larger than
// max bytes: the client gets no partial answer.
func limitResponse(max int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&cappedWriter{ResponseWriter: w, max: max}, r)
	})
}

// cappedWriter refuses the answer whose writes go past max bytes.
type cappedWriter struct {
	http.ResponseWriter
	max, written int
	refused      bool
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	switch {
	case c.refused:
		return len(p), nil
	case c.written+len(p) <= c.max:
		c.written += len(p)
		return c.ResponseWriter.Write(p)
	case c.written > 0:
		panic(http.ErrAbortHandler) // part of it is sent already: cut the connection
	}
	c.refused = true
	writeJSONError(c.ResponseWriter, http.StatusOK, communs.ELIMIT,
		fmt.Sprintf("the answer is larger than %d bytes: ask for smaller pages or fewer fields", c.max))
	return len(p), nil
}
