package main

import (
	"fmt"
	"regexp"
	"testing"

	"communs/ent/notification"
	"communs/internal/viewer"
)

const applyMutation = `mutation($in: SubmitMembershipApplicationInput!) { submitMembershipApplication(input: $in) { reference status confirmation } }`

func application(name string, nonProfit bool, vat float64) map[string]any {
	return map[string]any{
		"organisationName": name, "legalForm": "Association loi 1901", "siren": "732829320",
		"street": "2 rue des Lilas", "postalCode": "21000", "city": "Dijon",
		"representativeName": "Claire Martin", "representativeFunction": "Présidente",
		"contactEmail": "direction@lilas.example", "requestedCategory": "ACTIVE",
		"appliedOn": "2026-02-02", "signerName": "Claire Martin", "signedAt": "2026-02-02T09:30:00Z",
		"nonProfit": nonProfit, "vatSubjectPercent": vat,
	}
}

// tokenSentTo reads the invitation token from the message in the outbox,
// as the invited person reads it in their mail.
func tokenSentTo(t *testing.T, s *testServer, email string) string {
	t.Helper()
	n, err := s.db.Client.Notification.Query().
		Where(notification.Recipient(email), notification.KindEQ(notification.KindINVITATION)).
		Only(viewer.SystemContext(t.Context()))
	if err != nil {
		t.Fatalf("no invitation sent to %s: %v", email, err)
	}
	token := regexp.MustCompile(`[A-Za-z0-9_-]{43}`).FindString(n.Body)
	if token == "" {
		t.Fatalf("no token in the invitation: %q", n.Body)
	}
	return token
}

