package membership

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/auditevent"
	"communs/ent/member"
	"communs/ent/membercategorychange"
	"communs/ent/privacy"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/subscription"
	"communs/internal/viewer"
)

// member creates a member that joined on 2020-01-01 in category, with the
// first entry of its history, as the platform.
func (f *lifecycle) member(t *testing.T, name string, category member.Category) *ent.Member {
	t.Helper()
	joined := f.day(2020, 1, 1)
	m, err := f.client.Member.Create().SetName(name).SetCategory(category).SetJoinedOn(joined).Save(f.system)
	if err != nil {
		t.Fatal(err)
	}
	err = f.client.MemberCategoryChange.Create().SetMemberID(m.ID).
		SetToCategory(membercategorychange.ToCategory(category)).SetEffectiveOn(joined).SetReason("adhésion").
		Exec(f.system)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMemberCategoryChanges(t *testing.T) {
	t.Parallel()
	f := newLifecycle(t)
	m := f.member(t, "Association Les Tilleuls", member.CategoryUSER)
	left := f.member(t, "Association Partie", member.CategoryUSER)
	if _, err := f.svc.Members.RecordLeaving(f.staff, left.ID, f.day(2025, 12, 31)); err != nil {
		t.Fatal(err)
	}
	other := f.member(t, "Association Voisine", member.CategoryUSER)
	otherAdmin := viewer.NewContext(context.Background(), &viewer.Viewer{AccountID: pulid.New("ACC"),
		Email: "admin@voisine.example", Roles: []viewer.Role{{Name: "member_admin", MemberID: other.ID}}})

	// Steps in order: each sees the member as the previous ones left it.
	// Row isolation's denial (privacy.Deny) is reported by the API as
	// UNAUTHENTICATED or FORBIDDEN.
	const denied = "denied by row isolation"
	for _, tc := range []struct {
		name     string
		ctx      context.Context
		member   pulid.ID
		to       member.Category
		on       time.Time
		reason   string
		code     string // "" for success
		field    string
		category member.Category // after the step
	}{
		{"USER to ACTIVE", f.staff, m.ID, member.CategoryACTIVE, f.day(2026, 1, 1), "Assemblée générale du 15/12/2025", "", "", member.CategoryACTIVE},
		{"same category", f.staff, m.ID, member.CategoryACTIVE, f.day(2026, 2, 1), "doublon", communs.ECONFLICT, "", member.CategoryACTIVE},
		{"staff names a founder", f.staff, m.ID, member.CategoryFOUNDER, f.day(2026, 2, 1), "statuts", communs.EFORBIDDEN, "", member.CategoryACTIVE},
		{"no reason", f.staff, m.ID, member.CategoryUSER, f.day(2026, 2, 1), "  ", communs.EINVALID, "reason", member.CategoryACTIVE},
		{"unknown category", f.staff, m.ID, "BOGUS", f.day(2026, 2, 1), "?", communs.EINVALID, "category", member.CategoryACTIVE},
		{"no date", f.staff, m.ID, member.CategoryUSER, time.Time{}, "AG", communs.EINVALID, "effectiveOn", member.CategoryACTIVE},
		{"before joining", f.staff, m.ID, member.CategoryUSER, f.day(2019, 12, 31), "AG", communs.EINVALID, "effectiveOn", member.CategoryACTIVE},
		{"before the last change", f.staff, m.ID, member.CategoryUSER, f.day(2025, 6, 1), "AG", communs.EINVALID, "effectiveOn", member.CategoryACTIVE},
		{"in the future", f.staff, m.ID, member.CategoryUSER, f.day(2026, 4, 1), "AG", communs.EINVALID, "effectiveOn", member.CategoryACTIVE},
		{"admin names a founder", f.admin, m.ID, member.CategoryFOUNDER, f.day(2026, 2, 1), "Modification des statuts", "", "", member.CategoryFOUNDER},
		{"staff changes a founder", f.staff, m.ID, member.CategoryACTIVE, f.day(2026, 3, 1), "AG", communs.EFORBIDDEN, "", member.CategoryFOUNDER},
		{"admin changes a founder", f.admin, m.ID, member.CategoryACTIVE, f.day(2026, 3, 2), "Retrait du collège des fondateurs", "", "", member.CategoryACTIVE},
		{"a member that left", f.staff, left.ID, member.CategoryACTIVE, f.day(2026, 1, 1), "AG", communs.ECONFLICT, "", ""},
		{"an unknown member", f.staff, pulid.New("MBR"), member.CategoryACTIVE, f.day(2026, 1, 1), "AG", communs.ENOTFOUND, "", ""},
		{"another member's people", otherAdmin, m.ID, member.CategoryUSER, f.day(2026, 3, 2), "AG", communs.ENOTFOUND, "", member.CategoryACTIVE},
		{"anonymous", context.Background(), m.ID, member.CategoryUSER, f.day(2026, 3, 2), "AG", denied, "", member.CategoryACTIVE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.svc.Members.ChangeCategory(tc.ctx, tc.member, tc.to, tc.on, tc.reason)
			switch tc.code {
			case "":
				if err != nil {
					t.Fatal(err)
				}
				if got.Category != tc.category {
					t.Errorf("category %s, want %s", got.Category, tc.category)
				}
			case denied:
				if !errors.Is(err, privacy.Deny) {
					t.Fatalf("error %v, want row isolation's denial", err)
				}
			default:
				f.wantCode(t, err, tc.code)
				if e := err.(*communs.Error); e.Field != tc.field {
					t.Errorf("field %q, want %q", e.Field, tc.field)
				}
			}
			if tc.category != "" {
				if now := f.client.Member.GetX(f.system, m.ID); now.Category != tc.category {
					t.Errorf("the member is %s, want %s", now.Category, tc.category)
				}
			}
		})
	}

	history, err := f.client.MemberCategoryChange.Query().
		Where(membercategorychange.MemberID(m.ID)).
		Order(ent.Asc(membercategorychange.FieldEffectiveOn)).
		All(f.staff)
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		from, to, on, reason string
	}
	want := []entry{
		{"", "USER", "2020-01-01", "adhésion"},
		{"USER", "ACTIVE", "2026-01-01", "Assemblée générale du 15/12/2025"},
		{"ACTIVE", "FOUNDER", "2026-02-01", "Modification des statuts"},
		{"FOUNDER", "ACTIVE", "2026-03-02", "Retrait du collège des fondateurs"},
	}
	if len(history) != len(want) {
		t.Fatalf("history has %d entries, want %d", len(history), len(want))
	}
	for i, h := range history {
		from := ""
		if h.FromCategory != nil {
			from = h.FromCategory.String()
		}
		got := entry{from, h.ToCategory.String(), h.EffectiveOn.Format(time.DateOnly), h.Reason}
		if got != want[i] {
			t.Errorf("history[%d] = %+v, want %+v", i, got, want[i])
		}
	}
}

