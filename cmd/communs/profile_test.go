package main

import "testing"

// A member's administrator changes its profile through the API; a VAT
// share above the limit waits for the groupement, which reads the task
// and decides; both read the history.
func TestMemberProfileThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	admin := s.as(t, "admin@tilleuls-yonne.example")
	staff := s.as(t, gsmStaff)
	var me struct {
		Me struct {
			RoleAssignments []struct{ Member struct{ ID string } }
		}
	}
	admin.data(t, `{ me { roleAssignments { member { id } } } }`, nil, &me)
	memberID := me.Me.RoleAssignments[0].Member.ID

	const update = `mutation($in: UpdateMemberInput!) { updateMember(input: $in) {
		member { city representativeName vatSubjectPercent }
		change { status changes { field from to } } pendingReview { id status } } }`
	var out struct {
		UpdateMember struct {
			Member        struct{ City, RepresentativeName string }
			Change        *struct{ Status string }
			PendingReview *struct{ ID, Status string }
		}
	}
	admin.data(t, update, map[string]any{"in": map[string]any{
		"memberId": memberID, "city": "Joigny", "representativeName": "Claire Martin", "vatSubjectPercent": 25}}, &out)
	if out.UpdateMember.Member.City != "Joigny" || out.UpdateMember.Change == nil || out.UpdateMember.PendingReview == nil {
		t.Fatalf("updateMember: %+v", out.UpdateMember)
	}
	if code := admin.query(t, update, map[string]any{"in": map[string]any{"memberId": memberID, "siren": "732829320"}}).code(); code != "FORBIDDEN" {
		t.Errorf("a member's administrator changing its SIREN: code %s, want FORBIDDEN", code)
	}
	if code := admin.query(t, `mutation($id: ID!) { reviewVatShare(input: {changeId: $id, accept: true, comment: "x"}) { id } }`,
		map[string]any{"id": out.UpdateMember.PendingReview.ID}).code(); code != "FORBIDDEN" {
		t.Errorf("a member deciding its own review: code %s", code)
	}

	var tasks struct {
		MemberProfileChanges struct{ TotalCount int }
	}
	const waiting = `{ memberProfileChanges(first: 10, where: {status: PENDING_REVIEW, hasDecision: false}) { totalCount } }`
	staff.data(t, waiting, nil, &tasks)
	if tasks.MemberProfileChanges.TotalCount != 1 {
		t.Fatalf("the groupement sees %d tasks, want 1", tasks.MemberProfileChanges.TotalCount)
	}
	staff.data(t, `mutation($id: ID!) { reviewVatShare(input: {changeId: $id, accept: false, comment: "Hors critères"}) { status } }`,
		map[string]any{"id": out.UpdateMember.PendingReview.ID}, &struct{}{})
	staff.data(t, waiting, nil, &tasks)
	if tasks.MemberProfileChanges.TotalCount != 0 {
		t.Errorf("the task is still open after the decision")
	}
	var history struct {
		Member struct{ ProfileChanges []struct{ Status string } }
	}
	admin.data(t, `query($id: ID!) { member: node(id: $id) { ... on Member { profileChanges { status } } } }`,
		map[string]any{"id": memberID}, &history)
	if len(history.Member.ProfileChanges) != 3 {
		t.Errorf("the member reads %d history entries, want 3 (applied, pending, rejected)", len(history.Member.ProfileChanges))
	}
}
