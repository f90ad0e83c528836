package membership

import (
	"context"
	"slices"
	"testing"

	"communs"
	"communs/ent"
	"communs/ent/member"
	"communs/ent/memberprofilechange"
	"communs/ent/schema/schematype"
)

func TestUpdateProfile(t *testing.T) {
	t.Parallel()
	f := newUsageFixture(t)
	m := f.member(t, "Les Tilleuls", member.CategoryACTIVE, "contact@tilleuls.example")
	other := f.member(t, "Les Genêts", member.CategoryUSER, "")
	admin := f.as(t, "admin@tilleuls.example", "member_admin", m)
	staffOfMember := f.as(t, "staff@tilleuls.example", "member_staff", m)
	otherAdmin := f.as(t, "admin@genets.example", "member_admin", other)
	gsm := f.as(t, "staff@gsm.example", "gsm_staff", nil)

	// The member's administrator changes its address and representative.
	res, err := f.svc.Members.UpdateProfile(admin, ProfileInput{MemberID: m.ID,
		Street: ref(" 3 rue des Lilas "), City: ref("Auxerre"), RepresentativeName: ref("Claire Martin"),
		RepresentativeFunction: ref("Présidente"), ContactEmail: ref(""), VatSubjectPercent: ref(12.5),
		Comment: ref("Nouveau bureau")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Member.Street != "3 rue des Lilas" || res.Member.ContactEmail != nil || res.Member.VatSubjectPercent != 12.5 {
		t.Errorf("member after the change: %+v", res.Member)
	}
	want := []schematype.FieldChange{
		{Field: "street", From: "", To: "3 rue des Lilas"}, {Field: "city", From: "", To: "Auxerre"},
		{Field: "contactEmail", From: "contact@tilleuls.example", To: ""},
		{Field: "representativeName", From: "", To: "Claire Martin"},
		{Field: "representativeFunction", From: "", To: "Présidente"},
		{Field: "vatSubjectPercent", From: "0", To: "12.5"},
	}
	if res.Change == nil || res.Change.Status != memberprofilechange.StatusAPPLIED || !slices.Equal(res.Change.Changes, want) ||
		res.Change.ChangedBy != "admin@tilleuls.example" || res.Change.Comment != "Nouveau bureau" || res.PendingReview != nil {
		t.Errorf("history entry %+v, want the changes %v", res.Change, want)
	}

	// Nothing changed: no entry.
	if res, err := f.svc.Members.UpdateProfile(admin, ProfileInput{MemberID: m.ID, City: ref("Auxerre")}); err != nil || res.Change != nil {
		t.Errorf("an unchanged profile wrote %+v (%v)", res, err)
	}

	for _, tc := range []struct {
		name string
		in   ProfileInput
		as   string
		code string
	}{
		{"the member's administrator changes its SIREN", ProfileInput{MemberID: m.ID, Siren: ref("732829320")}, "admin", communs.EFORBIDDEN},
		{"the member's administrator renames it", ProfileInput{MemberID: m.ID, Name: ref("Autre")}, "admin", communs.EFORBIDDEN},
		{"the member's staff", ProfileInput{MemberID: m.ID, City: ref("Sens")}, "memberStaff", communs.EFORBIDDEN},
		{"another member's administrator", ProfileInput{MemberID: m.ID, City: ref("Sens")}, "otherAdmin", communs.EFORBIDDEN},
		{"a share over 100", ProfileInput{MemberID: m.ID, VatSubjectPercent: ref(120.0)}, "gsm", communs.EINVALID},
	} {
		ctx := map[string]context.Context{"admin": admin, "memberStaff": staffOfMember, "otherAdmin": otherAdmin, "gsm": gsm}[tc.as]
		_, err := f.svc.Members.UpdateProfile(ctx, tc.in)
		if got := communs.ErrorCode(err); got != tc.code {
			t.Errorf("%s: code %q (%v), want %s", tc.name, got, err, tc.code)
		}
	}

	// The schema's checks hold (the API answers INVALID_INPUT naming the field).
	if _, err := f.svc.Members.UpdateProfile(gsm, ProfileInput{MemberID: m.ID, Siren: ref("123456789")}); !ent.IsValidationError(err) {
		t.Errorf("a bad SIREN: %v, want a validation error", err)
	}
	// The groupement's staff change the legal identifiers.
	res, err = f.svc.Members.UpdateProfile(gsm, ProfileInput{MemberID: m.ID, Siren: ref("732829320"), FinessEj: ref("890000540"), IsFederation: ref(true)})
	if err != nil || *res.Member.Siren != "732829320" || !res.Member.IsFederation || len(res.Change.Changes) != 3 {
		t.Fatalf("staff's change: %+v, %v", res, err)
	}
}

func TestVATShareAboveTheLimitWaitsForReview(t *testing.T) {
	t.Parallel()
	f := newUsageFixture(t)
	m := f.member(t, "Les Tilleuls", member.CategoryACTIVE, "")
	admin := f.as(t, "admin@tilleuls.example", "member_admin", m)
	gsm := f.as(t, "staff@gsm.example", "gsm_staff", nil)

	res, err := f.svc.Members.UpdateProfile(admin, ProfileInput{MemberID: m.ID, VatSubjectPercent: ref(35.0), City: ref("Sens")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Member.VatSubjectPercent != 0 || res.Member.City != "Sens" || res.PendingReview == nil ||
		res.PendingReview.Status != memberprofilechange.StatusPENDING_REVIEW {
		t.Fatalf("a share above 20 %% was applied or not put to review: %+v", res)
	}
	_, err = f.svc.Members.UpdateProfile(admin, ProfileInput{MemberID: m.ID, VatSubjectPercent: ref(5.0)})
	expectCode(t, err, communs.ECONFLICT)

	// The member's people cannot decide; the groupement rejects, then a
	// new request is accepted.
	_, err = f.svc.Members.ReviewVATShare(gsm, res.PendingReview.ID, true, "")
	expectField(t, err, "reason")
	rejected, err := f.svc.Members.ReviewVATShare(gsm, res.PendingReview.ID, false, "Activité lucrative trop importante")
	if err != nil || rejected.Status != memberprofilechange.StatusREJECTED || *rejected.DecidesID != res.PendingReview.ID {
		t.Fatalf("rejection: %+v, %v", rejected, err)
	}
	_, err = f.svc.Members.ReviewVATShare(gsm, res.PendingReview.ID, true, "again")
	expectCode(t, err, communs.ECONFLICT)

	res, err = f.svc.Members.UpdateProfile(admin, ProfileInput{MemberID: m.ID, VatSubjectPercent: ref(22.0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Members.ReviewVATShare(gsm, res.PendingReview.ID, true, "Dérogation temporaire votée en AG"); err != nil {
		t.Fatal(err)
	}
	got, err := f.client.Member.Get(f.sys, m.ID)
	if err != nil || got.VatSubjectPercent != 22 {
		t.Errorf("accepted share not applied: %v, %v", got, err)
	}
	history, err := f.client.MemberProfileChange.Query().Where(memberprofilechange.MemberID(m.ID)).Count(admin)
	if err != nil || history != 5 {
		t.Errorf("the member reads %d history entries (%v), want 5", history, err)
	}
}
