package cpom

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/account"
	"communs/ent/cpomcontract"
	"communs/ent/cpomindicator"
	"communs/ent/member"
	"communs/ent/schema/pulid"
	"communs/internal/httperror"
	"communs/internal/seed"
	"communs/internal/store"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
	"communs/modules/directory"
	"communs/modules/support"
)

// cpomDemo is a database holding the core's, the directory's and the
// CPOM's demo.
type cpomDemo struct {
	client *ent.Client
	sys    context.Context
}

func openDemo(t *testing.T) *cpomDemo {
	t.Helper()
	db := storetest.OpenFilled(t, "demo with the CPOM", func(ctx context.Context, db *store.DB) error {
		sys := viewer.SystemContext(ctx)
		if _, err := seed.Demo(sys, db.Client, io.Discard); err != nil {
			return err
		}
		if err := directory.Demo(sys, db.Client, io.Discard); err != nil {
			return err
		}
		return Demo(sys, db.Client, io.Discard)
	})
	return &cpomDemo{client: db.Client, sys: viewer.SystemContext(t.Context())}
}

// as is a context acting as the demo account of email, with its roles.
func (d *cpomDemo) as(t *testing.T, email string) context.Context {
	t.Helper()
	return viewer.NewContext(t.Context(), storetest.Viewer(t, d.client, email))
}

func (d *cpomDemo) member(t *testing.T, name string) pulid.ID {
	t.Helper()
	id, err := d.client.Member.Query().Where(member.Name(name)).OnlyID(d.sys)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (d *cpomDemo) accountID(t *testing.T, email string) pulid.ID {
	t.Helper()
	id, err := d.client.Account.Query().Where(account.Email(email)).OnlyID(d.sys)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

const (
	genets   = "Association Les Genêts du Morvan"
	tilleuls = "Association Les Tilleuls de l'Yonne"
)

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	var e *communs.Error
	if !errors.As(err, &e) || e.Code != code || (field != "" && !strings.Contains(e.Error(), field)) {
		t.Fatalf("error %v, want %s naming %q", err, code, field)
	}
}

func TestCPOMContractValidation(t *testing.T) {
	t.Parallel()
	d := openDemo(t)
	s := New(d.client, nil)
	ctx := d.as(t, "admin@tilleuls-yonne.example")
	m := d.member(t, tilleuls)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		in          CpomContractInput
		code, field string
	}{
		"end before start": {CpomContractInput{MemberID: m, Authority: "ARS", Title: "T", StartsOn: start, EndsOn: start.AddDate(0, 0, -1)}, communs.EINVALID, "endsOn"},
		"over five years":  {CpomContractInput{MemberID: m, Authority: "ARS", Title: "T", StartsOn: start, EndsOn: start.AddDate(5, 0, 1)}, communs.EINVALID, "endsOn"},
		"no authority":     {CpomContractInput{MemberID: m, Title: "T", StartsOn: start, EndsOn: start.AddDate(5, 0, 0)}, communs.EINVALID, "authority"},
		"another member":   {CpomContractInput{MemberID: d.member(t, genets), Authority: "ARS", Title: "T", StartsOn: start, EndsOn: start.AddDate(1, 0, 0)}, communs.EFORBIDDEN, ""},
		"others' establishment": {CpomContractInput{MemberID: m, Authority: "ARS", Title: "T", StartsOn: start, EndsOn: start.AddDate(1, 0, 0),
			EstablishmentIds: d.establishmentsOf(t, genets)}, communs.EINVALID, "establishmentIds"},
	} {
		_, err := s.CreateContract(ctx, tc.in)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		t.Run(name, func(t *testing.T) { wantCode(t, err, tc.code, tc.field) })
	}
	if _, err := s.CreateContract(ctx, CpomContractInput{MemberID: m, Authority: "ARS", Title: "T", StartsOn: start, EndsOn: start.AddDate(5, 0, 0)}); err != nil {
		t.Fatalf("five years exactly: %v", err)
	}
}

