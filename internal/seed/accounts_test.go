package seed

import (
	"context"
	"testing"

	"communs/internal/auth"
)

func TestDemoLoginsWork(t *testing.T) {
	client, _ := seeded(t)
	svc := auth.New(client)
	for _, d := range demoAccounts {
		s, err := svc.Login(context.Background(), d.email, DemoPassword, "192.0.2.1")
		if err != nil {
			t.Fatalf("login %s: %v", d.email, err)
		}
		roles := s.Account.Edges.RoleAssignments
		if len(roles) != 1 || roles[0].Role != d.role || (d.memberKey == "") != (roles[0].MemberID == nil) {
			t.Errorf("%s: roles %+v, want %s", d.email, roles, d.role)
		}
	}
}
