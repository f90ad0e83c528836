package graph

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"communs/ent"
	"communs/ent/schema/pulid"
	"communs/graph/generated"
	"communs/internal/auth"
	"communs/internal/membership"
	"communs/internal/metrics"
	"communs/internal/payments"
	"communs/modules/cil"
	"communs/modules/cpom"
	"communs/modules/directory"
	"communs/modules/userrecord"
	"communs/policies"
)

// Defaults of HandlerOptions, used for every limit left at zero.
const (
	// DefaultComplexityLimit bounds gqlgen's complexity: every selected
	// field counts 1 plus its children; a connection multiplies its
	// children by first/last (at most 100), a list field without arguments
	// by its bound (DefaultListBound, or more for the lists longer by
	// nature). 200 000 lets a dashboard read a page of 100 members with
	// their subscriptions and resources, or several smaller pages at once,
	// and refuses what would multiply lists by lists; the row budget
	// bounds what the query then loads.
	DefaultComplexityLimit = 200_000
	// DefaultMaxDepth bounds nesting. A Relay connection costs three
	// levels (connection, edges, node); the deepest useful paths, such as
	// charges → edges → node → callForFunds → member → subscriptions →
	// resource → category → name, need 9.
	DefaultMaxDepth = 12
	// DefaultMaxAliases bounds aliased fields: a dashboard asking for a few
	// counts per category or quarter uses a dozen; alias overloading uses
	// hundreds.
	DefaultMaxAliases = 30
	// DefaultParserTokenLimit bounds the tokens gqlparser reads from one
	// query: a large hand-written dashboard query has 2 000, the GraphiQL
	// introspection query under 1 000. It stops directive and field
	// overloading before any validation work.
	DefaultParserTokenLimit = 10_000
	// DefaultMaxSelections bounds the selections written in a document
	// (fields, fragments; duplicates included): a large dashboard query
	// writes a few hundred.
	DefaultMaxSelections = 1_000
	// DefaultMaxSameName bounds the fields one selection set asks under
	// one name (the same id in the fragments of a union, say): validation
	// compares each with all the others, so 1 000 of them take 60 ms and
	// 9 000 seconds.
	DefaultMaxSameName = 50
	// DefaultQueryCacheSize is the number of parsed and validated queries
	// kept (an LRU keyed by the query text).
	DefaultQueryCacheSize = 1000
)

// HandlerOptions configures the GraphQL handler. Zero limits take the
// defaults above.
type HandlerOptions struct {
	// Introspection answers __schema and __type queries (development,
	// GraphiQL). Off, they fail validation and field suggestions ("did you
	// mean …?") are turned off as well.
	Introspection bool
	// ComplexityLimit is the highest complexity an operation may have.
	ComplexityLimit int
	// MaxDepth is the deepest nesting of fields an operation may have.
	MaxDepth int
	// MaxAliases is the largest number of aliased fields in an operation.
	MaxAliases int
	// ParserTokenLimit is the largest number of tokens in a query.
	ParserTokenLimit int
	// MaxSelections is the largest number of selections written in a
	// document, counted before it is validated.
	MaxSelections int
	// MaxSameName is the largest number of fields under one name in one
	// selection set, counted before validation.
	MaxSameName int
	// QueryCacheSize is the number of validated queries kept in memory.
	QueryCacheSize int
	// RowBudget is the number of rows a query may load in all
	// (budget.Intercept must count them on the client).
	RowBudget int
	// Logger receives internal errors and panics with the request id; nil
	// means slog.Default().
	Logger *slog.Logger
	// Auth is the authentication service behind the login, session and
	// invitation mutations; give the one whose Middleware authenticates
	// the requests, so that they share their rate limits. Nil builds one.
	Auth *auth.Service
	// Membership runs the membership workflows. Nil builds them over Auth,
	// without modules' hooks.
	Membership *membership.Services
	// Payments records payments and draws up statements and the journal.
	// Nil builds it with the default accounts.
	Payments *payments.Service
	// Enforcer decides which root fields a viewer may run (Casbin, deny by
	// default). Nil loads the builtin policy without module lines.
	Enforcer *policies.Enforcer
	// Modules are the names of the enabled modules: the root fields marked
	// @module(name:) of any other answer MODULE_DISABLED.
	Modules []string
	// Directory serves the directory module's fields, when enabled.
	Directory *directory.Service
	// CIL serves the CIL module's fields, when enabled.
	CIL *cil.Service
	// UserRecord serves the user-record module's fields, when enabled.
	UserRecord *userrecord.Service
	// CPOM serves the CPOM module's fields, when enabled.
	CPOM *cpom.Service
	// Metrics records every operation and charge run; nil records nothing.
	Metrics *metrics.Metrics
}

