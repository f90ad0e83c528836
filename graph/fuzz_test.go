package graph

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"communs/graph/generated"
	"communs/internal/requestid"
	"communs/internal/viewer"
)

// FuzzHandler sends the handler random operations built from the schema:
// a root field, arguments of its types (or of wrong ones, strings with
// control characters, numbers out of range), given in the document or as
// variables, and a selection of its fields a few levels deep. Whatever it
// sends, the answer is JSON and no error is INTERNAL (a panic is one).
func FuzzHandler(f *testing.F) {
	for _, seed := range []string{"", "members", "\x01\x02\x03\x04", "\xff\x00\xff\x00\x10\x20", strings.Repeat("\x07", 64)} {
		f.Add([]byte(seed))
	}
	check := handlerCheck(f)
	f.Fuzz(check)
}

// TestHandlerOnRandomOperations runs FuzzHandler's check on random inputs
// without the fuzzer's instrumented build, which would cost CI minutes:
// every run tries other inputs. A failure names its seed; replay it with
// COMMUNS_FUZZ_SEED.
func TestHandlerOnRandomOperations(t *testing.T) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("COMMUNS_FUZZ_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatalf("COMMUNS_FUZZ_SEED: %v", err)
		}
	}
	check := handlerCheck(t)
	rnd := rand.New(rand.NewPCG(uint64(seed), 0))
	for i := range randomOperations {
		data := make([]byte, rnd.IntN(96))
		for j := range data {
			data[j] = byte(rnd.Uint32())
		}
		if !t.Run(strconv.Itoa(i), func(t *testing.T) { check(t, data) }) {
			t.Fatalf("input %d of COMMUNS_FUZZ_SEED=%d failed: %q", i, seed, data)
		}
	}
}

// randomOperations is how many inputs TestHandlerOnRandomOperations tries.
const randomOperations = 5000

// handlerCheck returns the check of one input: the operation its bytes
// build is answered in JSON, and no error is INTERNAL (a panic is one).
func handlerCheck(tb testing.TB) func(t *testing.T, data []byte) {
	client := openClient(tb)
	addMembers(tb, client, 3)
	h := NewHandler(client, HandlerOptions{})
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	return func(t *testing.T, data []byte) {
		g := &operationGen{schema: schema, src: data, vars: map[string]any{}}
		query := g.operation()
		body, err := json.Marshal(map[string]any{"query": query, "variables": g.vars})
		if err != nil {
			t.Skip()
		}
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req = req.WithContext(viewer.NewContext(requestid.With(req.Context(), testRequestID), admin))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var res gqlResult
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
			t.Fatalf("not JSON (status %d) for %s %s: %s", rec.Code, query, body, rec.Body.String())
		}
		for _, e := range res.Errors {
			if e.Extensions["code"] == "INTERNAL" {
				t.Fatalf("INTERNAL for %s: %s", body, rec.Body.String())
			}
		}
	}
}

// operationGen builds an operation from the bytes of a fuzz input, read as
// a stream of choices.
type operationGen struct {
	schema *ast.Schema
	src    []byte
	vars   map[string]any
	defs   []string // the variables' definitions
}

// pick returns a choice among n (0 when the input is spent).
func (g *operationGen) pick(n int) int {
	if len(g.src) == 0 || n <= 0 {
		return 0
	}
	b := g.src[0]
	g.src = g.src[1:]
	return int(b) % n
}

func (g *operationGen) operation() string {
	root, kind := g.schema.Query, "query"
	if g.pick(3) == 0 {
		root, kind = g.schema.Mutation, "mutation"
	}
	field := root.Fields[g.pick(len(root.Fields))]
	args := g.arguments(field.Arguments)
	sel := g.selection(g.schema.Types[field.Type.Name()], 3)
	signature := ""
	if len(g.defs) > 0 {
		signature = "(" + strings.Join(g.defs, ", ") + ")"
	}
	return fmt.Sprintf("%s Fuzz%s { %s%s%s }", kind, signature, field.Name, args, sel)
}

