package seed

import (
	"context"
	"testing"

	"communs/ent/membershipapplication"
	"communs/internal/auth"
	"communs/internal/viewer"
)

func TestDemoLoginsWork(t *testing.T) {
	t.Parallel()
	client, _ := seeded(t)
	svc := auth.New(client)
	for _, d := range demoAccounts {
		s, err := svc.Login(context.Background(), d.email, DemoPassword, "192.0.2.1")
		if err != nil {
			t.Fatalf("login %s: %v", d.email, err)
		}
		roles, _ := s.Account.NamedRoleAssignments("roleAssignments")
		if len(roles) != 1 || roles[0].Role != d.role || (d.memberKey == "") != (roles[0].MemberID == nil) {
			t.Errorf("%s: roles %+v, want %s", d.email, roles, d.role)
		}
	}
}

func TestDemoApplicationsAtEveryStep(t *testing.T) {
	t.Parallel()
	client, _ := seeded(t)
	ctx := viewer.SystemContext(context.Background())
	for status, want := range map[membershipapplication.Status]int{
		membershipapplication.StatusSUBMITTED: 1, membershipapplication.StatusUNDER_REVIEW: 1,
		membershipapplication.StatusAPPROVED: 2, membershipapplication.StatusREJECTED: 1,
	} {
		if n := client.MembershipApplication.Query().Where(membershipapplication.StatusEQ(status)).CountX(ctx); n != want {
			t.Errorf("%s applications: %d, want %d", status, n, want)
		}
	}
	approved := client.MembershipApplication.Query().Where(membershipapplication.StatusEQ(membershipapplication.StatusAPPROVED)).
		WithMember().AllX(ctx)
	for _, a := range approved {
		if a.Edges.Member == nil || a.Edges.Member.Name != a.OrganisationName {
			t.Errorf("approved application %s is not linked to its member", a.OrganisationName)
		}
	}
}