func TestMemberSuspension(t *testing.T) {
	t.Parallel()
	f := newLifecycle(t)
	m := f.member(t, "Association Les Tilleuls", member.CategoryACTIVE)

	_, err := f.svc.Members.Suspend(f.staff, m.ID, "")
	f.wantCode(t, err, communs.EINVALID)

	got, err := f.svc.Members.Suspend(f.staff, m.ID, " Cotisations 2025 impayées ")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != member.StatusSUSPENDED {
		t.Fatalf("status %s", got.Status)
	}
	// The reason is in the audit trail, with who decided.
	ev, err := f.client.AuditEvent.Query().
		Where(auditevent.EntityID(string(m.ID)), auditevent.Action("suspend")).Only(f.system)
	if err != nil {
		t.Fatal(err)
	}
	var summary map[string]string
	if err := json.Unmarshal([]byte(ev.Summary), &summary); err != nil {
		t.Fatal(err)
	}
	if summary["reason"] != "Cotisations 2025 impayées" || ev.ActorID == nil || *ev.ActorID != f.staffID ||
		ev.MemberID == nil || *ev.MemberID != m.ID {
		t.Errorf("audit event %+v", ev)
	}

	for _, tc := range []struct {
		name string
		do   func() (*ent.Member, error)
		code string
		want member.Status
	}{
		{"suspend twice", func() (*ent.Member, error) { return f.svc.Members.Suspend(f.staff, m.ID, "encore") }, communs.ECONFLICT, member.StatusSUSPENDED},
		{"reinstate", func() (*ent.Member, error) { return f.svc.Members.Reinstate(f.staff, m.ID) }, "", member.StatusACTIVE},
		{"reinstate twice", func() (*ent.Member, error) { return f.svc.Members.Reinstate(f.staff, m.ID) }, communs.ECONFLICT, member.StatusACTIVE},
		{"unknown member", func() (*ent.Member, error) { return f.svc.Members.Reinstate(f.staff, pulid.New("MBR")) }, communs.ENOTFOUND, member.StatusACTIVE},
		{"suspend again", func() (*ent.Member, error) { return f.svc.Members.Suspend(f.staff, m.ID, "Convention non signée") }, "", member.StatusSUSPENDED},
		{"leave while suspended", func() (*ent.Member, error) { return f.svc.Members.RecordLeaving(f.staff, m.ID, f.day(2026, 3, 1)) }, "", member.StatusLEFT},
		{"reinstate after leaving", func() (*ent.Member, error) { return f.svc.Members.Reinstate(f.staff, m.ID) }, communs.ECONFLICT, member.StatusLEFT},
		{"suspend after leaving", func() (*ent.Member, error) { return f.svc.Members.Suspend(f.staff, m.ID, "trop tard") }, communs.ECONFLICT, member.StatusLEFT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.do()
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != tc.want {
					t.Errorf("status %s, want %s", got.Status, tc.want)
				}
			} else {
				f.wantCode(t, err, tc.code)
			}
			if now := f.client.Member.GetX(f.system, m.ID); now.Status != tc.want {
				t.Errorf("the member is %s, want %s", now.Status, tc.want)
			}
		})
	}
	if n := f.count(t, f.client.AuditEvent.Query().Where(auditevent.Action("suspend"))); n != 2 {
		t.Errorf("%d suspension events, want 2", n)
	}
}

