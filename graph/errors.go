package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"communs"
	"communs/ent"
	"communs/ent/privacy"
	"communs/internal/requestid"
	"communs/internal/viewer"
)

// The error presenter is the one place where errors become what the client
// reads: a message and extensions.code (one of communs' codes), plus
// extensions.field for invalid input when the field is known.
//
//	*communs.Error               its code, message and field (INTERNAL: hidden, logged)
//	ent not found                NOT_FOUND
//	ent validation error         INVALID_INPUT, naming the field (camelCase, as in GraphQL)
//	ent constraint error         CONFLICT (the database's text is logged, never shown)
//	ent privacy denial           FORBIDDEN, or UNAUTHENTICATED without a viewer
//	entgql pagination, cursor,
//	orderBy and where errors     INVALID_INPUT
//	argument coercion (gqlgen)   INVALID_INPUT, naming the argument
//	parse and validation         as gqlgen reports them: GRAPHQL_PARSE_FAILED,
//	                             GRAPHQL_VALIDATION_FAILED, COMPLEXITY_LIMIT_EXCEEDED
//	anything else, and panics    INTERNAL "internal error (request <id>)"; the real
//	                             error is logged with slog and the request id
//
// Errors returned by resolvers are told apart from the errors gqlgen raises
// itself (argument coercion) by a field middleware that marks them: an
// unknown resolver error is internal, and may hold SQL.

// NewErrorPresenter returns the error presenter NewHandler installs, for
// servers assembled by hand; logger receives internal errors.
func NewErrorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return (&presenter{log: orDefault(logger)}).present
}

// NewRecoverFunc returns the panic handler NewHandler installs: it logs the
// panic, its stack and the request id, and answers INTERNAL.
func NewRecoverFunc(logger *slog.Logger) graphql.RecoverFunc {
	return (&presenter{log: orDefault(logger)}).recover
}

func orDefault(logger *slog.Logger) *slog.Logger {
	if logger == nil {
		return slog.Default()
	}
	return logger
}

type presenter struct {
	log *slog.Logger
}

// resolverError marks an error that a resolver returned.
type resolverError struct{ err error }

func (e *resolverError) Error() string { return e.err.Error() }
func (e *resolverError) Unwrap() error { return e.err }

// markResolverErrors is the field middleware that marks resolver errors.
func markResolverErrors(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err == nil {
		return res, nil
	}
	if list, ok := err.(gqlerror.List); ok {
		// gqlgen reports each error of a list on its own: mark each.
		marked := make(gqlerror.List, len(list))
		for i, e := range list {
			marked[i] = gqlerror.WrapPath(e.Path, &resolverError{err: e})
			marked[i].Locations = e.Locations
		}
		return res, marked
	}
	var re *resolverError
	if errors.As(err, &re) {
		return res, err
	}
	return res, &resolverError{err: err}
}

// internalError is what a recovered panic becomes; it was logged already.
type internalError struct{ requestID string }

func (e *internalError) Error() string { return internalMessage(e.requestID) }

func internalMessage(id string) string {
	return fmt.Sprintf("internal error (request %s)", id)
}

// requestID returns the id of the request being served. Without one (the
// handler mounted without internal/server) it makes one, so that the
// message and the log line still match.
func requestID(ctx context.Context) string {
	if id := requestid.From(ctx); id != "" {
		return id
	}
	return requestid.New()
}

func (p *presenter) recover(ctx context.Context, v any) error {
	id := requestID(ctx)
	attrs := []any{
		slog.String("request_id", id),
		slog.Any("panic", v),
		slog.String("stack", string(debug.Stack())),
	}
	if path := graphql.GetPath(ctx); len(path) > 0 {
		attrs = append(attrs, slog.String("path", path.String()))
	}
	p.log.ErrorContext(ctx, "graphql: panic", attrs...)
	return &internalError{requestID: id}
}

