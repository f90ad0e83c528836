package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"communs"
	"communs/ent"
	"communs/ent/member"
	"communs/ent/privacy"
	"communs/ent/schema/pulid"
	"communs/internal/requestid"
	"communs/internal/validate"
	"communs/internal/viewer"
)

// validSIREN returns a SIREN number that passes validation.
func validSIREN(t *testing.T) string {
	t.Helper()
	for n := 100000000; n < 100001000; n++ {
		if s := fmt.Sprint(n); validate.SIREN(s) == nil {
			return s
		}
	}
	t.Fatal("no valid SIREN found")
	return ""
}

func newMember(client *ent.Client) *ent.MemberCreate {
	return client.Member.Create().
		SetName("Les Amis").
		SetCategory(member.CategoryACTIVE).
		SetJoinedOn(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
}

// entErrors produces real errors of each kind from ent on SQLite.
func entErrors(t *testing.T) (notFound, sirenInvalid, finessInvalid, constraint error) {
	t.Helper()
	ctx := viewer.SystemContext(context.Background())
	client := openClient(t)
	_, notFound = client.Member.Get(ctx, pulid.ID("MBR01ARZ3NDEKTSV4RRFFQ69G5FAV"))
	_, sirenInvalid = newMember(client).SetSiren("12345").Save(ctx)
	_, finessInvalid = newMember(client).SetFinessEj("12").Save(ctx)
	siren := validSIREN(t)
	if _, err := newMember(client).SetSiren(siren).Save(ctx); err != nil {
		t.Fatal(err)
	}
	_, constraint = newMember(client).SetSiren(siren).Save(ctx)
	if !ent.IsNotFound(notFound) || !ent.IsValidationError(sirenInvalid) || !ent.IsValidationError(finessInvalid) || !ent.IsConstraintError(constraint) {
		t.Fatalf("unexpected errors: %v / %v / %v / %v", notFound, sirenInvalid, finessInvalid, constraint)
	}
	return notFound, sirenInvalid, finessInvalid, constraint
}

// anonymousError marks a case presented without a viewer in the context.
type anonymousError struct{ error }

func anonymous(err error) error { return anonymousError{err} }

func TestPresenter(t *testing.T) {
	notFound, sirenInvalid, finessInvalid, constraint := entErrors(t)
	path := ast.Path{ast.PathName("members"), ast.PathIndex(0), ast.PathName("name")}
	// resolved is err as gqlgen hands a resolver's error to the presenter.
	resolved := func(err error) error { return gqlerror.WrapPath(path, &resolverError{err: err}) }
	// coerced is err as gqlgen hands an argument coercion error over.
	coerced := func(arg string, err error) error {
		return gqlerror.WrapPath(ast.Path{ast.PathName(arg)}, err)
	}
	validation := gqlerror.Errorf("Cannot query field \"x\" on type \"Query\".")
	errcode.Set(validation, errcode.ValidationFailed)
	internal := "internal error (request " + testRequestID + ")"

	for _, tc := range []struct {
		name        string
		err         error
		code, field string
		msg         string // "" → not checked
		logged      string // a text the log must hold; "" → nothing logged
	}{
		{"communs invalid", resolved(communs.InvalidField("name", "is too long")), communs.EINVALID, "name", "is too long", ""},
		{"communs forbidden", resolved(communs.Errorf(communs.EFORBIDDEN, "members only")), communs.EFORBIDDEN, "", "members only", ""},
		{"communs module disabled", resolved(fmt.Errorf("cil: %w", communs.Errorf(communs.EMODULEDISABLED, "the cil module is off"))), communs.EMODULEDISABLED, "", "the cil module is off", ""},
		{"communs internal", resolved(communs.Errorf(communs.EINTERNAL, "pq: relation \"members\" does not exist")), communs.EINTERNAL, "", internal, "relation"},
		{"communs unknown code", resolved(&communs.Error{Code: "TEAPOT", Message: "short and stout"}), communs.EINTERNAL, "", internal, "short and stout"},
		{"ent not found", resolved(notFound), communs.ENOTFOUND, "", "member not found", ""},
		{"ent validation", resolved(sirenInvalid), communs.EINVALID, "siren", "a SIREN number has exactly 9 digits", ""},
		{"ent validation, snake field", resolved(finessInvalid), communs.EINVALID, "finessEj", "", ""},
		{"ent constraint", resolved(constraint), communs.ECONFLICT, "", "", "UNIQUE"},
		{"privacy deny", resolved(privacy.Denyf("reserved to the platform")), communs.EFORBIDDEN, "", "reserved to the platform", ""},
		{"privacy deny, bare", resolved(fmt.Errorf("ent: %w", privacy.Deny)), communs.EFORBIDDEN, "", "not allowed", ""},
		{"privacy deny, anonymous", anonymous(resolved(privacy.Denyf("log in to read the catalogue"))), communs.EUNAUTHENTICATED, "", "log in to read the catalogue", ""},
		{"plain resolver error", resolved(errors.New(`sql: SELECT * FROM "accounts": connection reset`)), communs.EINTERNAL, "", internal, "connection reset"},
		{"context deadline", resolved(context.DeadlineExceeded), communs.ELIMIT, "", "the request ran past its deadline: ask for less, or filter more narrowly", "deadline"},
		{"invalid null", &graphql.InvalidNullError{Path: path}, communs.EINTERNAL, "", internal, "null"},
		{"argument coercion", coerced("first", errors.New("string is not an int")), communs.EINVALID, "first", "string is not an int", ""},
		{"cursor coercion", coerced("after", errors.New("cannot decode cursor: msgpack: invalid code=c1 decoding array/slice length")), communs.EINVALID, "after", "not a valid cursor", ""},
		{"duplicate order", resolved(errors.New(`duplicate order direction "ASC"`)), communs.EINVALID, "orderBy", "", ""},
		{"cursor mismatch", resolved(errors.New("cursor values length 1 do not match orderBy fields length 2")), communs.EINVALID, "after", "", ""},
		{"empty where", resolved(fmt.Errorf("%w: field 'not'", ent.ErrEmptyMemberWhereInput)), communs.EINVALID, "where", "", ""},
		{"first and last", resolved(&gqlerror.Error{Message: "Passing both `first` and `last` to paginate a connection is not supported."}), communs.EINVALID, "last", "", ""},
		{"node not found (entgql)", resolved(func() error {
			e := gqlerror.Errorf("Could not resolve to a node")
			errcode.Set(e, "NOT_FOUND")
			return e
		}()), communs.ENOTFOUND, "", "", ""},
		{"other gqlerror from a resolver", resolved(gqlerror.Errorf("pq: SELECT 1")), communs.EINTERNAL, "", internal, "SELECT 1"},
		{"validation", validation, errcode.ValidationFailed, "", validation.Message, ""},
		{"bad JSON body", gqlerror.Errorf("json request body could not be decoded: invalid character body:{\"query\": SECRET"), communs.EINVALID, "", "the request body is not a JSON GraphQL request", ""},
		{"unknown error outside resolvers", errors.New("something odd"), communs.EINTERNAL, "", internal, "something odd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logger, logs := newLogger()
			ctx := requestid.With(context.Background(), testRequestID)
			err := tc.err
			if a, ok := err.(anonymousError); ok {
				err = a.error
			} else {
				ctx = viewer.NewContext(ctx, &viewer.Viewer{Email: "staff@gsm.example"})
			}
			got := NewErrorPresenter(logger)(ctx, err)
			code, _ := got.Extensions["code"].(string)
			field, _ := got.Extensions["field"].(string)
			if code != tc.code || field != tc.field || tc.msg != "" && got.Message != tc.msg {
				t.Errorf("got %q %q %q, want %q %q %q", code, field, got.Message, tc.code, tc.field, tc.msg)
			}
			// Nothing of the database reaches the client.
			for _, leak := range []string{"SELECT", "UNIQUE", "pq:", "sql:", "members.", "SECRET", "ent:"} {
				if strings.Contains(got.Message, leak) {
					t.Errorf("message leaks %q: %s", leak, got.Message)
				}
			}
			if code == communs.EINTERNAL && got.Message != internal {
				t.Errorf("internal message %q", got.Message)
			}
			if tc.logged != "" && (!strings.Contains(logs.String(), tc.logged) || !strings.Contains(logs.String(), testRequestID)) {
				t.Errorf("log lacks %q and the request id:\n%s", tc.logged, logs.String())
			}
			if tc.logged == "" && logs.String() != "" {
				t.Errorf("unexpected log:\n%s", logs.String())
			}
		})
	}
}

