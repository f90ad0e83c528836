package userrecord

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"communs/ent"
	"communs/ent/account"
	"communs/ent/careassignment"
	"communs/ent/establishment"
	"communs/ent/journalnote"
	"communs/ent/person"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/stay"
	"communs/ent/subscription"
	"communs/internal/sealing"
	"communs/internal/seed"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
	"communs/modules/directory"
	"communs/modules/userrecord/serafin"
)

// TestDemo loads the core's and the directory's demo, then the user
// record's twice: the files are those of the four members subscribing to
// the user record, the second run adds nothing, every sealed column holds
// a sealed value, and the service opens them.
func TestDemo(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	client := db.Client
	ctx := viewer.SystemContext(t.Context())
	if _, err := seed.Demo(ctx, client, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := directory.Demo(ctx, client, io.Discard); err != nil {
		t.Fatal(err)
	}
	keys, err := sealing.NewKeyring("k1", map[string][]byte{"k1": bytes.Repeat([]byte{0x5a}, sealing.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	demo := Demo(keys)

	var out bytes.Buffer
	start := time.Now()
	if err := demo(t.Context(), client, &out); err != nil {
		t.Fatal(err)
	}
	t.Logf("first run in %s: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(out.String()))
	if !strings.HasPrefix(out.String(), "userrecord: ") || strings.HasPrefix(out.String(), "userrecord: 0 persons") {
		t.Errorf("summary = %q", out.String())
	}

	// The files are those of the members subscribing to the user record.
	subscribers := client.Subscription.Query().
		Where(subscription.HasResourceWith(resource.Code("GESTUSA"))).
		Select(subscription.FieldMemberID).StringsX(ctx)
	if len(subscribers) != 4 {
		t.Fatalf("%d subscribers to GESTUSA, want 4", len(subscribers))
	}
	ids := make([]pulid.ID, len(subscribers))
	for i, s := range subscribers {
		ids[i] = pulid.ID(s)
		n := client.Person.Query().Where(person.MemberID(ids[i])).CountX(ctx)
		if n < 2*demoPersonsPerEstablishment {
			t.Errorf("member %s: %d persons, want at least %d", s, n, 2*demoPersonsPerEstablishment)
		}
		discharged := client.Person.Query().Where(person.MemberID(ids[i]),
			person.HasStaysWith(stay.DischargedOn(day(2004, time.June, 30)))).CountX(ctx)
		if discharged != 1 {
			t.Errorf("member %s: %d persons discharged in 2004, want 1", s, discharged)
		}
	}
	if n := client.Person.Query().Where(person.MemberIDNotIn(ids...)).CountX(ctx); n != 0 {
		t.Errorf("%d persons of members not subscribing to the user record", n)
	}

	// Running it again adds nothing.
	before := demoRowCounts(t, client)
	out.Reset()
	if err := demo(t.Context(), client, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "userrecord: 0 persons") {
		t.Errorf("second run: %q", out.String())
	}
	if after := demoRowCounts(t, client); !slices.Equal(before, after) {
		t.Errorf("second run changed the counts: %v, then %v", before, after)
	}

	// Every sealed column holds a sealed value, never the plain text.
	sealedColumns := map[string][]string{
		"ins":        client.Person.Query().Where(person.InsSealedNotNil()).Select(person.FieldInsSealed).StringsX(ctx),
		"need code":  client.NeedAssessment.Query().Select("code_sealed").StringsX(ctx),
		"comment":    client.NeedAssessment.Query().Select("comment_sealed").StringsX(ctx),
		"objectives": client.PersonalProject.Query().Select("objectives_sealed").StringsX(ctx),
		"note":       client.JournalNote.Query().Select("body_sealed").StringsX(ctx),
	}
	for column, values := range sealedColumns {
		if len(values) == 0 {
			t.Errorf("no %s sealed", column)
		}
		for _, v := range values {
			if !strings.HasPrefix(v, "v1.k1.") {
				t.Errorf("%s not sealed: %.20q…", column, v)
			}
		}
	}
	persons := client.Person.Query().CountX(ctx)
	if ins := len(sealedColumns["ins"]); ins < persons/4 || ins > persons/2 {
		t.Errorf("%d of %d persons have an INS, want about one in three", ins, persons)
	}

	// The service opens them.
	svc := New(client, keys)
	for _, n := range client.NeedAssessment.Query().AllX(ctx) {
		code, err := svc.NeedCode(n)
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := serafin.Lookup(code); !ok || e.Kind != serafin.Need || e.Level < 3 {
			t.Errorf("need code %q: %+v", code, e)
		}
		if comment, err := svc.NeedComment(n); err != nil || comment == "" {
			t.Errorf("need comment %q, %v", comment, err)
		}
	}
	for _, p := range client.PersonalProject.Query().AllX(ctx) {
		objectives, err := svc.Objectives(p)
		if err != nil || len(objectives) < 2 || len(objectives) > 3 {
			t.Errorf("objectives %q, %v", objectives, err)
		}
		for _, code := range p.PlannedServices {
			if err := serafin.Validate(code, serafin.DirectService); err != nil {
				t.Error(err)
			}
		}
	}
	for _, n := range client.JournalNote.Query().AllX(ctx) {
		if body, err := svc.NoteBody(n); err != nil || body == "" {
			t.Errorf("note %q, %v", body, err)
		}
	}
	for _, p := range client.Person.Query().Where(person.InsSealedNotNil()).AllX(ctx) {
		ins, err := svc.INS(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NormalizeINS(*ins); err != nil {
			t.Errorf("INS %s: %v", *ins, err)
		}
	}
	for _, a := range client.Activity.Query().AllX(ctx) {
		if err := serafin.Validate(a.ServiceCode, serafin.DirectService); err != nil {
			t.Error(err)
		}
		if a.Minutes < 30 || a.Minutes > 120 || a.Professional == "" {
			t.Errorf("activity %s: %d minutes by %q", a.ID, a.Minutes, a.Professional)
		}
	}

	// Les Tilleuls de l'Yonne's administrator manages its establishments,
	// its staff is a carer in the first and an educator in the others.
	staff := client.Account.Query().Where(account.Email("staff@tilleuls-yonne.example")).WithRoleAssignments().OnlyX(ctx)
	tilleuls := *staff.Edges.RoleAssignments[0].MemberID
	establishments := client.Establishment.Query().Where(establishment.MemberID(tilleuls)).CountX(ctx)
	roles := client.CareAssignment.Query().Where(careassignment.AccountID(staff.ID)).
		Select(careassignment.FieldCareRole).StringsX(ctx)
	slices.Sort(roles)
	if establishments < 2 || len(roles) != establishments || roles[0] != "CARE" || roles[1] != "EDUCATIONAL" {
		t.Errorf("the staff of Les Tilleuls holds %v in %d establishments", roles, establishments)
	}
	managers := client.CareAssignment.Query().Where(careassignment.MemberID(tilleuls),
		careassignment.CareRoleEQ(careassignment.CareRoleMANAGEMENT),
		careassignment.HasAccountWith(account.Email("admin@tilleuls-yonne.example"))).CountX(ctx)
	if managers != establishments {
		t.Errorf("the administrator of Les Tilleuls manages %d of %d establishments", managers, establishments)
	}
	restricted := client.JournalNote.Query().Where(journalnote.ConfidentialityEQ(journalnote.ConfidentialityRESTRICTED)).AllX(ctx)
	for _, n := range restricted {
		if got := RestrictedTo(n); !slices.Equal(got, []careassignment.CareRole{careassignment.CareRoleCARE}) {
			t.Errorf("note %s restricted to %v", n.ID, got)
		}
	}
	if n, err := svc.Retention(ctx, tilleuls); err != nil || n != DefaultRetentionYears {
		t.Errorf("retention of Les Tilleuls = %d, %v", n, err)
	}

	// The retention job anonymises the persons discharged in 2004.
	if n, err := svc.AnonymiseExpired(ctx); err != nil || n != len(subscribers) {
		t.Errorf("AnonymiseExpired = %d, %v; want %d", n, err, len(subscribers))
	}
}

// demoRowCounts counts the rows of the user record's tables.
func demoRowCounts(t *testing.T, client *ent.Client) []int {
	t.Helper()
	ctx := viewer.SystemContext(t.Context())
	return []int{
		client.Person.Query().CountX(ctx),
		client.PersonContact.Query().CountX(ctx),
		client.Stay.Query().CountX(ctx),
		client.NeedAssessment.Query().CountX(ctx),
		client.PersonalProject.Query().CountX(ctx),
		client.Activity.Query().CountX(ctx),
		client.JournalNote.Query().CountX(ctx),
		client.Consent.Query().CountX(ctx),
		client.CareAssignment.Query().CountX(ctx),
		client.RecordSettings.Query().CountX(ctx),
		client.Establishment.Query().CountX(ctx),
	}
}