func (p *presenter) present(ctx context.Context, err error) *gqlerror.Error {
	if err == nil {
		return nil
	}
	// out carries where the error happened (path, locations).
	var out *gqlerror.Error
	if !errors.As(err, &out) {
		out = gqlerror.WrapPath(graphql.GetPath(ctx), err)
	}
	var re *resolverError
	fromResolver := errors.As(err, &re)

	// Parse, validation and complexity errors: as gqlgen reports them.
	if !fromResolver && codeOf(out) != "" {
		return out
	}

	var (
		ie  *internalError
		ve  *ent.ValidationError
		ce  *communs.Error
		nf  *ent.NotFoundError
		inv *graphql.InvalidNullError
	)
	switch {
	case errors.As(err, &ie):
		return build(out, communs.EINTERNAL, ie.Error(), "")
	case errors.As(err, &ve):
		return validationError(out, ve)
	case errors.As(err, &ce):
		if !publicCode(ce.Code) {
			return p.internal(ctx, out, err)
		}
		return build(out, ce.Code, ce.Message, ce.Field)
	case errors.As(err, &nf):
		return build(out, communs.ENOTFOUND, strings.TrimPrefix(nf.Error(), "ent: "), "")
	case ent.IsConstraintError(err):
		p.log.InfoContext(ctx, "graphql: constraint error",
			slog.String("request_id", requestID(ctx)), slog.String("error", err.Error()))
		return build(out, communs.ECONFLICT, "the change conflicts with existing data (a duplicate value or a missing related record)", "")
	case errors.Is(err, privacy.Deny):
		return denied(ctx, out, err)
	case errors.Is(err, context.DeadlineExceeded):
		p.log.WarnContext(ctx, "graphql: request past its deadline",
			slog.String("request_id", requestID(ctx)), slog.String("path", out.Path.String()), slog.String("error", err.Error()))
		return build(out, communs.ELIMIT, "the request ran past its deadline: ask for less, or filter more narrowly", "")
	case errors.As(err, &inv):
		return p.internal(ctx, out, err)
	}

	if fromResolver {
		if e := knownResolverError(ctx, re.err); e != nil {
			return build(out, e.Code, e.Message, e.Field)
		}
		return p.internal(ctx, out, err)
	}

	// Errors gqlgen raises outside resolvers, before any resolver runs.
	if len(out.Path) > 0 {
		// An argument that could not be coerced: the path ends with its name.
		msg := out.Message
		if strings.HasPrefix(msg, "cannot decode cursor") {
			msg = "not a valid cursor"
		}
		return build(out, communs.EINVALID, msg, lastName(out.Path))
	}
	switch {
	case strings.HasPrefix(out.Message, "json request body could not be decoded"):
		// gqlgen's message echoes the whole body back: not repeated.
		return build(out, communs.EINVALID, "the request body is not a JSON GraphQL request", "")
	case strings.HasPrefix(out.Message, "could not read request body"):
		return build(out, communs.EINVALID, "the request body could not be read", "")
	}
	return p.internal(ctx, out, err)
}

// internal logs err with the request id and returns the message the client
// gets instead.
func (p *presenter) internal(ctx context.Context, out *gqlerror.Error, err error) *gqlerror.Error {
	id := requestID(ctx)
	var re *resolverError
	if errors.As(err, &re) {
		err = re.err // without gqlgen's location and path prefix
	}
	attrs := []any{slog.String("request_id", id), slog.String("error", err.Error())}
	if len(out.Path) > 0 {
		attrs = append(attrs, slog.String("path", out.Path.String()))
	}
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		name := oc.OperationName
		if name == "" && oc.Operation != nil {
			name = oc.Operation.Name
		}
		if name != "" {
			attrs = append(attrs, slog.String("operation", name))
		}
	}
	p.log.ErrorContext(ctx, "graphql: internal error", attrs...)
	return build(out, communs.EINTERNAL, internalMessage(id), "")
}

// denied presents a denial of ent's privacy rules: UNAUTHENTICATED for an
// anonymous request, FORBIDDEN otherwise, with the rule's own message
// (privacy.Denyf("log in to read the catalogue")) when it gave one.
func denied(ctx context.Context, out *gqlerror.Error, err error) *gqlerror.Error {
	var re *resolverError
	if errors.As(err, &re) {
		err = re.err
	}
	msg, _, _ := strings.Cut(err.Error(), privacy.Deny.Error())
	msg = strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(msg, "ent: ")), ":")
	if msg == "" {
		msg = "not allowed"
	}
	code := communs.EFORBIDDEN
	if viewer.FromContext(ctx) == nil {
		code = communs.EUNAUTHENTICATED
	}
	return build(out, code, msg, "")
}

// build returns a fresh error at out's place with the given code.
func build(out *gqlerror.Error, code, msg, field string) *gqlerror.Error {
	e := &gqlerror.Error{
		Message:    msg,
		Path:       out.Path,
		Locations:  out.Locations,
		Extensions: map[string]any{"code": code},
	}
	if field != "" {
		e.Extensions["field"] = field
	}
	return e
}

func codeOf(e *gqlerror.Error) string {
	if e == nil {
		return ""
	}
	code, _ := e.Extensions["code"].(string)
	return code
}

// publicCode reports whether code is one of ours that the client may read
// with its message. INTERNAL messages are never shown.
func publicCode(code string) bool {
	switch code {
	case communs.EINVALID, communs.EUNAUTHENTICATED, communs.EFORBIDDEN,
		communs.ENOTFOUND, communs.ECONFLICT, communs.EMODULEDISABLED, communs.ERATELIMITED, communs.ELIMIT:
		return true
	}
	return false
}

// validationError names the field at fault, as the GraphQL schema names it.
// ent's message reads `ent: validator failed for field "Member.siren": <why>`;
// the client gets <why>.
func validationError(out *gqlerror.Error, ve *ent.ValidationError) *gqlerror.Error {
	field := camel(ve.Name)
	msg := strings.TrimPrefix(ve.Error(), "ent: ")
	if cause := errors.Unwrap(ve.Unwrap()); cause != nil {
		msg = cause.Error()
		var ce *communs.Error
		if errors.As(cause, &ce) {
			msg = ce.Message
			if ce.Field != "" {
				field = ce.Field
			}
		}
	}
	return build(out, communs.EINVALID, msg, field)
}