// arguments writes a field's arguments, some as variables.
func (g *operationGen) arguments(args ast.ArgumentDefinitionList) string {
	var parts []string
	for _, a := range args {
		if !a.Type.NonNull && g.pick(2) == 0 {
			continue
		}
		if g.pick(2) == 0 {
			name := fmt.Sprintf("v%d", len(g.vars))
			g.vars[name] = g.value(a.Type, 0)
			g.defs = append(g.defs, "$"+name+": "+a.Type.String())
			parts = append(parts, a.Name+": $"+name)
			continue
		}
		literal, _ := json.Marshal(g.value(a.Type, 0))
		parts = append(parts, a.Name+": "+graphqlLiteral(g.schema, a.Type, literal))
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// value is a JSON value for a type: mostly of the type, sometimes not.
func (g *operationGen) value(t *ast.Type, depth int) any {
	if t.Elem != nil {
		n := g.pick(4)
		list := make([]any, n)
		for i := range list {
			list[i] = g.value(t.Elem, depth+1)
		}
		return list
	}
	if !t.NonNull && g.pick(8) == 0 {
		return nil
	}
	def := g.schema.Types[t.Name()]
	if def == nil {
		return nil
	}
	switch def.Kind {
	case ast.Enum:
		if g.pick(10) == 0 {
			return "NO_SUCH_VALUE"
		}
		return def.EnumValues[g.pick(len(def.EnumValues))].Name
	case ast.InputObject:
		obj := map[string]any{}
		for _, f := range def.Fields {
			if depth < 3 && (f.Type.NonNull || g.pick(3) == 0) {
				obj[f.Name] = g.value(f.Type, depth+1)
			}
		}
		return obj
	}
	return g.scalar(def.Name)
}

// fuzzScalars are values a client may send for a scalar, well formed or not.
var fuzzScalars = map[string][]any{
	"Int":     {0, 1, -1, 100, 2147483647, 2147483648, -2147483649, 1.5, "1"},
	"Int64":   {0, 1, 9007199254740993, -1},
	"Float":   {0.5, -1e308, 3},
	"Boolean": {true, false, "true"},
	"String":  {"", "a", "é\u00a0ß", "a\x00b", strings.Repeat("x", 10_001), "\x1b[2J", "'; DROP TABLE members; --"},
	"ID":      {"MBR01JAAAAAAAAAAAAAAAAAAAA", "", "x", "ACC01NOSUCH", "\x00", "PRS01JAAAAAAAAAAAAAAAAAAAA"},
	"Money":   {"1.00", "-0.01", "0", "1.001", " 1.00", "92233720368547758.07", 12, 1.5},
	"Date":    {"2026-03-31", "0000-01-01", "2026-02-30", "31/03/2026", "9999-12-31"},
	"Time":    {"2026-03-31T08:00:00Z", "yesterday", "0001-01-01T00:00:00Z"},
	"Cursor":  {"", "gaFp", "not a cursor"},
}

func (g *operationGen) scalar(name string) any {
	values, ok := fuzzScalars[name]
	if !ok {
		values = fuzzScalars["String"]
	}
	return values[g.pick(len(values))]
}

// graphqlLiteral writes a JSON value as a GraphQL literal: enums bare,
// object keys unquoted.
func graphqlLiteral(schema *ast.Schema, t *ast.Type, raw json.RawMessage) string {
	var v any
	decoder := json.NewDecoder(strings.NewReader(string(raw)))
	decoder.UseNumber()
	if decoder.Decode(&v) != nil {
		return "null"
	}
	return literalOf(schema, t, v)
}

func literalOf(schema *ast.Schema, t *ast.Type, v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			elem := t
			if t.Elem != nil {
				elem = t.Elem
			}
			items[i] = literalOf(schema, elem, item)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case map[string]any:
		def := schema.Types[t.Name()]
		var fields []string
		for k, item := range v {
			ft := t
			if def != nil && def.Fields.ForName(k) != nil {
				ft = def.Fields.ForName(k).Type
			}
			fields = append(fields, k+": "+literalOf(schema, ft, item))
		}
		return "{" + strings.Join(fields, ", ") + "}"
	case string:
		if def := schema.Types[t.Name()]; def != nil && def.Kind == ast.Enum {
			return v
		}
		b, _ := json.Marshal(v)
		return string(b)
	default:
		return fmt.Sprint(v)
	}
}

// selection selects some fields of an output type, depth levels at most.
func (g *operationGen) selection(def *ast.Definition, depth int) string {
	if def == nil || def.Kind == ast.Scalar || def.Kind == ast.Enum {
		return ""
	}
	if depth == 0 || len(def.Fields) == 0 {
		return " { __typename }"
	}
	var parts []string
	for range 1 + g.pick(4) {
		f := def.Fields[g.pick(len(def.Fields))]
		parts = append(parts, f.Name+g.arguments(f.Arguments)+g.selection(g.schema.Types[f.Type.Name()], depth-1))
	}
	if def.Kind == ast.Interface || def.Kind == ast.Union {
		parts = append(parts, "__typename")
	}
	return " { " + strings.Join(parts, " ") + " }"
}
