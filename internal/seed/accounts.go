package seed

import (
	"context"
	"fmt"
	"io"

	"communs/ent/account"
	"communs/ent/roleassignment"
	"communs/internal/auth"
)

// DemoPassword is the password of every demo account. Demo data only.
const DemoPassword = "communs-demo-2026"

// demoAccount is a login of the demo, one per role: the groupement's
// roles, the four roles of an active member, and the administrators of a
// founder and of a user member, whose category rights differ.
type demoAccount struct {
	email, name string
	role        roleassignment.Role
	memberKey   string // "" for the groupement's roles
}

var demoAccounts = []demoAccount{
	{"admin@communs.example", "Administratrice du groupement", roleassignment.RoleGsmAdmin, ""},
	{"staff@communs.example", "Chargé de mission du groupement", roleassignment.RoleGsmStaff, ""},
	{"cil@communs.example", "Référente CIL du groupement", roleassignment.RoleGsmCil, ""},
	{"admin@tilleuls-yonne.example", "Directeur, Les Tilleuls de l'Yonne", roleassignment.RoleMemberAdmin, "tilleuls-yonne"},
	{"staff@tilleuls-yonne.example", "Cadre administratif, Les Tilleuls de l'Yonne", roleassignment.RoleMemberStaff, "tilleuls-yonne"},
	{"cil@tilleuls-yonne.example", "Référent CIL, Les Tilleuls de l'Yonne", roleassignment.RoleMemberCil, "tilleuls-yonne"},
	{"viewer@tilleuls-yonne.example", "Administrateur bénévole, Les Tilleuls de l'Yonne", roleassignment.RoleMemberViewer, "tilleuls-yonne"},
	{"admin@genets-morvan.example", "Directrice, Les Genêts du Morvan", roleassignment.RoleMemberAdmin, "genets-morvan"},
	{"admin@abri-montagnard.example", "Directeur, L'Abri Montagnard", roleassignment.RoleMemberAdmin, "abri-montagnard"},
}

// loadAccounts creates the demo logins that are missing.
func (l *loader) loadAccounts(ctx context.Context) (added, present int, err error) {
	hash, err := auth.HashPassword(DemoPassword)
	if err != nil {
		return 0, 0, err
	}
	for _, d := range demoAccounts {
		exists, err := l.db.Account.Query().Where(account.Email(d.email)).Exist(ctx)
		if err != nil {
			return added, present, err
		}
		if exists {
			present++
			continue
		}
		acc, err := l.db.Account.Create().SetEmail(d.email).SetDisplayName(d.name).
			SetPasswordHash(hash).SetStatus(account.StatusACTIVE).Save(ctx)
		if err != nil {
			return added, present, err
		}
		create := l.db.RoleAssignment.Create().SetAccountID(acc.ID).SetRole(d.role)
		if d.memberKey != "" {
			create.SetMemberID(l.members[d.memberKey])
		}
		if err := create.Exec(ctx); err != nil {
			return added, present, err
		}
		added += 2
	}
	return added, present, nil
}

// PrintLogins writes the demo logins, for the command line.
func PrintLogins(w io.Writer) {
	fmt.Fprintf(w, "Demo logins (password %q):\n", DemoPassword)
	for _, d := range demoAccounts {
		domain := "groupement"
		if d.memberKey != "" {
			domain = "member " + d.memberKey
		}
		fmt.Fprintf(w, "  %-32s %-13s %s\n", d.email, d.role, domain)
	}
}