// knownResolverError recognises the client errors that generated code
// returns from inside resolvers: a *gqlerror.Error built for the client
// (entgql's pagination checks, its node-not-found), and the input errors
// that ent's generated pagination code (entgql templates) returns as plain
// errors — bad orderBy, a cursor made for another order, an empty where.
// Their texts are fixed by the pinned entgql version; the tests run them
// through the real schema.
func knownResolverError(ctx context.Context, err error) *communs.Error {
	var ge *gqlerror.Error
	if errors.As(err, &ge) {
		// validateFirstLast: negative first/last, or both given.
		if ge.Extensions["code"] == "INVALID_PAGINATION" || strings.Contains(ge.Message, "paginate a connection") {
			field := "last"
			if strings.HasPrefix(ge.Message, "`first`") {
				field = "first"
			}
			return communs.InvalidField(field, "%s", ge.Message)
		}
		if publicCode(codeOf(ge)) {
			// e.g. entgql.ErrNodeNotFound (NOT_FOUND).
			return &communs.Error{Code: codeOf(ge), Message: ge.Message}
		}
		return nil
	}
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "duplicate order direction"):
		return communs.InvalidField("orderBy", "a field appears twice in orderBy")
	case strings.HasPrefix(msg, "orderBy directions length"):
		return communs.InvalidField("orderBy", "%s", msg)
	case strings.HasPrefix(msg, "cursor values length"), strings.HasPrefix(msg, "cursor ") && strings.HasSuffix(msg, "is not a slice"):
		return communs.InvalidField(cursorArg(ctx), "the cursor was not made for this orderBy")
	case strings.Contains(msg, "ent: empty predicate") && strings.Contains(msg, "WhereInput"):
		return communs.InvalidField("where", "a where filter (or one of its not, and, or, has…With parts) is empty")
	}
	return nil
}

// cursorArg names the cursor argument the current field was given.
func cursorArg(ctx context.Context) string {
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		before, _ := fc.Args["before"].(*ent.Cursor)
		after, _ := fc.Args["after"].(*ent.Cursor)
		if before != nil && after == nil {
			return "before"
		}
	}
	return "after"
}

// lastName returns the last field name of a path.
func lastName(path ast.Path) string {
	for i := len(path) - 1; i >= 0; i-- {
		if name, ok := path[i].(ast.PathName); ok {
			return string(name)
		}
	}
	return ""
}

// acronyms are the words ent's code generator spells in capitals in
// GraphQL names (entc/gen's list, trimmed to what a field may hold).
var acronyms = map[string]bool{
	"API": true, "DNS": true, "GB": true, "HTML": true, "HTTP": true, "HTTPS": true,
	"ID": true, "IP": true, "JSON": true, "KB": true, "MB": true, "SQL": true,
	"UID": true, "URI": true, "URL": true, "UUID": true, "XML": true,
}

// camel spells an ent field name (snake_case) as its GraphQL field:
// legal_name → legalName, member_id → memberID.
func camel(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool { return r == '_' || r == '-' || r == ' ' })
	if len(words) == 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(strings.ToLower(words[0]))
	for _, w := range words[1:] {
		if up := strings.ToUpper(w); acronyms[up] {
			b.WriteString(up)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// errorSafetyNet makes sure no error leaves without a code, and that an
// answer holds at most maxErrors errors. Everything that goes through the
// presenter has a code; a few messages are written around it (entgql's
// Transactioner reports a failed BEGIN or COMMIT with the database's
// text), and those become INTERNAL here.
type errorSafetyNet struct{ p *presenter }

// maxErrors is the most errors an answer lists: a document of thousands of
// unknown directives or fields would otherwise answer a hundred times its
// size. It is nodes(ids:)'s bound, which answers an error for each id it
// may not show. The errors past it are counted in one last error.
const maxErrors = maxPageSize

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = errorSafetyNet{}

func (errorSafetyNet) ExtensionName() string                   { return "CommunsErrorSafetyNet" }
func (errorSafetyNet) Validate(graphql.ExecutableSchema) error { return nil }

func (n errorSafetyNet) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	if len(resp.Errors) > maxErrors {
		more := &gqlerror.Error{
			Message:    fmt.Sprintf("too many errors: %d more left out", len(resp.Errors)-maxErrors),
			Extensions: map[string]any{"code": codeOf(resp.Errors[maxErrors])},
		}
		resp.Errors = append(resp.Errors[:maxErrors], more)
	}
	for i, e := range resp.Errors {
		if codeOf(e) == "" {
			resp.Errors[i] = n.p.internal(ctx, e, e)
		}
	}
	return resp
}

// transactioner runs mutations in a transaction (entgql.Transactioner).
// entgql's InterceptResponse asks for the operation context, which a request
// whose body is not JSON never gets: it would panic on every such request.
type transactioner struct{ entgql.Transactioner }

func (t transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	return t.Transactioner.InterceptResponse(ctx, next)
}
