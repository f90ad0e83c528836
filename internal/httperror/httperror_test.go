package httperror

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"communs"
	"communs/internal/viewer"
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

// Every code of communs.Error has its status: none can become a 500 by
// being forgotten here.
func TestEveryCodeHasAStatus(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "../../errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	codes := 0
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range spec.Names {
			if i >= len(spec.Values) {
				break
			}
			lit, ok := spec.Values[i].(*ast.BasicLit)
			if !strings.HasPrefix(name.Name, "E") || !ok || lit.Kind != token.STRING {
				continue
			}
			codes++
			if code, _ := strconv.Unquote(lit.Value); Statuses[code] == 0 {
				t.Errorf("the code %s has no HTTP status", code)
			}
		}
		return true
	})
	if codes < 10 {
		t.Errorf("found %d codes in errors.go", codes)
	}
}

// Permitted lets through the viewers allowed accepts, answers 401 without
// a viewer and 403 to the others, saying what was asked.
func TestPermitted(t *testing.T) {
	w := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	staffOnly := func(v *viewer.Viewer) bool { return v.Email == "staff" }
	for _, c := range []struct {
		viewer *viewer.Viewer
		ok     bool
		status int
	}{
		{nil, false, http.StatusUnauthorized},
		{&viewer.Viewer{Email: "other"}, false, http.StatusForbidden},
		{&viewer.Viewer{Email: "staff"}, true, http.StatusOK},
	} {
		r := httptest.NewRequest(http.MethodGet, "/x", nil)
		if c.viewer != nil {
			r = r.WithContext(viewer.NewContext(r.Context(), c.viewer))
		}
		rec := httptest.NewRecorder()
		if ok := w.Permitted(rec, r, staffOnly, "read this"); ok != c.ok || rec.Code != c.status {
			t.Errorf("viewer %+v: %v, %d; want %v, %d", c.viewer, ok, rec.Code, c.ok, c.status)
		}
		if !c.ok && !strings.Contains(rec.Body.String(), "read this") {
			t.Errorf("viewer %+v: %s does not say what was asked", c.viewer, rec.Body)
		}
	}
}
