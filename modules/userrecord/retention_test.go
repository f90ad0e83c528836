package userrecord

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/accesslogentry"
	"communs/ent/journalnote"
	"communs/ent/person"
	"communs/ent/personcontact"
	"communs/ent/roleassignment"
	"communs/ent/schema/pulid"
	"communs/ent/stay"
)

// fileState is what the retention job may change in a person's file.
type fileState struct {
	lastName, firstNames, birthName string
	birthDate                       time.Time
	hasINS, anonymised              bool
	contacts, notes, consents       int
	needs, needComments             int
	needCodes                       []string // opened, sorted
	projects, projectObjectives     int
	stays, references               int // references: stays with an orientation reference
	activities                      int
	removals                        []string // the reasons of the access log's anonymisation entries
}

// fileStates reads the state of every person's file, as the platform.
func fileStates(t *testing.T, d *urDemo) map[pulid.ID]*fileState {
	t.Helper()
	states := map[pulid.ID]*fileState{}
	for _, p := range d.client.Person.Query().AllX(d.sys) {
		states[p.ID] = &fileState{
			lastName: p.LastName, firstNames: p.FirstNames, birthName: p.BirthName, birthDate: p.BirthDate,
			hasINS: p.InsSealed != nil, anonymised: p.AnonymizedAt != nil,
		}
	}
	for _, c := range d.client.PersonContact.Query().AllX(d.sys) {
		states[c.PersonID].contacts++
	}
	for _, n := range d.client.JournalNote.Query().AllX(d.sys) {
		states[n.PersonID].notes++
	}
	for _, c := range d.client.Consent.Query().AllX(d.sys) {
		states[c.PersonID].consents++
	}
	for _, n := range d.client.NeedAssessment.Query().AllX(d.sys) {
		s := states[n.PersonID]
		s.needs++
		if n.CommentSealed != nil {
			s.needComments++
		}
		code, err := d.svc.NeedCode(n)
		if err != nil {
			t.Errorf("need %s: %v", n.ID, err)
		}
		s.needCodes = append(s.needCodes, code)
		slices.Sort(s.needCodes)
	}
	for _, p := range d.client.PersonalProject.Query().AllX(d.sys) {
		s := states[p.PersonID]
		s.projects++
		if p.ObjectivesSealed != nil {
			s.projectObjectives++
		}
	}
	for _, st := range d.client.Stay.Query().AllX(d.sys) {
		s := states[st.PersonID]
		s.stays++
		if st.OrientationReference != "" {
			s.references++
		}
	}
	for _, a := range d.client.Activity.Query().AllX(d.sys) {
		states[a.PersonID].activities++
	}
	for _, e := range d.client.AccessLogEntry.Query().Where(accesslogentry.Part("anonymisation")).AllX(d.sys) {
		states[e.PersonID].removals = append(states[e.PersonID].removals, e.Reason)
	}
	return states
}

