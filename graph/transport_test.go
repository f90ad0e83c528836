package graph

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// An answer is what json.Marshal makes of the response, the data copied
// as gqlgen wrote it.
func TestWriteResponse(t *testing.T) {
	for _, resp := range []*graphql.Response{
		{Data: json.RawMessage(`{"a":[1,"<b>"]}`)},
		{Data: json.RawMessage(`{"a":null}`), Errors: gqlerror.List{{Message: "no a", Path: ast.Path{ast.PathName("a")}}}},
		{Errors: gqlerror.List{{Message: "refused"}}, Extensions: map[string]any{"code": "X"}},
	} {
		rec := httptest.NewRecorder()
		writeResponse(rec, resp)
		want, _ := json.Marshal(resp)
		var got, expected any
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s: %v", rec.Body, err)
		}
		_ = json.Unmarshal(want, &expected)
		if g, e := mustJSON(t, got), mustJSON(t, expected); rec.Code != 200 || g != e {
			t.Errorf("writeResponse: %d %s, want 200 %s", rec.Code, rec.Body, want)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
