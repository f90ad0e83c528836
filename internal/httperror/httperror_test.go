package httperror

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"communs"
)

func TestWrite(t *testing.T) {
	w := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	for code, status := range map[string]int{
		communs.EINVALID:         400,
		communs.EUNAUTHENTICATED: 401,
		communs.EFORBIDDEN:       403,
		communs.ENOTFOUND:        404,
		communs.ECONFLICT:        409,
		communs.EMODULEDISABLED:  404,
		communs.ERATELIMITED:     429,
		communs.EINTERNAL:        500,
	} {
		rec := httptest.NewRecorder()
		w.Write(rec, httptest.NewRequest(http.MethodGet, "/", nil), communs.Errorf(code, "told"))
		if rec.Code != status || !strings.Contains(rec.Body.String(), `"code":"`+code+`"`) {
			t.Errorf("%s: %d %s, want %d", code, rec.Code, rec.Body.String(), status)
		}
	}
	rec := httptest.NewRecorder()
	w.Write(rec, httptest.NewRequest(http.MethodGet, "/", nil), errors.New("pq: password authentication failed"))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "pq:") || !strings.Contains(rec.Body.String(), "internal error (request ") {
		t.Errorf("an internal error: %d %s", rec.Code, rec.Body.String())
	}
}
