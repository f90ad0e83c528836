package main

import (
	"encoding/json"
	"strings"
	"testing"
)

type auditPage struct {
	AuditEvents struct {
		TotalCount int `json:"totalCount"`
		Edges      []struct {
			Node struct {
				ActorLabel string `json:"actorLabel"`
				MemberID   string `json:"memberID"`
				Action     string `json:"action"`
				EntityType string `json:"entityType"`
				EntityID   string `json:"entityID"`
				Summary    string `json:"summary"`
				RequestID  string `json:"requestID"`
			} `json:"node"`
		} `json:"edges"`
	} `json:"auditEvents"`
}

const auditQuery = `query($type: String!) { auditEvents(first: 100, where: {entityType: $type}, orderBy: [{field: CREATED_AT, direction: DESC}]) {
	totalCount edges { node { actorLabel memberID action entityType entityID summary requestID } } } }`

func TestMutationsLeaveAnAuditTrail(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	tilleuls := s.as(t, "admin@tilleuls-yonne.example")
	gsmAdmin := s.as(t, "admin@communs.example")

	var me struct {
		Me struct {
			RoleAssignments []struct{ Member struct{ ID string } } `json:"roleAssignments"`
		} `json:"me"`
	}
	tilleuls.data(t, `{ me { roleAssignments { member { id } } } }`, nil, &me)
	memberID := me.Me.RoleAssignments[0].Member.ID

	// Tilleuls' administrator invites a colleague, who joins.
	tilleuls.data(t, `mutation($m: ID!) { createInvitation(input: {email: "new@tilleuls-yonne.example", role: member_staff, memberId: $m}) { email } }`,
		map[string]any{"m": memberID}, &struct{}{})
	s.data(t, `mutation($t: String!) { acceptInvitation(input: {token: $t, password: "a secret password 42", displayName: "Nouvelle"}) { token } }`,
		map[string]any{"t": tokenSentTo(t, s, "new@tilleuls-yonne.example")}, &struct{}{})

	var page auditPage
	tilleuls.data(t, auditQuery, map[string]any{"type": "Invitation"}, &page)
	if page.AuditEvents.TotalCount == 0 {
		t.Fatal("the invitation left no audit event for the member's administrator")
	}
	created := page.AuditEvents.Edges[len(page.AuditEvents.Edges)-1].Node
	if created.ActorLabel != "admin@tilleuls-yonne.example" || created.Action != "create" || created.MemberID != memberID || created.RequestID == "" {
		t.Errorf("invitation event: %+v", created)
	}

	// The new account's password never reaches the trail, hashed or not.
	gsmAdmin.data(t, auditQuery, map[string]any{"type": "Account"}, &page)
	found := false
	for _, e := range page.AuditEvents.Edges {
		var summary map[string]any
		_ = json.Unmarshal([]byte(e.Node.Summary), &summary)
		if summary["email"] == "new@tilleuls-yonne.example" {
			found = true
			if summary["password_hash"] != "(changed)" || strings.Contains(e.Node.Summary, "argon2") || strings.Contains(e.Node.Summary, "secret password") {
				t.Errorf("account event shows a secret: %s", e.Node.Summary)
			}
		}
	}
	if !found {
		t.Error("the account created by the invitation left no audit event")
	}

	// Another member's administrator sees none of Tilleuls' events.
	var other auditPage
	s.as(t, "admin@genets-morvan.example").data(t, auditQuery, map[string]any{"type": "Invitation"}, &other)
	if other.AuditEvents.TotalCount != 0 {
		t.Errorf("another member's administrator sees %d invitation events", other.AuditEvents.TotalCount)
	}
	// The groupement's staff does not read the trail at all.
	if code := s.as(t, "staff@communs.example").query(t, auditQuery, map[string]any{"type": "Invitation"}).code(); code != "FORBIDDEN" {
		t.Errorf("gsm_staff reading the audit trail: %s", code)
	}
}