func TestMembershipPathEndToEnd(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	staff := s.as(t, gsmStaff)

	// Ineligible applicants are refused with the reason, and nothing is stored.
	for _, bad := range []map[string]any{application("SARL Lucrative", false, 0), application("Association Taxée", true, 35)} {
		resp := s.query(t, applyMutation, map[string]any{"in": bad})
		if resp.code() != "INVALID_INPUT" {
			t.Fatalf("ineligible application %v: %+v", bad["organisationName"], resp.Errors)
		}
	}

	// 1. Apply, without an account.
	var applied struct {
		SubmitMembershipApplication struct{ Reference, Status, Confirmation string }
	}
	s.data(t, applyMutation, map[string]any{"in": application("Association Les Lilas", true, 5)}, &applied)
	ref := applied.SubmitMembershipApplication.Reference
	if applied.SubmitMembershipApplication.Status != "SUBMITTED" || applied.SubmitMembershipApplication.Confirmation == "" {
		t.Fatalf("application: %+v", applied)
	}

	// 2. Review, and the refusals of the workflow.
	transition := func(client *testServer, name string, input map[string]any) gqlResponse {
		return client.query(t, fmt.Sprintf(`mutation($in: %sInput!) { %s(input: $in) { membershipApplication { status version member { id name } } } }`,
			map[string]string{"startApplicationReview": "ApplicationTransition", "approveMembershipApplication": "ApproveMembershipApplication",
				"rejectMembershipApplication": "RejectMembershipApplication"}[name], name), map[string]any{"in": input})
	}
	if code := transition(staff, "approveMembershipApplication", map[string]any{"id": ref, "version": 1}).code(); code != "CONFLICT" {
		t.Errorf("approving an application not under review: %s", code)
	}
	if code := transition(s.as(t, "admin@tilleuls-yonne.example"), "startApplicationReview", map[string]any{"id": ref, "version": 1}).code(); code != "FORBIDDEN" {
		t.Errorf("a member reviewing an application: %s", code)
	}
	if resp := transition(staff, "startApplicationReview", map[string]any{"id": ref, "version": 1}); resp.code() != "" {
		t.Fatalf("start review: %+v", resp.Errors)
	}
	if code := transition(staff, "approveMembershipApplication", map[string]any{"id": ref, "version": 1}).code(); code != "CONFLICT" {
		t.Errorf("approving with a stale version: %s", code)
	}
	var approved struct {
		ApproveMembershipApplication struct {
			MembershipApplication struct {
				Status string
				Member struct{ ID, Name string }
			}
		}
	}
	approve := transition(staff, "approveMembershipApplication", map[string]any{"id": ref, "version": 2, "joinedOn": "2026-03-01"})
	if len(approve.Errors) > 0 {
		t.Fatalf("approve: %+v", approve.Errors)
	}
	decode(t, approve, &approved)
	memberID := approved.ApproveMembershipApplication.MembershipApplication.Member.ID
	if memberID == "" {
		t.Fatal("approval created no member")
	}

	// 3. The representative accepts the invitation and becomes member_admin.
	var accepted struct {
		AcceptInvitation struct{ Token string }
	}
	s.data(t, `mutation($t: String!) { acceptInvitation(input: {token: $t, password: "les lilas 2026 !", displayName: "Claire Martin"}) { token } }`,
		map[string]any{"t": tokenSentTo(t, s, "direction@lilas.example")}, &accepted)
	lilas := &testServer{url: s.url, token: accepted.AcceptInvitation.Token, db: s.db}

	// 4. Subscribe: the member requests, the groupement activates.
	var resources struct {
		Resources struct {
			Edges []struct{ Node struct{ ID, Code string } }
		}
	}
	lilas.data(t, `{ resources(first: 2, where: {codeIn: ["GESTUSA", "MESSAGERIE"]}, orderBy: [{field: CODE}]) { edges { node { id code } } } }`, nil, &resources)
	gestusa, messagerie := resources.Resources.Edges[0].Node.ID, resources.Resources.Edges[1].Node.ID
	var requested struct {
		RequestSubscription struct{ Subscription struct{ ID, Status string } }
	}
	lilas.data(t, `mutation($m: ID!, $r: ID!) { requestSubscription(input: {memberId: $m, resourceId: $r}) { subscription { id status } } }`,
		map[string]any{"m": memberID, "r": gestusa}, &requested)
	staff.data(t, `mutation($id: ID!) { activateSubscription(input: {id: $id, startsOn: "2026-03-01", conventionSignedOn: "2026-02-20", projectLeadName: "Paul Durand"}) { subscription { status } } }`,
		map[string]any{"id": requested.RequestSubscription.Subscription.ID}, &struct{}{})

	// 5. Declare. A line for an unsubscribed resource and a negative quantity are refused.
	save := func(lines []map[string]any) gqlResponse {
		return lilas.query(t, `mutation($m: ID!, $lines: [DeclaredLineInput!]!) { saveUsageDeclaration(input: {memberId: $m, year: 2026, lines: $lines}) { usageDeclaration { id status revision } } }`,
			map[string]any{"m": memberID, "lines": lines})
	}
	if code := save([]map[string]any{{"resourceId": messagerie, "quantity": 10}}).code(); code != "INVALID_INPUT" {
		t.Errorf("a line for an unsubscribed resource: %s", code)
	}
	if code := save([]map[string]any{{"resourceId": gestusa, "quantity": -3}}).code(); code != "INVALID_INPUT" {
		t.Errorf("a negative quantity: %s", code)
	}
	var saved struct {
		SaveUsageDeclaration struct{ UsageDeclaration struct{ ID, Status string } }
	}
	resp := save([]map[string]any{{"resourceId": gestusa, "quantity": 120}})
	decode(t, resp, &saved)
	decl := saved.SaveUsageDeclaration.UsageDeclaration.ID

	// 6. Submit → return → correct → submit → validate.
	step := func(client *testServer, mutation string, extra string) gqlResponse {
		return client.query(t, fmt.Sprintf(`mutation($id: ID!) { %s(input: {id: $id%s}) { usageDeclaration { status } } }`, mutation, extra),
			map[string]any{"id": decl})
	}
	for _, st := range []struct {
		client   *testServer
		mutation string
		extra    string
		code     string
	}{
		{lilas, "submitUsageDeclaration", "", ""},
		{lilas, "submitUsageDeclaration", "", "CONFLICT"},
		{lilas, "validateUsageDeclaration", "", "FORBIDDEN"},
		{staff, "returnUsageDeclaration", `, comment: "Le nombre de places autorisées est de 135."`, ""},
	} {
		if code := step(st.client, st.mutation, st.extra).code(); code != st.code {
			t.Fatalf("%s: code %q, want %q", st.mutation, code, st.code)
		}
	}
	if r := save([]map[string]any{{"resourceId": gestusa, "quantity": 135}}); len(r.Errors) > 0 {
		t.Fatalf("correcting the returned declaration: %+v", r.Errors)
	}
	if code := step(lilas, "submitUsageDeclaration", "").code(); code != "" {
		t.Fatalf("resubmitting: %s", code)
	}
	var validated struct {
		ValidateUsageDeclaration struct{ UsageDeclaration struct{ Status string } }
	}
	decode(t, step(staff, "validateUsageDeclaration", ""), &validated)
	if validated.ValidateUsageDeclaration.UsageDeclaration.Status != "VALIDATED" {
		t.Fatalf("validated: %+v", validated)
	}

	// Every revision is kept, and the onboarding checklist shows the way walked.
	var history struct {
		UsageDeclarationRevisions struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Revision int
					Status   string
				}
			}
		}
		Onboarding struct {
			Steps []struct {
				Key  string
				Done bool
			}
		}
	}
	lilas.data(t, `query($id: ID!, $m: ID!) {
		usageDeclarationRevisions(first: 20, where: {hasDeclarationWith: {id: $id}}, orderBy: [{field: REVISION}]) { totalCount edges { node { revision status } } }
		onboarding(memberId: $m) { steps { key done } } }`, map[string]any{"id": decl, "m": memberID}, &history)
	if history.UsageDeclarationRevisions.TotalCount < 5 {
		t.Errorf("revisions: %+v", history.UsageDeclarationRevisions)
	}
	done := map[string]bool{}
	for _, st := range history.Onboarding.Steps {
		done[st.Key] = st.Done
	}
	if !done["application"] || !done["approval"] || !done["declaration"] {
		t.Errorf("onboarding: %+v", history.Onboarding.Steps)
	}

	// Another member's administrator cannot touch the declaration.
	if code := step(s.as(t, "admin@tilleuls-yonne.example"), "submitUsageDeclaration", "").code(); code != "NOT_FOUND" && code != "FORBIDDEN" {
		t.Errorf("another member submitting: %s", code)
	}
}
