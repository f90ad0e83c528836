package userrecord

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/accesslogentry"
	"communs/ent/account"
	"communs/ent/activity"
	"communs/ent/careassignment"
	"communs/ent/journalnote"
	"communs/ent/needassessment"
	"communs/ent/person"
	"communs/ent/roleassignment"
	"communs/ent/schema/pulid"
	"communs/ent/stay"
	"communs/internal/sealing"
	"communs/internal/seed"
	"communs/internal/store"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
	"communs/modules/directory"
)

// The fixture of the module's tests: the core's, the directory's and the
// user record's demo in a database of the test's own.

// urDemo is a database holding the demo, sealed with keys.
type urDemo struct {
	client *ent.Client
	sys    context.Context // the platform
	keys   *sealing.Keyring
	svc    *Service
}

// testKeyring returns a keyring of the ids given, sealing with current.
// Each key is 32 times the last byte of its id: "k1" and "k2" differ.
func testKeyring(t testing.TB, current string, ids ...string) *sealing.Keyring {
	t.Helper()
	keys := make(map[string][]byte, len(ids))
	for _, id := range ids {
		keys[id] = bytes.Repeat([]byte{id[len(id)-1]}, sealing.KeySize)
	}
	k, err := sealing.NewKeyring(current, keys)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// openDemo returns a copy of the demo, the user record's sealed with the
// test key k1, loaded once per test process.
func openDemo(t *testing.T) *urDemo {
	t.Helper()
	keys := testKeyring(t, "k1", "k1")
	db := storetest.OpenFilled(t, "demo sealed with the test key k1", func(ctx context.Context, db *store.DB) error {
		return loadDemo(viewer.SystemContext(ctx), db.Client, keys)
	})
	return &urDemo{client: db.Client, sys: viewer.SystemContext(t.Context()), keys: keys, svc: New(db.Client, keys)}
}

// openDemoSealedWith loads the demo into an empty database, the user
// record's sealed with keys.
func openDemoSealedWith(t *testing.T, keys *sealing.Keyring) *urDemo {
	t.Helper()
	client := storetest.Open(t).Client
	sys := viewer.SystemContext(t.Context())
	if err := loadDemo(sys, client, keys); err != nil {
		t.Fatal(err)
	}
	return &urDemo{client: client, sys: sys, keys: keys, svc: New(client, keys)}
}

// loadDemo loads the core's demo, the directory's and the user record's.
func loadDemo(sys context.Context, client *ent.Client, keys *sealing.Keyring) error {
	if _, err := seed.Demo(sys, client, io.Discard); err != nil {
		return err
	}
	if err := directory.Demo(sys, client, io.Discard); err != nil {
		return err
	}
	return Demo(keys)(sys, client, io.Discard)
}

// viewerOf is a context acting as the demo account of email, with its roles.
func (d *urDemo) viewerOf(t *testing.T, email string) (context.Context, pulid.ID) {
	t.Helper()
	v := storetest.Viewer(t, d.client, email)
	return viewer.NewContext(t.Context(), v), v.AccountID
}

// memberOf is the member an account of the demo holds a role in.
func (d *urDemo) memberOf(t *testing.T, email string) pulid.ID {
	t.Helper()
	r, err := d.client.RoleAssignment.Query().
		Where(roleassignment.HasAccountWith(account.Email(email)), roleassignment.MemberIDNotNil()).First(d.sys)
	if err != nil {
		t.Fatalf("member of %s: %v", email, err)
	}
	return *r.MemberID
}

// newAccount creates an account holding role in member ("" for the
// groupement), and returns a context acting as it, and its id.
func (d *urDemo) newAccount(t *testing.T, email string, role roleassignment.Role, member pulid.ID) (context.Context, pulid.ID) {
	t.Helper()
	a, err := d.client.Account.Create().SetEmail(email).SetDisplayName(email).
		SetStatus(account.StatusACTIVE).Save(d.sys)
	if err != nil {
		t.Fatal(err)
	}
	create := d.client.RoleAssignment.Create().SetAccountID(a.ID).SetRole(role)
	if member != "" {
		create.SetMemberID(member)
	}
	if err := create.Exec(d.sys); err != nil {
		t.Fatal(err)
	}
	v := &viewer.Viewer{AccountID: a.ID, Email: email, Roles: []viewer.Role{{Name: string(role), MemberID: member}}}
	return viewer.NewContext(t.Context(), v), a.ID
}

// assign assigns an account to an establishment, as the platform.
func (d *urDemo) assign(t *testing.T, accountID, establishmentID pulid.ID, role careassignment.CareRole) {
	t.Helper()
	if _, err := d.svc.Assign(d.sys, AssignmentInput{AccountID: accountID, EstablishmentID: establishmentID, CareRole: role}); err != nil {
		t.Fatal(err)
	}
}

// establishmentsOf returns the establishments where the demo persons of
// member stay, in the order of their ids.
func (d *urDemo) establishmentsOf(t *testing.T, member pulid.ID) []pulid.ID {
	t.Helper()
	ids, err := d.client.Stay.Query().Where(stay.MemberID(member)).Unique(true).
		Select(stay.FieldEstablishmentID).Strings(d.sys)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	ests := make([]pulid.ID, len(ids))
	for i, id := range ids {
		ests[i] = pulid.ID(id)
	}
	return ests
}

// otherMember is a member with demo files other than member.
func (d *urDemo) otherMember(t *testing.T, member pulid.ID) pulid.ID {
	t.Helper()
	p, err := d.client.Person.Query().Where(person.MemberIDNEQ(member)).Order(ent.Asc(person.FieldID)).First(d.sys)
	if err != nil {
		t.Fatal(err)
	}
	return p.MemberID
}

// newPerson creates a person admitted in an establishment on admitted,
// as ctx, and returns their id.
func (d *urDemo) newPerson(t *testing.T, ctx context.Context, lastName string, est pulid.ID, admitted time.Time) pulid.ID {
	t.Helper()
	p, err := d.svc.CreatePerson(ctx, CreatePersonInput{
		Identity: IdentityInput{LastName: lastName, FirstNames: "Camille", BirthDate: day(1980, time.May, 17), Sex: person.SexFEMALE},
		Stay: StayInput{EstablishmentID: est, AdmittedOn: admitted, ReceptionType: stay.ReceptionTypeRESIDENTIAL,
			OrientationReference: ptr("CDAPH-89-" + lastName)},
	})
	if err != nil {
		t.Fatalf("create %s: %v", lastName, err)
	}
	return p.ID
}

// tilleulsAdmin, tilleulsStaff and tilleulsViewer are demo accounts of
// Les Tilleuls de l'Yonne; the demo assigns the first two to all of its
// establishments.
const (
	tilleulsAdmin  = "admin@tilleuls-yonne.example"
	tilleulsStaff  = "staff@tilleuls-yonne.example"
	tilleulsViewer = "viewer@tilleuls-yonne.example"
	gsmStaff       = "staff@communs.example"
)

// fieldOf is the field an INVALID_INPUT error names.
func fieldOf(err error) string {
	var e *communs.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// TestCreatePersonRights: a member's staff creates files in the
// establishments it is assigned to only.
func TestCreatePersonRights(t *testing.T) {
	t.Parallel()
	d := openDemo(t)
	tilleuls := d.memberOf(t, tilleulsAdmin)
	ests := d.establishmentsOf(t, tilleuls)
	if len(ests) < 2 {
		t.Fatalf("Les Tilleuls has %d establishments with files, want 2 or more", len(ests))
	}
	estA, estB := ests[0], ests[1]
	other := d.otherMember(t, tilleuls)
	estOther := d.establishmentsOf(t, other)[0]

	staffA, staffAID := d.newAccount(t, "staff-a@tilleuls-yonne.example", roleassignment.RoleMemberStaff, tilleuls)
	d.assign(t, staffAID, estA, careassignment.CareRoleEDUCATIONAL)
	memberViewer, _ := d.viewerOf(t, tilleulsViewer)

	tests := []struct {
		name     string
		ctx      context.Context
		est      pulid.ID
		wantCode string // "" when created
	}{
		{"staff in its establishment", staffA, estA, ""},
		{"staff in an establishment of its member it is not assigned to", staffA, estB, communs.EFORBIDDEN},
		{"staff in another member's establishment", staffA, estOther, communs.ENOTFOUND},
		{"staff in an establishment that does not exist", staffA, pulid.ID("ETB01ZZZZZZZZZZZZZZZZZZZZZZ"), communs.ENOTFOUND},
		{"member's viewer, who writes nothing", memberViewer, estA, communs.ENOTFOUND},
		{"nobody signed in", t.Context(), estA, communs.EUNAUTHENTICATED},
		{"the platform, anywhere", d.sys, estB, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lastName := "CREATION-" + string(rune('A'+i))
			p, err := d.svc.CreatePerson(tt.ctx, CreatePersonInput{
				Identity: IdentityInput{LastName: lastName, FirstNames: "Léa", BirthDate: day(1990, time.March, 3), Sex: person.SexFEMALE},
				Stay:     StayInput{EstablishmentID: tt.est, AdmittedOn: day(2026, time.October, 1), ReceptionType: stay.ReceptionTypeDAY},
			})
			created := d.client.Person.Query().Where(person.LastName(lastName)).CountX(d.sys)
			if tt.wantCode != "" {
				if code := communs.ErrorCode(err); code != tt.wantCode {
					t.Errorf("CreatePerson: %v (code %s), want %s", err, code, tt.wantCode)
				}
				if created != 0 {
					t.Errorf("%d persons created despite the error", created)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreatePerson: %v", err)
			}
			if created != 1 {
				t.Errorf("%d persons named %s, want 1", created, lastName)
			}
			if want := d.client.Establishment.GetX(d.sys, tt.est).MemberID; p.MemberID != want {
				t.Errorf("person of member %s, want the establishment's %s", p.MemberID, want)
			}
			if tt.ctx != d.sys {
				// The creator reads the file it created.
				if _, err := d.client.Person.Get(tt.ctx, p.ID); err != nil {
					t.Errorf("the creator does not read the person: %v", err)
				}
			}
		})
	}
}

// TestOtherMembersSeeNothing: another member's staff neither reads nor
// writes a file, even assigned to establishments of its own member.
func TestOtherMembersSeeNothing(t *testing.T) {
	t.Parallel()
	d := openDemo(t)
	tilleuls := d.memberOf(t, tilleulsAdmin)
	estA := d.establishmentsOf(t, tilleuls)[0]
	other := d.otherMember(t, tilleuls)
	outsider, outsiderID := d.newAccount(t, "staff@other.example", roleassignment.RoleMemberStaff, other)
	d.assign(t, outsiderID, d.establishmentsOf(t, other)[0], careassignment.CareRoleCARE)
	unassigned, _ := d.newAccount(t, "unassigned@tilleuls-yonne.example", roleassignment.RoleMemberStaff, tilleuls)
	insider, _ := d.viewerOf(t, tilleulsStaff)

	id := d.newPerson(t, d.sys, "DURAND", estA, day(2025, time.January, 6))
	if _, err := d.svc.WriteNote(d.sys, NoteInput{PersonID: id, Body: "Arrivée.", Confidentiality: journalnote.ConfidentialityTEAM}); err != nil {
		t.Fatal(err)
	}

	// The outsider reads files of its own member: the rules do let it read.
	if n := d.client.Person.Query().CountX(outsider); n == 0 {
		t.Fatal("the outsider reads no file at all: the test proves nothing")
	}
	if _, err := d.client.Person.Get(insider, id); err != nil {
		t.Fatalf("the assigned staff of the member does not read the person: %v", err)
	}

	tests := []struct {
		name string
		ctx  context.Context
	}{
		{"another member's staff", outsider},
		{"the member's staff not assigned", unassigned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := d.client.Person.Get(tt.ctx, id); !ent.IsNotFound(err) {
				t.Errorf("Person.Get: %v, want not found", err)
			}
			if n := d.client.Stay.Query().Where(stay.PersonID(id)).CountX(tt.ctx); n != 0 {
				t.Errorf("reads %d stays", n)
			}
			if n := d.client.JournalNote.Query().Where(journalnote.PersonID(id)).CountX(tt.ctx); n != 0 {
				t.Errorf("reads %d notes", n)
			}
			writes := []struct {
				name  string
				write func() error
			}{
				{"WriteNote", func() error {
					_, err := d.svc.WriteNote(tt.ctx, NoteInput{PersonID: id, Body: "Intrusion.", Confidentiality: journalnote.ConfidentialityTEAM})
					return err
				}},
				{"AssessNeed", func() error {
					_, err := d.svc.AssessNeed(tt.ctx, NeedInput{PersonID: id, Code: "1.2.1.4", AssessedOn: day(2026, time.February, 2)})
					return err
				}},
				{"SetContacts", func() error {
					_, err := d.svc.SetContacts(tt.ctx, id, []ContactInput{{Kind: "FAMILY", Name: "Intrus"}})
					return err
				}},
			}
			for _, w := range writes {
				if err := w.write(); communs.ErrorCode(err) != communs.ENOTFOUND {
					t.Errorf("%s: %v, want NOT_FOUND", w.name, err)
				}
			}
		})
	}
	if n := d.client.JournalNote.Query().Where(journalnote.PersonID(id)).CountX(d.sys); n != 1 {
		t.Errorf("the person has %d notes, want the first one only", n)
	}
}

// TestRestrictedNotes: a RESTRICTED note is read by its author and by the
// care roles it names, not by the rest of the team.
func TestRestrictedNotes(t *testing.T) {
	t.Parallel()
	d := openDemo(t)
	tilleuls := d.memberOf(t, tilleulsAdmin)
	estA := d.establishmentsOf(t, tilleuls)[0]

	author, authorID := d.newAccount(t, "infirmiere@tilleuls-yonne.example", roleassignment.RoleMemberStaff, tilleuls)
	d.assign(t, authorID, estA, careassignment.CareRoleCARE)
	educator, educatorID := d.newAccount(t, "educateur@tilleuls-yonne.example", roleassignment.RoleMemberStaff, tilleuls)
	d.assign(t, educatorID, estA, careassignment.CareRoleEDUCATIONAL)
	psychologist, psychologistID := d.newAccount(t, "psychologue@tilleuls-yonne.example", roleassignment.RoleMemberStaff, tilleuls)
	d.assign(t, psychologistID, estA, careassignment.CareRolePSYCHOLOGICAL)
	manager, _ := d.viewerOf(t, tilleulsAdmin) // MANAGEMENT in every establishment

	id := d.newPerson(t, author, "MARTIN", estA, day(2025, time.September, 1))
	team, err := d.svc.WriteNote(author, NoteInput{PersonID: id, Body: "Bonne journée.", Confidentiality: journalnote.ConfidentialityTEAM})
	if err != nil {
		t.Fatal(err)
	}
	const body = "Entretien : angoisses nocturnes."
	restricted, err := d.svc.WriteNote(author, NoteInput{PersonID: id, Body: body,
		Confidentiality: journalnote.ConfidentialityRESTRICTED, RestrictedTo: []careassignment.CareRole{careassignment.CareRolePSYCHOLOGICAL}})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		ctx  context.Context
		want []pulid.ID
	}{
		{"the author", author, []pulid.ID{team.ID, restricted.ID}},
		{"a psychologist assigned to the establishment", psychologist, []pulid.ID{team.ID, restricted.ID}},
		{"an educator assigned to the establishment", educator, []pulid.ID{team.ID}},
		{"the member's administrator (management)", manager, []pulid.ID{team.ID}},
		{"the platform", d.sys, []pulid.ID{team.ID, restricted.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notes, err := d.client.JournalNote.Query().Where(journalnote.PersonID(id)).All(tt.ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []pulid.ID
			for _, n := range notes {
				got = append(got, n.ID)
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("reads notes %v, want %v (team %s, restricted %s)", got, want, team.ID, restricted.ID)
			}
			for _, n := range notes {
				if n.ID != restricted.ID {
					continue
				}
				if text, err := d.svc.NoteBody(n); err != nil || text != body {
					t.Errorf("restricted note opens as %q, %v", text, err)
				}
			}
		})
	}
}

// TestAccessLog: reads of a file's parts by a person write access log
// entries once LogReads is installed; the list summary, counts and the
// platform's reads write none.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	d := openDemo(t)
	tilleuls := d.memberOf(t, tilleulsAdmin)
	staff, staffID := d.viewerOf(t, tilleulsStaff)
	const reason = "préparation de la synthèse"
	viewer.FromContext(staff).Reason = reason

	entries := func() []*ent.AccessLogEntry {
		t.Helper()
		return d.client.AccessLogEntry.Query().Order(ent.Asc(accesslogentry.FieldID)).AllX(d.sys)
	}
	personOfTilleuls := d.client.Person.Query().Where(person.MemberID(tilleuls), person.InsSealedNotNil()).
		Order(ent.Asc(person.FieldID)).FirstX(d.sys)
	queries := map[string]func(ctx context.Context) (persons []pulid.ID){
		"stays": func(ctx context.Context) []pulid.ID {
			var ids []pulid.ID
			for _, s := range d.client.Stay.Query().Where(stay.MemberID(tilleuls)).AllX(ctx) {
				ids = append(ids, s.PersonID)
			}
			return ids
		},
		"needs": func(ctx context.Context) []pulid.ID {
			var ids []pulid.ID
			for _, n := range d.client.NeedAssessment.Query().Where(needassessment.PersonID(personOfTilleuls.ID)).AllX(ctx) {
				ids = append(ids, n.PersonID)
			}
			return ids
		},
		"notes": func(ctx context.Context) []pulid.ID {
			var ids []pulid.ID
			for _, n := range d.client.JournalNote.Query().Where(journalnote.PersonID(personOfTilleuls.ID)).AllX(ctx) {
				ids = append(ids, n.PersonID)
			}
			return ids
		},
	}
	parts := []string{"stays", "needs", "notes"}

	before := len(entries())
	for _, part := range parts {
		if got := queries[part](staff); len(got) == 0 {
			t.Fatalf("the staff reads no %s: the test proves nothing", part)
		}
	}
	if n := len(entries()); n != before {
		t.Fatalf("%d entries written before LogReads was installed", n-before)
	}

	LogReads(d.client)

	t.Run("the list summary", func(t *testing.T) {
		before := len(entries())
		if n := len(d.client.Person.Query().Where(person.MemberID(tilleuls)).AllX(staff)); n == 0 {
			t.Fatal("the staff reads no person")
		}
		d.client.Stay.Query().CountX(staff)
		if n := len(entries()); n != before {
			t.Errorf("reading persons and counting stays wrote %d entries, want none", n-before)
		}
	})
	t.Run("the platform", func(t *testing.T) {
		before := len(entries())
		for _, part := range parts {
			queries[part](d.sys)
		}
		if n := len(entries()); n != before {
			t.Errorf("the platform's reads wrote %d entries, want none", n-before)
		}
	})
	for _, part := range parts {
		t.Run(part, func(t *testing.T) {
			before := entries()
			persons := queries[part](staff)
			slices.Sort(persons)
			persons = slices.Compact(persons)
			written := entries()[len(before):]
			var got []pulid.ID
			for _, e := range written {
				got = append(got, e.PersonID)
				if e.Part != part || e.MemberID != tilleuls || e.AccountID == nil || *e.AccountID != staffID ||
					e.Actor != tilleulsStaff || e.Reason != reason {
					t.Errorf("entry %+v", e)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, persons) {
				t.Errorf("entries for persons %v, want one per person read: %v", got, persons)
			}
		})
	}
	t.Run("notes loaded as an edge of the person", func(t *testing.T) {
		before := len(entries())
		p := d.client.Person.Query().Where(person.ID(personOfTilleuls.ID)).WithNotes().OnlyX(staff)
		if len(p.Edges.Notes) == 0 {
			t.Fatal("no notes loaded")
		}
		written := entries()[before:]
		if len(written) != 1 || written[0].Part != "notes" || written[0].PersonID != p.ID {
			t.Errorf("loading the notes of a person wrote %+v, want one notes entry", written)
		}
	})
	t.Run("INS", func(t *testing.T) {
		before := len(entries())
		if _, err := d.svc.INS(staff, personOfTilleuls); err != nil {
			t.Fatal(err)
		}
		written := entries()[before:]
		if len(written) != 1 || written[0].Part != "identity" || written[0].PersonID != personOfTilleuls.ID {
			t.Errorf("opening the INS wrote %+v, want one identity entry", written)
		}
	})
}

// TestSupportAccess: the groupement reads a member's files only under a
// support access the member granted, running, not revoked.
func TestSupportAccess(t *testing.T) {
	t.Parallel()
	d := openDemo(t)
	tilleuls := d.memberOf(t, tilleulsAdmin)
	admin, _ := d.viewerOf(t, tilleulsAdmin)
	staff, staffID := d.viewerOf(t, tilleulsStaff)
	gsm, gsmID := d.viewerOf(t, gsmStaff)
	persons := d.client.Person.Query().Where(person.MemberID(tilleuls)).CountX(d.sys)
	needs := d.client.NeedAssessment.Query().Where(needassessment.MemberID(tilleuls)).CountX(d.sys)

	reads := func(t *testing.T) (persons, needs int) {
		t.Helper()
		for _, p := range d.client.Person.Query().AllX(gsm) {
			if p.MemberID != tilleuls {
				t.Errorf("the groupement reads person %s of member %s", p.ID, p.MemberID)
			}
		}
		return d.client.Person.Query().CountX(gsm), d.client.NeedAssessment.Query().CountX(gsm)
	}
	if p, n := reads(t); p != 0 || n != 0 {
		t.Fatalf("without a support access the groupement reads %d persons, %d needs", p, n)
	}

	refusals := []struct {
		name  string
		ctx   context.Context
		in    SupportInput
		code  string
		field string
	}{
		{"granted by the staff", staff, SupportInput{MemberID: tilleuls, AccountID: gsmID, Reason: "assistance", Hours: 2}, communs.EFORBIDDEN, ""},
		{"to a member's account", admin, SupportInput{MemberID: tilleuls, AccountID: staffID, Reason: "assistance", Hours: 2}, communs.EINVALID, "accountId"},
		{"without a reason", admin, SupportInput{MemberID: tilleuls, AccountID: gsmID, Reason: " ", Hours: 2}, communs.EINVALID, "reason"},
		{"for more than a week", admin, SupportInput{MemberID: tilleuls, AccountID: gsmID, Reason: "assistance", Hours: 7*24 + 1}, communs.EINVALID, "hours"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.svc.GrantSupport(tt.ctx, tt.in)
			if communs.ErrorCode(err) != tt.code || fieldOf(err) != tt.field {
				t.Errorf("GrantSupport: %v, want %s %s", err, tt.code, tt.field)
			}
		})
	}

	t.Run("granted, then revoked", func(t *testing.T) {
		access, err := d.svc.GrantSupport(admin, SupportInput{MemberID: tilleuls, AccountID: gsmID, Reason: "anomalie de facturation", Hours: 2})
		if err != nil {
			t.Fatal(err)
		}
		if p, n := reads(t); p != persons || n != needs {
			t.Errorf("under a support access the groupement reads %d persons and %d needs, want %d and %d", p, n, persons, needs)
		}
		if _, err := d.svc.RevokeSupport(staff, access.ID); err == nil {
			t.Errorf("the staff revoked the access: %v", err)
		}
		if _, err := d.svc.RevokeSupport(admin, access.ID); err != nil {
			t.Fatal(err)
		}
		if p, n := reads(t); p != 0 || n != 0 {
			t.Errorf("after revocation the groupement reads %d persons, %d needs", p, n)
		}
		if _, err := d.svc.RevokeSupport(admin, access.ID); communs.ErrorCode(err) != communs.ECONFLICT {
			t.Errorf("revoked twice: %v, want CONFLICT", err)
		}
	})

	t.Run("granted in the past, expired", func(t *testing.T) {
		past := New(d.client, d.keys)
		past.now = func() time.Time { return time.Now().Add(-3 * time.Hour) }
		access, err := past.GrantSupport(admin, SupportInput{MemberID: tilleuls, AccountID: gsmID, Reason: "assistance", Hours: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !access.ExpiresAt.Before(time.Now()) {
			t.Fatalf("the access expires at %s, not in the past", access.ExpiresAt)
		}
		if p, n := reads(t); p != 0 || n != 0 {
			t.Errorf("under an expired access the groupement reads %d persons, %d needs", p, n)
		}
	})

	t.Run("expired a minute ago", func(t *testing.T) {
		if err := d.client.SupportAccess.Create().SetMemberID(tilleuls).SetAccountID(gsmID).SetReason("assistance").
			SetExpiresAt(time.Now().Add(-time.Minute)).Exec(d.sys); err != nil {
			t.Fatal(err)
		}
		if p, n := reads(t); p != 0 || n != 0 {
			t.Errorf("under an expired access the groupement reads %d persons, %d needs", p, n)
		}
	})
}

// TestRecordActivitiesRefuses: an activity is of a person staying, that
// day, in an establishment the viewer is assigned to, with a code of the
// services; the error names the entry at fault, and nothing is recorded.
func TestRecordActivitiesRefuses(t *testing.T) {
	t.Parallel()
	d := openDemo(t)
	tilleuls := d.memberOf(t, tilleulsAdmin)
	ests := d.establishmentsOf(t, tilleuls)
	estA, estB := ests[0], ests[1]
	staff, staffID := d.newAccount(t, "staff-a@tilleuls-yonne.example", roleassignment.RoleMemberStaff, tilleuls)
	d.assign(t, staffID, estA, careassignment.CareRoleEDUCATIONAL)

	admitted, discharged := day(2026, time.March, 2), day(2026, time.June, 30)
	id := d.newPerson(t, staff, "BERNARD", estA, admitted)
	st := d.client.Stay.Query().Where(stay.PersonID(id)).OnlyX(d.sys)
	if _, err := d.svc.Discharge(staff, st.ID, discharged); err != nil {
		t.Fatal(err)
	}
	valid := ActivityInput{PersonID: id, EstablishmentID: estA, ServiceCode: "2.3.1.1", PerformedOn: day(2026, time.April, 10), Minutes: 45}
	with := func(change func(a *ActivityInput)) ActivityInput {
		a := valid
		change(&a)
		return a
	}

	tests := []struct {
		name  string
		ctx   context.Context
		bad   ActivityInput
		field string
	}{
		{"the day before the admission", staff, with(func(a *ActivityInput) { a.PerformedOn = admitted.AddDate(0, 0, -1) }), "input[1].performedOn"},
		{"the day after the discharge", staff, with(func(a *ActivityInput) { a.PerformedOn = discharged.AddDate(0, 0, 1) }), "input[1].performedOn"},
		{"in an establishment the person never stayed in", d.sys, with(func(a *ActivityInput) { a.EstablishmentID = estB }), "input[1].performedOn"},
		{"without a date", staff, with(func(a *ActivityInput) { a.PerformedOn = time.Time{} }), "input[1].performedOn"},
		{"an unknown service code", staff, with(func(a *ActivityInput) { a.ServiceCode = "2.9.9.9" }), "input[1].serviceCode"},
		{"a need code", staff, with(func(a *ActivityInput) { a.ServiceCode = "1.2.1.4" }), "input[1].serviceCode"},
		{"no duration", staff, with(func(a *ActivityInput) { a.Minutes = 0 }), "input[1].minutes"},
		{"in an establishment the staff is not assigned to", staff, with(func(a *ActivityInput) { a.EstablishmentID = estB }), "input[1].establishmentId"},
		{"an unknown person", staff, with(func(a *ActivityInput) { a.PersonID = "PRS01ZZZZZZZZZZZZZZZZZZZZZZ" }), "input[1].personId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.svc.RecordActivities(tt.ctx, []ActivityInput{valid, tt.bad})
			if communs.ErrorCode(err) != communs.EINVALID || fieldOf(err) != tt.field {
				t.Errorf("RecordActivities: %v, want INVALID_INPUT on %s", err, tt.field)
			}
			if n := d.client.Activity.Query().Where(activity.PersonID(id)).CountX(d.sys); n != 0 {
				t.Errorf("%d activities recorded despite the error", n)
			}
		})
	}

	t.Run("on the first and the last day of the stay", func(t *testing.T) {
		created, err := d.svc.RecordActivities(staff, []ActivityInput{
			with(func(a *ActivityInput) { a.PerformedOn = admitted }),
			with(func(a *ActivityInput) { a.PerformedOn = discharged }),
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(created) != 2 || created[0].Month != "2026-03" || created[1].Month != "2026-06" || created[0].RecordedBy != "staff-a@tilleuls-yonne.example" {
			t.Errorf("recorded %+v", created)
		}
	})
}

// TestAggregate: the activity by service code and month adds up to the
// activities recorded, over the establishments the viewer may count.
func TestAggregate(t *testing.T) {
	t.Parallel()
	d := openDemo(t)
	tilleuls := d.memberOf(t, tilleulsAdmin)
	estA := d.establishmentsOf(t, tilleuls)[0]
	admin, _ := d.viewerOf(t, tilleulsAdmin)
	staff, _ := d.viewerOf(t, tilleulsStaff)
	memberViewer, _ := d.viewerOf(t, tilleulsViewer)
	staffA, staffAID := d.newAccount(t, "staff-a@tilleuls-yonne.example", roleassignment.RoleMemberStaff, tilleuls)
	d.assign(t, staffAID, estA, careassignment.CareRoleEDUCATIONAL)
	outsider, _ := d.newAccount(t, "staff@other.example", roleassignment.RoleMemberStaff, d.otherMember(t, tilleuls))

	type group struct{ code, month string }
	type measures struct{ activities, minutes int }
	all := d.client.Activity.Query().Where(activity.MemberID(tilleuls), activity.MonthGTE("2026-01"), activity.MonthLTE("2026-12")).AllX(d.sys)
	expected := func(est pulid.ID) (map[group]measures, int) {
		want, total := map[group]measures{}, 0
		for _, a := range all {
			if est != "" && a.EstablishmentID != est {
				continue
			}
			g := group{a.ServiceCode, a.Month}
			m := want[g]
			m.activities++
			m.minutes += a.Minutes
			want[g] = m
			total++
		}
		return want, total
	}
	wantAll, totalAll := expected("")
	wantA, totalA := expected(estA)
	if totalA == 0 || totalA == totalAll {
		t.Fatalf("%d activities in establishment A of %d: the test proves nothing", totalA, totalAll)
	}

	tests := []struct {
		name  string
		ctx   context.Context
		want  map[group]measures
		total int
	}{
		{"the member's administrator counts every establishment", admin, wantAll, totalAll},
		{"the staff assigned to every establishment", staff, wantAll, totalAll},
		{"a staff assigned to one establishment counts it only", staffA, wantA, totalA},
		{"a viewer assigned to none counts nothing", memberViewer, map[group]measures{}, 0},
		{"the platform", d.sys, wantAll, totalAll},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := d.svc.Aggregate(tt.ctx, AggregateInput{MemberID: tilleuls, From: "2026-01", To: "2026-12",
				GroupBy: []Dimension{ByServiceCode, ByMonth}})
			if err != nil {
				t.Fatal(err)
			}
			got, total := map[group]measures{}, 0
			for _, r := range rows {
				if r.ServiceCode == nil || r.Month == nil || r.EstablishmentID != nil || r.Professional != nil {
					t.Fatalf("row %+v: want the service code and the month only", r)
				}
				if r.Persons < 1 || r.Persons > r.Activities {
					t.Errorf("row %s %s: %d persons for %d activities", *r.ServiceCode, *r.Month, r.Persons, r.Activities)
				}
				got[group{*r.ServiceCode, *r.Month}] = measures{r.Activities, r.Minutes}
				total += r.Activities
			}
			if total != tt.total {
				t.Errorf("the groups sum to %d activities, want %d", total, tt.total)
			}
			if len(got) != len(tt.want) {
				t.Errorf("%d groups, want %d", len(got), len(tt.want))
			}
			for g, w := range tt.want {
				if got[g] != w {
					t.Errorf("group %v: %+v, want %+v", g, got[g], w)
				}
			}
		})
	}
	t.Run("another member's staff", func(t *testing.T) {
		_, err := d.svc.Aggregate(outsider, AggregateInput{MemberID: tilleuls, From: "2026-01", To: "2026-12", GroupBy: []Dimension{ByMonth}})
		if communs.ErrorCode(err) != communs.EFORBIDDEN {
			t.Errorf("Aggregate: %v, want FORBIDDEN", err)
		}
	})
}

// Assigning care in another member's establishment answers as an
// establishment that does not exist: whether it exists is not told.
func TestAssignCareElsewhereIsNotFound(t *testing.T) {
	t.Parallel()
	d := openDemo(t)
	tilleuls := d.memberOf(t, tilleulsAdmin)
	admin, _ := d.viewerOf(t, tilleulsAdmin)
	_, staffID := d.viewerOf(t, tilleulsStaff)
	elsewhere := d.establishmentsOf(t, d.otherMember(t, tilleuls))[0]
	_, errElsewhere := d.svc.Assign(admin, AssignmentInput{AccountID: staffID, EstablishmentID: elsewhere, CareRole: careassignment.CareRoleCARE})
	const nowhere = pulid.ID("ETB01NOSUCHESTABLISHMENT0000")
	_, errNowhere := d.svc.Assign(admin, AssignmentInput{AccountID: staffID, EstablishmentID: nowhere, CareRole: careassignment.CareRoleCARE})
	if communs.ErrorCode(errElsewhere) != communs.ENOTFOUND || communs.ErrorCode(errNowhere) != communs.ENOTFOUND ||
		strings.Replace(errElsewhere.Error(), string(elsewhere), "", 1) != strings.Replace(errNowhere.Error(), string(nowhere), "", 1) {
		t.Errorf("another member's establishment: %v; none: %v", errElsewhere, errNowhere)
	}
}