func (d *cpomDemo) establishmentsOf(t *testing.T, name string) []pulid.ID {
	t.Helper()
	c, err := d.client.CpomContract.Query().Where(cpomcontract.MemberID(d.member(t, name))).Only(d.sys)
	if err != nil || len(c.EstablishmentIds) == 0 {
		t.Fatalf("the demo contract of %s covers no establishment (%v)", name, err)
	}
	return []pulid.ID{pulid.ID(c.EstablishmentIds[0])}
}

// TestCPOMDemo: the demo holds a late action and an indicator off target,
// and running it again adds nothing.
func TestCPOMDemo(t *testing.T) {
	t.Parallel()
	d := openDemo(t)
	if err := Demo(d.sys, d.client, io.Discard); err != nil {
		t.Fatal(err)
	}
	if n := d.client.CpomContract.Query().CountX(d.sys); n != len(demoMembers) {
		t.Fatalf("%d contracts after a second demo, want %d", n, len(demoMembers))
	}
	s := New(d.client, nil)
	on := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	todo, err := s.Todo(d.as(t, "viewer@tilleuls-yonne.example"), d.member(t, tilleuls), &on)
	if err != nil {
		t.Fatal(err)
	}
	if len(todo.LateActions) != 1 || len(todo.OffTargetIndicators) != 1 || len(todo.LateMilestones) != 0 {
		t.Fatalf("todo: %d late actions, %d indicators off target, %d late milestones; want 1, 1, 0",
			len(todo.LateActions), len(todo.OffTargetIndicators), len(todo.LateMilestones))
	}
	later := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	if todo, _ := s.Todo(d.as(t, "viewer@tilleuls-yonne.example"), d.member(t, tilleuls), &later); len(todo.LateMilestones) != 1 {
		t.Fatalf("%d late milestones in July 2026, want the mid-term review", len(todo.LateMilestones))
	}
}

