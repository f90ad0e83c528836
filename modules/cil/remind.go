package cil

import (
	"context"
	"fmt"
	"strings"

	"communs/ent"
	"communs/ent/account"
	"communs/ent/cildelegation"
	"communs/ent/notification"
	"communs/ent/predicate"
	"communs/ent/roleassignment"
	"communs/ent/schema/pulid"
	"communs/internal/calendar"
	"communs/internal/notify"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// Remind writes to the outbox, for each register with something to do
// (reviews due, requests overdue, breaches past 72 hours without
// notification), one message to each of its keepers: the
// member's CIL referents, or the groupement's for its own register. It is
// the module's nightly job.
func (s *Service) Remind(ctx context.Context) error {
	ctx = viewer.SystemContext(ctx)
	todo, err := s.TodoOf(ctx)
	if err != nil {
		return err
	}
	lines := map[pulid.ID][]string{} // by owner; "" is the groupement
	for _, r := range todo.ReviewsDue {
		owner := ownerKey(r.MemberID)
		lines[owner] = append(lines[owner], fmt.Sprintf("- revue du traitement « %s » prévue le %s", r.Name, r.NextReviewOn.Format("02/01/2006")))
	}
	for _, r := range todo.OverdueRequests {
		owner := ownerKey(r.MemberID)
		lines[owner] = append(lines[owner], fmt.Sprintf("- demande %s de %s reçue le %s, échue le %s", r.Type, r.Requester,
			r.ReceivedOn.Format("02/01/2006"), r.DueOn.Format("02/01/2006")))
	}
	for _, b := range todo.LateBreaches {
		owner := ownerKey(b.Breach.MemberID)
		lines[owner] = append(lines[owner], fmt.Sprintf("- violation « %s » détectée le %s, il y a %d heures, non notifiée à la CNIL (délai de 72 heures)",
			b.Breach.Nature, b.Breach.DetectedAt.In(calendar.Paris).Format("02/01/2006 15:04"), b.HoursElapsed))
	}
	return txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		for owner, todo := range lines {
			recipients, err := keepers(ctx, tx, owner)
			if err != nil {
				return err
			}
			var member *pulid.ID
			if owner != "" {
				member = &owner
			}
			for _, to := range recipients {
				err := notify.Enqueue(ctx, tx, notify.Message{
					Kind: notification.KindCIL_TODO, Recipient: to, MemberID: member,
					Subject: "Registre RGPD : à faire",
					Body:    "Bonjour,\n\nÀ faire dans le registre :\n" + strings.Join(todo, "\n") + "\n",
				})
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func ownerKey(id *pulid.ID) pulid.ID {
	if id == nil {
		return ""
	}
	return *id
}

// keepers are the emails of the CIL referents of a register: the
// member's, and the groupement's for its own register and for a member's
// while it is delegated.
func keepers(ctx context.Context, tx *ent.Client, owner pulid.ID) ([]string, error) {
	groupement := roleassignment.And(roleassignment.RoleEQ(roleassignment.RoleGsmCil), roleassignment.MemberIDIsNil())
	roles := []predicate.RoleAssignment{groupement}
	if owner != "" {
		delegated, err := tx.CilDelegation.Query().
			Where(cildelegation.MemberID(owner), cildelegation.RevokedAtIsNil()).Exist(ctx)
		if err != nil {
			return nil, err
		}
		roles = []predicate.RoleAssignment{roleassignment.And(roleassignment.RoleEQ(roleassignment.RoleMemberCil), roleassignment.MemberID(owner))}
		if delegated {
			roles = append(roles, groupement)
		}
	}
	return tx.Account.Query().
		Where(account.HasRoleAssignmentsWith(roleassignment.Or(roles...)), account.StatusEQ(account.StatusACTIVE)).
		Select(account.FieldEmail).Strings(ctx)
}