func (o HandlerOptions) withDefaults() HandlerOptions {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.ComplexityLimit, DefaultComplexityLimit)
	def(&o.MaxDepth, DefaultMaxDepth)
	def(&o.MaxAliases, DefaultMaxAliases)
	def(&o.ParserTokenLimit, DefaultParserTokenLimit)
	def(&o.MaxSelections, DefaultMaxSelections)
	def(&o.MaxSameName, DefaultMaxSameName)
	def(&o.QueryCacheSize, DefaultQueryCacheSize)
	def(&o.RowBudget, DefaultRowBudget)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// NewHandler returns the GraphQL endpoint over an ent client: JSON POST
// only (no GET, no form posts: both are CSRF vectors), mutations in a
// transaction, every root field authorized by the Casbin policy, the
// query-shape limits, and the error presenter that maps every error to
// extensions.code. Mount it behind auth.Service.Middleware (the viewer) and
// internal/server (body limit, request ids, CORS, logging).
func NewHandler(client *ent.Client, opts HandlerOptions) *handler.Server {
	opts = opts.withDefaults()
	if opts.Auth == nil {
		opts.Auth = auth.New(client)
	}
	if opts.Enforcer == nil {
		e, err := policies.New()
		if err != nil {
			// The builtin policy is embedded: it loads, or the build is broken.
			panic(fmt.Sprintf("graph: the builtin policy does not load: %v", err))
		}
		opts.Enforcer = e
	}
	if opts.Membership == nil {
		opts.Membership = membership.New(client, opts.Auth, nil)
	}
	if opts.Payments == nil {
		opts.Payments = payments.New(client)
	}
	resolver := &Resolver{client: client, auth: opts.Auth, membership: opts.Membership, payments: opts.Payments,
		directory: opts.Directory, cil: opts.CIL, userrecord: opts.UserRecord, cpom: opts.CPOM, metrics: opts.Metrics}
	cfg := generated.Config{Resolvers: resolver}
	// @module is enforced with the authorization of root fields (authorize),
	// before Casbin: a disabled module's fields are not in the policy.
	cfg.Directives.Module = func(ctx context.Context, _ any, next graphql.Resolver, _ string) (any, error) { return next(ctx) }
	setComplexity(&cfg.Complexity)
	types := generated.NewExecutableSchema(generated.Config{}).Schema() // the schema parsed once, when the package loads
	bounds := listBounds(types)
	boundComplexity(&cfg.Complexity, types, bounds)

	schema := generated.NewExecutableSchema(cfg)
	resolver.switchedOff = switchedOffTypes(schema.Schema(), opts.Modules)
	srv := handler.New(schema)
	srv.AddTransport(transport.Options{AllowedMethods: []string{"OPTIONS", "POST"}})
	srv.AddTransport(jsonPOST{})

	validated := lru.New[*ast.QueryDocument](opts.QueryCacheSize)
	srv.SetQueryCache(validated)
	srv.Use(selectionLimit{max: opts.MaxSelections, maxSameName: opts.MaxSameName, tokens: opts.ParserTokenLimit, validated: validated})
	srv.SetParserTokenLimit(opts.ParserTokenLimit)
	srv.SetValidationRulesFn(validationRules(shapeLimits{
		depth:         opts.MaxDepth,
		aliases:       opts.MaxAliases,
		fields:        opts.ComplexityLimit,
		introspection: opts.Introspection,
	}))
	srv.SetDisableSuggestion(!opts.Introspection)

	p := &presenter{log: opts.Logger}
	srv.SetErrorPresenter(p.present)
	srv.SetRecoverFunc(p.recover)

	// Extensions run first added, outermost: the safety net sees the final
	// response, after the transactioner has had its say.
	srv.Use(errorSafetyNet{p: p})
	if opts.Metrics != nil {
		srv.Use(observe{opts.Metrics}) // after the safety net: sees the final codes
	}
	if opts.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.FixedComplexityLimit(opts.ComplexityLimit))
	srv.Use(inputCheck{})
	srv.Use(transactioner{entgql.Transactioner{TxOpener: client}})
	srv.AroundOperations(resolver.withBatches)
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(userrecord.LogOncePerRequest(ctx))
	})
	srv.AroundRootFields(authorize(opts.Enforcer, opts.Modules, opts.Introspection))
	srv.Use(rowBudget{rows: opts.RowBudget, metrics: opts.Metrics})
	srv.AroundFields(aroundField(bounds))
	return srv
}

