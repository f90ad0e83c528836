//go:build ignore

// Generates the ent client and the GraphQL schema graph/ent.graphql.
// Run through `go generate ./...` from anywhere in the module.
package main

import (
	"log"
	"os"
	"path/filepath"
	"text/template"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"

	"communs/internal/aggregate/codegen"
)

// pageTemplate comes after entgql's templates, whose paginate helper it
// overrides (ent/template/page.tmpl says why).
func pageTemplate(cfg *gen.Config) error {
	cfg.Templates = append(cfg.Templates, gen.MustParse(gen.NewTemplate("page").
		Funcs(entgql.TemplateFuncs).
		ParseFiles(filepath.Join("ent", "template", "page.tmpl"))))
	return nil
}

func main() {
	// Paths relative to the module root keep entgql's output stable from
	// one run to the next.
	if err := os.Chdir(".."); err != nil {
		log.Fatal(err)
	}
	ex, err := entgql.NewExtension(
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("graph/ent.graphql"),
		entgql.WithConfigPath("gqlgen.yml"),
		entgql.WithWhereInputs(true),
		entgql.WithRelaySpec(true),
		entgql.WithSchemaHook(codegen.SchemaHook),
	)
	if err != nil {
		log.Fatalf("creating the entgql extension: %v", err)
	}
	err = entc.Generate("./ent/schema", &gen.Config{
		Target:  "ent",
		Package: "communs/ent",
		Features: []gen.Feature{
			gen.FeatureIntercept,
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
			gen.FeatureLock,
			gen.FeatureExecQuery,
			gen.FeatureUpsert,
			gen.FeatureModifier,
		},
		Templates: append(entgql.AllTemplates,
			gen.MustParse(gen.NewTemplate("pulid").ParseFiles(filepath.Join("ent", "template", "pulid.tmpl"))),
			gen.MustParse(gen.NewTemplate("aggregate").
				Funcs(template.FuncMap{"aggregation": codegen.Describe, "aggregationRefs": codegen.RefTypes}).
				ParseFiles(filepath.Join("ent", "template", "aggregate.tmpl")))),
	}, entc.Extensions(ex), pageTemplate)
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}
