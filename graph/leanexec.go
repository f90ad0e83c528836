//go:build ignore

// Rewrites the executable schema gqlgen generated to call package
// graph/leanexec (which says why) where gqlgen's calls cost for nothing:
//
//   - lists of enums, and of objects no hand-written resolver completes,
//     are marshalled one element after the other; lists of objects with
//     resolvers, which may query the database, and of interfaces or
//     unions, whose elements may be such objects, stay concurrent;
//   - an object starts a group for its deferred fields only when it has
//     some;
//   - a scalar field that only reads the object's struct (its id, its
//     name: most of a page's fields) is marshalled at once, without the
//     field context, middlewares and panic guard gqlgen gives a resolver.
//     None of them applies: nothing resolves, nothing can fail or panic,
//     and the field middleware (graph.aroundField) acts only on
//     resolvers, lists and arguments. Pointers, lists, maps and times
//     (a zero time marshals as null, an error on the field's path) keep
//     gqlgen's way.
//
// Run by go generate after gqlgen.
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/codegen/config"
	"github.com/vektah/gqlparser/v2/ast"
)

const (
	generatedFile  = "graph/generated/generated.go"
	leanexecImport = "communs/graph/leanexec"
)

var (
	// A list's marshalling, up to the name of its elements' marshaller
	// (marshalN<Type>2… or marshalO<Type>2…).
	concurrentList = regexp.MustCompile(`graphql\.MarshalSliceConcurrently\((ctx, len\(v\), \d+, (?:true|false), func\(ctx context\.Context, i int\) graphql\.Marshaler \{\s+fc := graphql\.GetFieldContext\(ctx\)\s+fc\.Result = &v\[i\]\s+return ec\.marshal[NO](\w+))`)
	// An object's deferred group, made beside its collected fields.
	deferredGroup     = regexp.MustCompile(`(out := graphql\.NewFieldSet\(fields\)\n\tdeferred := )graphql\.NewDeferredGroup\(ctx\)`)
	resolverInterface = regexp.MustCompile(`(?m)^type (\w+)Resolver interface \{`)
	// A field resolved by reading the object's struct, and how its value
	// is marshalled.
	structField        = regexp.MustCompile(`return graphql\.ResolveField\(\n\t\tctx,\n\t\tec\.OperationContext,\n\t\tfield,\n\t\tfunc\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{\n\t\t\treturn ec\.(fieldContext_\w+)\(ctx, field\)\n\t\t\},\n\t\tfunc\(ctx context\.Context\) \(any, error\) \{\n\t\t\treturn (obj\.\w+), nil\n\t\t\},\n\t\tnil,\n\t\tfunc\(ctx context\.Context, selections ast\.SelectionSet, v ([^\n]+)\) graphql\.Marshaler \{\n\t\t\treturn ec\.(marshal[^(]+)\(ctx, selections, v\)\n\t\t\},\n\t\ttrue,\n\t\ttrue,\n\t\)`)
	scalarFieldContext = regexp.MustCompile(`func \(ec \*executionContext\) (fieldContext_\w+)\(_ context\.Context, field graphql\.CollectedField\) \(fc \*graphql\.FieldContext, err error\) \{\n\treturn graphql\.NewScalarFieldContext\(`)
)

func main() {
	log.SetFlags(0)
	// gqlgen.yml's paths are the module root's, as for gqlgen.
	if err := os.Chdir(".."); err != nil {
		log.Fatal(err)
	}
	cfg, err := config.LoadConfig("gqlgen.yml")
	if err != nil {
		log.Fatal(err)
	}
	if err := cfg.LoadSchema(); err != nil {
		log.Fatal(err)
	}
	src, err := os.ReadFile(generatedFile)
	if err != nil {
		log.Fatal(err)
	}
	out, err := lean(src, cfg.Schema)
	if err != nil {
		log.Fatalf("%s: %v", generatedFile, err)
	}
	if !bytes.Equal(out, src) {
		if err := os.WriteFile(generatedFile, out, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// lean returns src calling package leanexec, and importing it.
func lean(src []byte, schema *ast.Schema) ([]byte, error) {
	withResolvers := map[string]bool{}
	for _, m := range resolverInterface.FindAllSubmatch(src, -1) {
		withResolvers[string(m[1])] = true
	}
	out := concurrentList.ReplaceAllFunc(src, func(call []byte) []byte {
		m := concurrentList.FindSubmatch(call)
		typ := elementType(schema, string(m[2]))
		if typ == nil || !serial(typ, withResolvers) {
			return call
		}
		return append([]byte("leanexec.MarshalSlice("), m[1]...)
	})
	out = deferredGroup.ReplaceAll(out, []byte("${1}leanexec.NewDeferredGroup(ctx, fields)"))
	out = marshalStructFields(out)
	if bytes.Equal(out, src) {
		return src, nil
	}
	return addImport(out, leanexecImport)
}

// marshalStructFields has the scalar fields read from the object's struct
// marshalled at once.
func marshalStructFields(src []byte) []byte {
	scalar := map[string]bool{}
	for _, m := range scalarFieldContext.FindAllSubmatch(src, -1) {
		scalar[string(m[1])] = true
	}
	return structField.ReplaceAllFunc(src, func(call []byte) []byte {
		m := structField.FindSubmatch(call)
		fieldContext, value, goType, marshal := string(m[1]), m[2], string(m[3]), m[4]
		if !scalar[fieldContext] || !plainValue(goType) {
			return call
		}
		return fmt.Appendf(nil, "return ec.%s(ctx, field.Selections, %s)", marshal, value)
	})
}

// plainValue tells whether a Go type's values always marshal to a value.
func plainValue(goType string) bool {
	for _, prefix := range []string{"*", "[]", "map[", "any", "interface", "time.Time"} {
		if strings.HasPrefix(goType, prefix) {
			return false
		}
	}
	return true
}

// elementType finds the type whose marshaller is named marshaller: the
// longest type name followed by "2" (the Go type comes after it).
func elementType(schema *ast.Schema, marshaller string) *ast.Definition {
	var found *ast.Definition
	for name, def := range schema.Types {
		if strings.HasPrefix(marshaller, name+"2") && (found == nil || len(name) > len(found.Name)) {
			found = def
		}
	}
	return found
}

// serial tells whether the elements of a list of typ can be marshalled one
// after the other: enums, and objects no hand-written resolver completes.
func serial(typ *ast.Definition, withResolvers map[string]bool) bool {
	switch typ.Kind {
	case ast.Enum:
		return true
	case ast.Object:
		return !withResolvers[typ.Name]
	}
	return false
}

// addImport adds path, in order, to the first group of the import block
// of src.
func addImport(src []byte, path string) ([]byte, error) {
	quoted := strconv.Quote(path)
	start := bytes.Index(src, []byte("\nimport (\n"))
	if start < 0 {
		return nil, fmt.Errorf("no import block")
	}
	start += len("\nimport (\n")
	end := start + bytes.Index(src[start:], []byte("\n)\n"))
	lines := strings.Split(string(src[start:end]), "\n")
	at := len(lines)
	for i, line := range lines {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			at = i // the end of the first group
			break
		}
		imported := fields[len(fields)-1]
		if imported == quoted {
			return src, nil
		}
		if imported > quoted {
			at = i
			break
		}
	}
	var out bytes.Buffer
	out.Write(src[:start])
	for i, line := range lines {
		if i == at {
			out.WriteString("\t" + quoted + "\n")
		}
		out.WriteString(line + "\n")
	}
	if at == len(lines) {
		out.WriteString("\t" + quoted + "\n")
	}
	out.Write(src[end+1:])
	return out.Bytes(), nil
}