func TestMemberLeavingEndsSubscriptions(t *testing.T) {
	t.Parallel()
	f := newLifecycle(t)
	m := f.member(t, "Association Les Tilleuls", member.CategoryACTIVE)
	neighbour := f.member(t, "Association Voisine", member.CategoryUSER)

	resources := map[string]pulid.ID{}
	for _, code := range []string{"DPI", "MAIL", "PAIE", "GED", "FORM", "WIFI"} {
		r, err := f.client.Resource.Create().SetCode(code).SetName(code).
			SetKind(resource.KindSOFTWARE).SetUsageUnit(resource.UsageUnitPLACES).
			SetAllocationKey(resource.AllocationKeyEQUAL).Save(f.system)
		if err != nil {
			t.Fatal(err)
		}
		resources[code] = r.ID
	}
	ptr := func(t time.Time) *time.Time { return &t }
	leftOn := f.day(2026, 2, 15)
	type sub struct {
		member       pulid.ID
		code         string
		status       subscription.Status
		requested    time.Time
		starts, ends *time.Time
		wantStatus   subscription.Status
		wantEnds     *time.Time
		id           pulid.ID
		description  string
	}
	subs := []*sub{
		{description: "active since 2024", member: m.ID, code: "DPI", status: subscription.StatusACTIVE,
			requested: f.day(2023, 11, 1), starts: ptr(f.day(2024, 1, 1)),
			wantStatus: subscription.StatusENDED, wantEnds: ptr(leftOn)},
		{description: "requested, never started", member: m.ID, code: "MAIL", status: subscription.StatusREQUESTED,
			requested:  f.day(2026, 1, 10),
			wantStatus: subscription.StatusENDED, wantEnds: ptr(leftOn)},
		{description: "to start after leaving", member: m.ID, code: "PAIE", status: subscription.StatusACTIVE,
			requested: f.day(2026, 1, 5), starts: ptr(f.day(2026, 3, 1)),
			wantStatus: subscription.StatusENDED, wantEnds: ptr(f.day(2026, 3, 1))},
		{description: "requested after leaving (recorded late)", member: m.ID, code: "WIFI", status: subscription.StatusREQUESTED,
			requested:  f.day(2026, 2, 20),
			wantStatus: subscription.StatusENDED, wantEnds: ptr(f.day(2026, 2, 20))},
		{description: "active with an earlier planned end", member: m.ID, code: "GED", status: subscription.StatusACTIVE,
			requested: f.day(2024, 1, 1), starts: ptr(f.day(2024, 2, 1)), ends: ptr(f.day(2026, 1, 31)),
			wantStatus: subscription.StatusENDED, wantEnds: ptr(f.day(2026, 1, 31))},
		{description: "ended long ago", member: m.ID, code: "FORM", status: subscription.StatusENDED,
			requested: f.day(2021, 1, 1), starts: ptr(f.day(2021, 2, 1)), ends: ptr(f.day(2022, 6, 30)),
			wantStatus: subscription.StatusENDED, wantEnds: ptr(f.day(2022, 6, 30))},
		{description: "another member's", member: neighbour.ID, code: "DPI", status: subscription.StatusACTIVE,
			requested: f.day(2023, 1, 1), starts: ptr(f.day(2023, 2, 1)),
			wantStatus: subscription.StatusACTIVE},
	}
	for _, s := range subs {
		created, err := f.client.Subscription.Create().SetMemberID(s.member).SetResourceID(resources[s.code]).
			SetStatus(s.status).SetRequestedOn(s.requested).SetNillableStartsOn(s.starts).SetNillableEndsOn(s.ends).
			Save(f.system)
		if err != nil {
			t.Fatal(err)
		}
		s.id = created.ID
	}

	for _, tc := range []struct {
		name   string
		leftOn time.Time
		code   string
	}{
		{"no date", time.Time{}, communs.EINVALID},
		{"before joining", f.day(2019, 12, 31), communs.EINVALID},
		{"in the future", f.day(2026, 3, 3), communs.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Members.RecordLeaving(f.staff, m.ID, tc.leftOn)
			f.wantCode(t, err, tc.code)
			if e := err.(*communs.Error); e.Field != "leftOn" {
				t.Errorf("field %q", e.Field)
			}
		})
	}
	if got := f.client.Member.GetX(f.system, m.ID); got.Status != member.StatusACTIVE || got.LeftOn != nil {
		t.Fatalf("a refused leaving changed the member: %+v", got)
	}

	got, err := f.svc.Members.RecordLeaving(f.staff, m.ID, leftOn)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != member.StatusLEFT || got.LeftOn == nil || !got.LeftOn.Equal(leftOn) {
		t.Fatalf("member %+v", got)
	}
	for _, s := range subs {
		now, err := f.client.Subscription.Get(f.system, s.id)
		if err != nil {
			t.Fatalf("%s: %v", s.description, err) // nothing is deleted
		}
		endsOK := (s.wantEnds == nil && now.EndsOn == nil) ||
			(s.wantEnds != nil && now.EndsOn != nil && now.EndsOn.Equal(*s.wantEnds))
		if now.Status != s.wantStatus || !endsOK {
			t.Errorf("%s: %s ending %v, want %s ending %v", s.description, now.Status, now.EndsOn, s.wantStatus, s.wantEnds)
		}
	}

	_, err = f.svc.Members.RecordLeaving(f.staff, m.ID, leftOn)
	f.wantCode(t, err, communs.ECONFLICT)
	if !strings.Contains(err.Error(), "2026-02-15") {
		t.Errorf("message %q", err)
	}
	_, err = f.svc.Members.RecordLeaving(f.staff, pulid.New("MBR"), leftOn)
	f.wantCode(t, err, communs.ENOTFOUND)
}