func TestPresenterKeepsPlace(t *testing.T) {
	path := ast.Path{ast.PathName("members"), ast.PathIndex(2), ast.PathName("name")}
	in := gqlerror.WrapPath(path, &resolverError{err: communs.InvalidField("name", "empty")})
	in.Locations = []gqlerror.Location{{Line: 1, Column: 3}}
	got := NewErrorPresenter(nil)(context.Background(), in)
	if got.Path.String() != path.String() || len(got.Locations) != 1 {
		t.Errorf("got %+v", got)
	}
}

func TestRecoverFunc(t *testing.T) {
	logger, logs := newLogger()
	ctx := requestid.With(context.Background(), testRequestID)
	err := NewRecoverFunc(logger)(ctx, "nil map write")
	got := NewErrorPresenter(logger)(ctx, err)
	if got.Extensions["code"] != communs.EINTERNAL || got.Message != "internal error (request "+testRequestID+")" {
		t.Errorf("got %+v", got)
	}
	for _, want := range []string{"nil map write", "stack", testRequestID} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

func TestRequestIDMadeWhenMissing(t *testing.T) {
	logger, logs := newLogger()
	got := NewErrorPresenter(logger)(context.Background(), errors.New("boom"))
	id := strings.TrimSuffix(strings.TrimPrefix(got.Message, "internal error (request "), ")")
	if !requestid.Valid(id) || !strings.Contains(logs.String(), id) {
		t.Errorf("message %q, log %s", got.Message, logs.String())
	}
}

func TestSafetyNet(t *testing.T) {
	logger, logs := newLogger()
	net := errorSafetyNet{p: &presenter{log: logger}}
	ctx := requestid.With(context.Background(), testRequestID)
	resp := net.InterceptResponse(ctx, func(context.Context) *graphql.Response {
		return &graphql.Response{Errors: gqlerror.List{
			{Message: "cannot commit transaction: pq: could not serialize access"},
			{Message: "fine", Extensions: map[string]any{"code": communs.ECONFLICT}},
		}}
	})
	if resp.Errors[0].Extensions["code"] != communs.EINTERNAL || strings.Contains(resp.Errors[0].Message, "pq") {
		t.Errorf("got %+v", resp.Errors[0])
	}
	if resp.Errors[1].Message != "fine" {
		t.Errorf("coded error changed: %+v", resp.Errors[1])
	}
	if !strings.Contains(logs.String(), "could not serialize") {
		t.Errorf("not logged: %s", logs.String())
	}
}

func TestCamel(t *testing.T) {
	for in, want := range map[string]string{
		"name": "name", "legal_name": "legalName", "finess_ej": "finessEj",
		"member_id": "memberID", "vat_subject_percent": "vatSubjectPercent", "homepage_url": "homepageURL",
	} {
		if got := camel(in); got != want {
			t.Errorf("camel(%q) = %q, want %q", in, got, want)
		}
	}
}

// An answer lists at most maxErrors errors, then says how many it left out.
func TestErrorsAreCapped(t *testing.T) {
	h := NewHandler(openClient(t), HandlerOptions{})
	for name, query := range map[string]string{
		"unknown directives": "{ __typename" + strings.Repeat(" @nope", 4000) + " }",
		"unknown fields":     "{" + unknownFields(900) + " }",
	} {
		res := post(t, h, query, nil)
		if len(res.Errors) != maxErrors+1 || res.code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("%s: %d errors: %.300s", name, len(res.Errors), res.Raw)
			continue
		}
		last := res.Errors[maxErrors]
		if !strings.HasPrefix(last.Message, "too many errors: ") || last.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("%s: the last error is %+v", name, last)
		}
		if len(res.Raw) > 32<<10 {
			t.Errorf("%s: the answer is %d bytes", name, len(res.Raw))
		}
	}
}

func unknownFields(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " nope%d", i)
	}
	return b.String()
}
