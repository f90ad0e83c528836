package policies

import (
	"testing"

	"communs/ent/schema/pulid"
	"communs/internal/viewer"
)

func TestEnforcer(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	role := func(name, member, category string) *viewer.Viewer {
		return &viewer.Viewer{AccountID: "ACC1", Roles: []viewer.Role{{Name: name, MemberID: pulid.ID("MBR" + member), MemberCategory: category}}}
	}
	gsm := func(name string) *viewer.Viewer {
		return &viewer.Viewer{AccountID: "ACC1", Roles: []viewer.Role{{Name: name}}}
	}
	for _, tc := range []struct {
		name      string
		viewer    *viewer.Viewer
		operation string
		field     string
		allowed   bool
	}{
		{"anonymous logs in", nil, "mutation", "login", true},
		{"anonymous reads no member", nil, "query", "members", false},
		{"anonymous has no me", nil, "query", "me", false},
		{"any account reads itself", &viewer.Viewer{AccountID: "ACC1"}, "query", "me", true},
		{"an account without roles reads no member", &viewer.Viewer{AccountID: "ACC1"}, "query", "members", false},
		{"gsm_staff reads members", gsm("gsm_staff"), "query", "members", true},
		{"gsm_staff reads no audit trail", gsm("gsm_staff"), "query", "auditEvents", false},
		{"gsm_admin inherits staff reads", gsm("gsm_admin"), "query", "chargeRuns", true},
		{"gsm_admin reads the audit trail", gsm("gsm_admin"), "query", "auditEvents", true},
		{"gsm_staff assigns no role", gsm("gsm_staff"), "mutation", "assignRole", false},
		{"gsm_cil reads subscriptions", gsm("gsm_cil"), "query", "subscriptions", true},
		{"gsm_cil reads no charges", gsm("gsm_cil"), "query", "charges", false},
		{"member_viewer reads charges", role("member_viewer", "1", "USER"), "query", "charges", true},
		{"member_viewer reads no charge run", role("member_viewer", "1", "USER"), "query", "chargeRuns", false},
		{"member_staff inherits viewer", role("member_staff", "1", "USER"), "query", "usageDeclarations", true},
		{"member_admin inherits staff", role("member_admin", "1", "USER"), "query", "subscriptions", true},
		{"member_admin assigns roles", role("member_admin", "1", "USER"), "mutation", "assignRole", true},
		{"member_staff assigns no role", role("member_staff", "1", "USER"), "mutation", "assignRole", false},
		{"member_admin reads its audit trail", role("member_admin", "1", "USER"), "query", "auditEvents", true},
		{"member_staff reads no audit trail", role("member_staff", "1", "USER"), "query", "auditEvents", false},
		{"a founder reads the consolidated accounts", role("member_viewer", "1", "FOUNDER"), "query", "consolidatedAccounts", true},
		{"an active member reads the consolidated accounts", role("member_viewer", "1", "ACTIVE"), "query", "consolidatedAccounts", true},
		{"a user member does not", role("member_admin", "1", "USER"), "query", "consolidatedAccounts", false},
		{"a member role is no gsm role", role("member_admin", "1", "ACTIVE"), "query", "membershipApplications", false},
		{"an unknown field is denied", gsm("gsm_admin"), "query", "secrets", false},
		{"a query grant is no mutation grant", gsm("gsm_staff"), "mutation", "members", false},
	} {
		if got := e.Allowed(tc.viewer, tc.operation, tc.field); got != tc.allowed {
			t.Errorf("%s: Allowed = %v, want %v", tc.name, got, tc.allowed)
		}
	}
}

func TestModuleLinesAddGrants(t *testing.T) {
	e, err := New("p, member_viewer, member, establishments, query")
	if err != nil {
		t.Fatal(err)
	}
	v := &viewer.Viewer{Roles: []viewer.Role{{Name: "member_staff", MemberID: "MBR1"}}}
	if !e.Allowed(v, "query", "establishments") || !e.Declared("query", "establishments") {
		t.Error("a module's line was not loaded")
	}
	if e.Declared("query", "nothing") {
		t.Error("Declared invents grants")
	}
}