// TestCPOMIsolationAndSupportAccess: a member's people see their
// member's contract only; the groupement's staff nothing until the
// member's administrator grants a support access, and nothing again once
// it is revoked or expired. A support access reads only.
func TestCPOMIsolationAndSupportAccess(t *testing.T) {
	t.Parallel()
	d := openDemo(t)
	count := func(ctx context.Context) int {
		return d.client.CpomIndicatorYear.Query().CountX(ctx) + d.client.CpomContract.Query().CountX(ctx)
	}
	tilleulsViewer := d.as(t, "viewer@tilleuls-yonne.example")
	own, err := d.client.CpomContract.Query().All(tilleulsViewer)
	if err != nil || len(own) != 1 || own[0].MemberID != d.member(t, tilleuls) {
		t.Fatalf("a member's viewer sees %d contracts (%v), want its member's one", len(own), err)
	}
	if n := count(d.as(t, "admin@abri-montagnard.example")); n != 0 {
		t.Fatalf("another member's administrator sees %d CPOM rows", n)
	}
	staff := d.as(t, "staff@communs.example")
	if n := count(staff); n != 0 {
		t.Fatalf("the groupement's staff sees %d CPOM rows without a support access", n)
	}
	s := New(d.client, nil)
	admin := d.as(t, "admin@tilleuls-yonne.example")
	grant, err := s.GrantSupport(admin, support.Request{MemberID: d.member(t, tilleuls), AccountID: d.accountID(t, "staff@communs.example"), Reason: "aide au rapport", Hours: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.client.CpomContract.Query().AllX(staff); len(got) != 1 || got[0].MemberID != d.member(t, tilleuls) {
		t.Fatalf("under a support access the staff sees %d contracts, want the granting member's", len(got))
	}
	if n := d.client.Person.Query().CountX(staff); n != 0 {
		t.Fatalf("a CPOM support access opens %d persons' files", n)
	}
	if _, err := s.AddMilestone(staff, CpomMilestoneInput{ContractID: own[0].ID, Title: "x", DueOn: time.Now()}); err == nil {
		t.Fatal("a support access writes")
	} else {
		wantCode(t, err, communs.EFORBIDDEN, "")
	}
	if _, err := s.RevokeSupport(admin, grant.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(staff); n != 0 {
		t.Fatalf("the staff sees %d CPOM rows once the access is revoked", n)
	}
	s.now = func() time.Time { return time.Now().Add(-3 * time.Hour) } // granted 3 hours ago for 2
	if _, err := s.GrantSupport(admin, support.Request{MemberID: d.member(t, tilleuls), AccountID: d.accountID(t, "staff@communs.example"), Reason: "aide", Hours: 2}); err != nil {
		t.Fatal(err)
	}
	if n := count(staff); n != 0 {
		t.Fatalf("the staff sees %d CPOM rows once the access expired", n)
	}
}

// TestCPOMIndicatorFed: an indicator with a source reads the activity
// measure when one is given, and its recorded values otherwise.
func TestCPOMIndicatorFed(t *testing.T) {
	t.Parallel()
	d := openDemo(t)
	ctx := d.as(t, "viewer@tilleuls-yonne.example")
	ind, err := d.client.CpomIndicator.Query().Where(cpomindicator.SourceCodeNotNil()).First(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var asked string
	measure := func(_ context.Context, _ *ent.Client, m pulid.ID, code, what string, year int) (float64, error) {
		asked = code + " " + what
		return 150, nil
	}
	fed := New(d.client, measure)
	if v, err := fed.ValueFor(ctx, ind, 2026); err != nil || v == nil || *v != 150 || asked != "2.3.1.1 HOURS" || !fed.Fed(ind) {
		t.Fatalf("fed value %v, %v (asked %q)", v, err, asked)
	}
	alone := New(d.client, nil)
	if v, err := alone.ValueFor(ctx, ind, 2026); err != nil || v != nil || alone.Fed(ind) {
		t.Fatalf("without the user record: %v, %v; want no value recorded", v, err)
	}
}

// TestCPOMReview: the printable review of the member's contract, with its
// safe headers; another member's is NOT_FOUND, the groupement's staff
// without a support access is not served either.
func TestCPOMReview(t *testing.T) {
	t.Parallel()
	d := openDemo(t)
	c := d.client.CpomContract.Query().Where(cpomcontract.MemberID(d.member(t, tilleuls))).OnlyX(d.sys)
	h := reviewHandler(New(d.client, nil), func(*viewer.Viewer, string) bool { return true }, httperror.New(nil))
	get := func(ctx context.Context, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		mux := http.NewServeMux()
		mux.Handle(ReviewPattern, h)
		mux.ServeHTTP(w, httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil))
		return w
	}
	w := get(d.as(t, "viewer@tilleuls-yonne.example"), "/exports/cpom/contracts/"+string(c.ID)+"/2025.html")
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "Taux d&#39;occupation") || !strings.Contains(body, "en retard") ||
		!strings.Contains(body, "Dialogue de gestion 2025") || !strings.Contains(body, "Extension de 4 places") {
		t.Fatalf("review: %d\n%s", w.Code, body)
	}
	if w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Header().Get("Cache-Control") != "no-store" ||
		!strings.Contains(w.Header().Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("headers %v", w.Header())
	}
	for _, email := range []string{"admin@genets-morvan.example", "staff@communs.example"} {
		if w := get(d.as(t, email), "/exports/cpom/contracts/"+string(c.ID)+"/2025.html"); w.Code != http.StatusNotFound {
			t.Errorf("%s reads another member's review: %d", email, w.Code)
		}
	}
	if w := get(d.as(t, "viewer@tilleuls-yonne.example"), "/exports/cpom/contracts/"+string(c.ID)+"/2031.html"); w.Code != http.StatusBadRequest {
		t.Errorf("a year out of the contract: %d", w.Code)
	}
}