// aroundField is the one field middleware, a single layer around each of
// the thousands of fields of a page: it narrows a root field's filters
// through edges, marks the errors its resolver returns, and refuses a list
// longer than its bound.
func aroundField(bounds map[*ast.FieldDefinition]int) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		// Looked up once: each lookup walks the context's chain of values.
		fc := graphql.GetFieldContext(ctx)
		narrowFilters(ctx, fc)
		res, err := markResolverErrors(ctx, next)
		if err == nil {
			if err = checkListBound(fc, bounds, res); err != nil {
				return nil, &resolverError{err: err}
			}
		}
		return res, err
	}
}

// setComplexity makes every connection field (a field with the Relay
// arguments after, first, before, last) cost its children times the page
// size, and nodes(ids:) its children times the number of ids. Connections
// are found by the shape of their complexity function, so that fields added
// later to the schema (and modules' connections) are covered without a line
// here.
func setComplexity(root *generated.ComplexityRoot) {
	root.Query.Nodes = func(child int, ids []pulid.ID) int {
		return 1 + child*max(1, min(len(ids), maxPageSize))
	}
	weighAggregates(root)
	types := reflect.ValueOf(root).Elem()
	for i := range types.NumField() {
		fields := types.Field(i)
		if fields.Kind() != reflect.Struct {
			continue
		}
		for j := range fields.NumField() {
			f := fields.Field(j)
			if f.Kind() == reflect.Func && f.IsNil() && isConnectionComplexity(f.Type()) {
				f.Set(reflect.MakeFunc(f.Type(), connectionComplexity))
			}
		}
	}
}

// AggregateComplexity is what an <entities>Aggregate field weighs: it
// scans every row it groups, whatever it answers, so a query holds only a
// few (ten at the default limit).
const AggregateComplexity = 19_000

// weighAggregates gives every root field <entities>Aggregate its weight.
func weighAggregates(root *generated.ComplexityRoot) {
	query := reflect.ValueOf(&root.Query).Elem()
	for i := range query.NumField() {
		f := query.Field(i)
		if !strings.HasSuffix(query.Type().Field(i).Name, "Aggregate") || f.Kind() != reflect.Func || !f.IsNil() {
			continue
		}
		f.Set(reflect.MakeFunc(f.Type(), func(args []reflect.Value) []reflect.Value {
			return []reflect.Value{reflect.ValueOf(AggregateComplexity + int(args[0].Int()))}
		}))
	}
}

var (
	intType    = reflect.TypeFor[int]()
	intPtrType = reflect.TypeFor[*int]()
	cursorType = reflect.TypeFor[*entgql.Cursor[pulid.ID]]()
)

// isConnectionComplexity reports whether t is
// func(childComplexity int, after *Cursor, first *int, before *Cursor, last *int, …) int.
func isConnectionComplexity(t reflect.Type) bool {
	return t.NumIn() >= 5 && t.NumOut() == 1 && t.Out(0) == intType &&
		t.In(0) == intType &&
		t.In(1) == cursorType && t.In(2) == intPtrType &&
		t.In(3) == cursorType && t.In(4) == intPtrType
}

func connectionComplexity(args []reflect.Value) []reflect.Value {
	child := int(args[0].Int())
	first, _ := args[2].Interface().(*int)
	last, _ := args[4].Interface().(*int)
	return []reflect.Value{reflect.ValueOf(pageComplexity(child, first, last))}
}

// pageComplexity is the complexity of a connection: its own 1 plus its
// children once per item of the page. An unbounded or oversized request
// counts as a full page (the resolver refuses it anyway).
func pageComplexity(child int, first, last *int) int {
	n := maxPageSize
	switch {
	case first != nil && *first >= 0 && *first <= maxPageSize:
		n = *first
	case last != nil && *last >= 0 && *last <= maxPageSize:
		n = *last
	}
	return 1 + child*max(n, 1)
}