// TestAnonymiseExpired: the retention job anonymises exactly the files
// whose every stay ended more than the member's retention ago, removes
// what identifies the person and what was written about them, keeps the
// statistics, and logs it; run again, it does nothing.
func TestAnonymiseExpired(t *testing.T) {
	t.Parallel()
	d := openDemo(t)
	now := time.Date(2026, time.December, 1, 10, 0, 0, 0, time.UTC) // 1 December in Paris
	// The nightly job's service: no keys, anonymising seals nothing.
	job := New(d.client, nil)
	job.now = func() time.Time { return now }

	// The demo's persons discharged on 30 June 2004, one per member.
	former := d.client.Person.Query().Where(person.HasStaysWith(stay.DischargedOn(day(2004, time.June, 30)))).
		Order(ent.Asc(person.FieldID)).AllX(d.sys)
	if len(former) < 2 {
		t.Fatalf("%d persons discharged in 2004, want one per member subscribing", len(former))
	}
	stayOf := func(id pulid.ID) *ent.Stay {
		return d.client.Stay.Query().Where(stay.PersonID(id)).Order(ent.Asc(stay.FieldAdmittedOn)).FirstX(d.sys)
	}
	// The first one's member keeps files 30 years: its 2004 file is kept.
	long, short := former[0].MemberID, former[1].MemberID
	estLong, estShort := stayOf(former[0].ID).EstablishmentID, stayOf(former[1].ID).EstablishmentID

	t.Run("SetRetention", func(t *testing.T) {
		staff, _ := d.newAccount(t, "staff@long.example", roleassignment.RoleMemberStaff, long)
		if _, err := d.svc.SetRetention(staff, long, 30); communs.ErrorCode(err) != communs.EFORBIDDEN {
			t.Errorf("set by the member's staff: %v, want FORBIDDEN", err)
		}
		for _, years := range []int{0, 101} {
			if _, err := d.svc.SetRetention(d.sys, long, years); fieldOf(err) != "years" {
				t.Errorf("%d years: %v, want INVALID_INPUT on years", years, err)
			}
		}
		if _, err := d.svc.SetRetention(d.sys, long, 30); err != nil {
			t.Fatal(err)
		}
		for member, want := range map[pulid.ID]int{long: 30, short: DefaultRetentionYears} {
			if got, err := d.svc.Retention(d.sys, member); err != nil || got != want {
				t.Errorf("retention of %s = %d, %v; want %d", member, got, err, want)
			}
		}
	})

	// More files around the cut-offs: 1 December 2006 for 20 years, 1
	// December 1996 for 30.
	type stayDates struct{ admitted, discharged time.Time } // zero discharged: still there
	files := []struct {
		name    string
		est     pulid.ID
		stays   []stayDates
		expired bool
	}{
		{"DISCHARGED-LAST-YEAR", estShort, []stayDates{{day(2020, time.January, 6), day(2025, time.October, 31)}}, false},
		{"STILL-THERE", estShort, []stayDates{{day(1990, time.September, 3), time.Time{}}}, false},
		{"DISCHARGED-ON-CUTOFF", estShort, []stayDates{{day(2000, time.January, 3), day(2006, time.December, 1)}}, false},
		{"DISCHARGED-DAY-BEFORE", estShort, []stayDates{{day(2000, time.January, 3), day(2006, time.November, 30)}}, true},
		{"CAME-BACK", estShort, []stayDates{{day(1990, time.January, 8), day(1995, time.June, 30)}, {day(2000, time.January, 3), day(2020, time.June, 30)}}, false},
		{"CAME-BACK-LONG-AGO", estShort, []stayDates{{day(1990, time.January, 8), day(1995, time.June, 30)}, {day(2000, time.January, 3), day(2005, time.December, 30)}}, true},
		{"CAME-BACK-STILL-THERE", estShort, []stayDates{{day(1990, time.January, 8), day(1995, time.June, 30)}, {day(2000, time.January, 3), time.Time{}}}, false},
		{"LONG-RETENTION-KEPT", estLong, []stayDates{{day(1990, time.January, 8), day(1996, time.December, 1)}}, false},
		{"LONG-RETENTION-EXPIRED", estLong, []stayDates{{day(1980, time.January, 7), day(1996, time.November, 30)}}, true},
	}
	want := map[pulid.ID]bool{}
	for _, p := range former[1:] {
		want[p.ID] = true
	}
	ins := "2 69 02 75 123 456 80"
	for _, f := range files {
		id := d.newPerson(t, d.sys, f.name, f.est, f.stays[0].admitted)
		for i, s := range f.stays {
			if i > 0 {
				if _, err := d.svc.Admit(d.sys, id, StayInput{EstablishmentID: f.est, AdmittedOn: s.admitted, ReceptionType: stay.ReceptionTypeDAY}); err != nil {
					t.Fatal(err)
				}
			}
			if !s.discharged.IsZero() {
				st := d.client.Stay.Query().Where(stay.PersonID(id), stay.DischargedOnIsNil()).OnlyX(d.sys)
				if _, err := d.svc.Discharge(d.sys, st.ID, s.discharged); err != nil {
					t.Fatal(err)
				}
			}
		}
		fillFile(t, d, id, f.est, f.stays[0].admitted, &ins)
		if f.expired {
			want[id] = true
		}
	}

	before := fileStates(t, d)
	n, err := job.AnonymiseExpired(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	after := fileStates(t, d)
	var got []pulid.ID
	for id, s := range after {
		if s.anonymised {
			got = append(got, id)
		}
	}
	slices.Sort(got)
	wantIDs := slices.Sorted(maps.Keys(want))
	if n != len(wantIDs) || !slices.Equal(got, wantIDs) {
		names := func(ids []pulid.ID) []string {
			var s []string
			for _, id := range ids {
				s = append(s, before[id].lastName)
			}
			return s
		}
		t.Fatalf("AnonymiseExpired = %d, anonymised %v, want %v", n, names(got), names(wantIDs))
	}

	for id, b := range before {
		a := after[id]
		if !want[id] {
			if !equalStates(a, b) {
				t.Errorf("%s, kept, changed: %+v, then %+v", b.lastName, b, a)
			}
			continue
		}
		t.Run(b.lastName, func(t *testing.T) {
			p := d.client.Person.GetX(d.sys, id)
			if p.LastName != "ANONYME" || p.FirstNames != "-" || p.BirthName != "" || p.InsSealed != nil ||
				p.LegalProtection != person.LegalProtectionNONE {
				t.Errorf("identity %q %q %q, INS %v, protection %s", p.LastName, p.FirstNames, p.BirthName, p.InsSealed != nil, p.LegalProtection)
			}
			if y := b.birthDate.Year(); !p.BirthDate.Equal(day(y, time.January, 1)) {
				t.Errorf("birth date %s, want 1 January %d", p.BirthDate, y)
			}
			if p.AnonymizedAt == nil || !p.AnonymizedAt.Equal(now) {
				t.Errorf("anonymised at %v, want %s", p.AnonymizedAt, now)
			}
			if a.contacts != 0 || a.notes != 0 || a.consents != 0 {
				t.Errorf("%d contacts, %d notes, %d consents left (had %d, %d, %d)", a.contacts, a.notes, a.consents, b.contacts, b.notes, b.consents)
			}
			if a.needs != b.needs || a.needComments != 0 || !slices.Equal(a.needCodes, b.needCodes) {
				t.Errorf("needs %d with %d comments, codes %v; had %d, codes %v", a.needs, a.needComments, a.needCodes, b.needs, b.needCodes)
			}
			if a.projects != b.projects || a.projectObjectives != 0 {
				t.Errorf("%d projects, %d with objectives; had %d", a.projects, a.projectObjectives, b.projects)
			}
			if a.stays != b.stays || a.references != 0 || a.activities != b.activities {
				t.Errorf("%d stays (%d references), %d activities; had %d stays, %d activities", a.stays, a.references, a.activities, b.stays, b.activities)
			}
			if b.needs == 0 || b.activities == 0 || b.notes == 0 || b.contacts == 0 || b.consents == 0 || b.references == 0 {
				t.Errorf("the file was not full before: %+v", b)
			}
			if len(a.removals) != 1 || !strings.Contains(a.removals[0], "years") {
				t.Errorf("access log: anonymisation entries %q, want one", a.removals)
			}
		})
	}

	t.Run("an anonymised file takes no more", func(t *testing.T) {
		id := wantIDs[0]
		st := d.client.Stay.Query().Where(stay.PersonID(id)).FirstX(d.sys)
		_, err := d.svc.RecordActivities(d.sys, []ActivityInput{{PersonID: id, EstablishmentID: st.EstablishmentID,
			ServiceCode: "2.3.1.1", PerformedOn: st.AdmittedOn, Minutes: 30}})
		if communs.ErrorCode(err) != communs.EINVALID {
			t.Errorf("an activity for an anonymised file: %v", err)
		}
		if _, err := d.svc.WriteNote(d.sys, NoteInput{PersonID: id, Body: "x", Confidentiality: journalnote.ConfidentialityTEAM}); communs.ErrorCode(err) != communs.ECONFLICT {
			t.Errorf("a note for an anonymised file: %v", err)
		}
	})

	t.Run("run again", func(t *testing.T) {
		again, err := job.AnonymiseExpired(t.Context())
		if err != nil || again != 0 {
			t.Errorf("AnonymiseExpired again = %d, %v; want 0", again, err)
		}
		final := fileStates(t, d)
		for id, s := range after {
			if !equalStates(final[id], s) {
				t.Errorf("%s changed on the second run", s.lastName)
			}
		}
	})
}

func equalStates(a, b *fileState) bool {
	return a.lastName == b.lastName && a.firstNames == b.firstNames && a.birthName == b.birthName &&
		a.birthDate.Equal(b.birthDate) && a.hasINS == b.hasINS && a.anonymised == b.anonymised &&
		a.contacts == b.contacts && a.notes == b.notes && a.consents == b.consents &&
		a.needs == b.needs && a.needComments == b.needComments && slices.Equal(a.needCodes, b.needCodes) &&
		a.projects == b.projects && a.projectObjectives == b.projectObjectives &&
		a.stays == b.stays && a.references == b.references && a.activities == b.activities &&
		slices.Equal(a.removals, b.removals)
}

// fillFile gives a person an INS, a contact, a need, a project, an
// activity, notes and a consent, as the platform.
func fillFile(t *testing.T, d *urDemo, id, est pulid.ID, admitted time.Time, ins *string) {
	t.Helper()
	ctx := d.sys
	p := d.client.Person.GetX(ctx, id)
	if _, err := d.svc.UpdatePerson(ctx, id, IdentityInput{LastName: p.LastName, FirstNames: p.FirstNames,
		BirthDate: p.BirthDate, Sex: p.Sex, INS: ins}); err != nil {
		t.Fatal(err)
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.svc.SetContacts(ctx, id, []ContactInput{{Kind: personcontact.KindFAMILY, Name: "Mère", Phone: ptr("03 53 01 00 00")}}))
	must(d.svc.AssessNeed(ctx, NeedInput{PersonID: id, Code: "1.2.1.4", AssessedOn: admitted.AddDate(0, 0, 14), Comment: ptr("Besoin d'aide pour les décisions.")}))
	must(d.svc.SetProject(ctx, ProjectInput{PersonID: id, Objectives: []string{"Autonomie"}, PlannedServices: []string{"2.3.1.1"},
		StartsOn: admitted.AddDate(0, 1, 0), ReviewOn: admitted.AddDate(1, 0, 0)}))
	must(d.svc.RecordActivities(ctx, []ActivityInput{{PersonID: id, EstablishmentID: est, ServiceCode: "2.3.1.1",
		PerformedOn: admitted.AddDate(0, 0, 7), Minutes: 60}}))
	must(d.svc.WriteNote(ctx, NoteInput{PersonID: id, Body: "Note d'équipe.", Confidentiality: journalnote.ConfidentialityTEAM}))
	must(d.svc.RecordConsent(ctx, ConsentInput{PersonID: id, Purpose: "Droit à l'image", Given: true, RecordedOn: admitted}))
}
