package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zone database

	"communs"
	"communs/ent"
	"communs/ent/account"
	"communs/ent/invitation"
	"communs/ent/notification"
	"communs/ent/predicate"
	"communs/ent/roleassignment"
	"communs/ent/schema/pulid"
	"communs/ent/session"
	"communs/internal/notify"
	"communs/internal/txn"
	"communs/internal/validate"
	"communs/internal/viewer"
)

// IsPlatformRole reports whether role belongs to the groupement's domain
// rather than to a member's.
func IsPlatformRole(role string) bool { return strings.HasPrefix(role, "gsm_") }

// checkRoleScope refuses a platform role given for a member, or a member
// role given without one.
func checkRoleScope(role string, memberID *pulid.ID) error {
	if roleassignment.RoleValidator(roleassignment.Role(role)) != nil {
		return communs.InvalidField("role", "unknown role %q", role)
	}
	if IsPlatformRole(role) != (memberID == nil) {
		return communs.InvalidField("memberId", "gsm_* roles take no member; member_* roles need one")
	}
	return nil
}

// mayGrant reports whether v may give role in memberID's domain: the
// groupement's administrators give any role, a member's administrators
// give member roles in their own member.
func mayGrant(v *viewer.Viewer, role string, memberID *pulid.ID) error {
	switch {
	case v == nil:
		return communs.Errorf(communs.EUNAUTHENTICATED, "log in first")
	case v.System, v.HasRole("gsm_admin"):
		return nil
	case memberID != nil && slices.Contains(v.MemberIDs("member_admin"), *memberID):
		return nil
	}
	return communs.Errorf(communs.EFORBIDDEN, "you may not give or take the role %s here", role)
}

// CreateAccount creates an active account with a password and one role:
// how the first administrator is bootstrapped from the CLI.
func (s *Service) CreateAccount(ctx context.Context, email, password, displayName, role string, memberID *pulid.ID) (*ent.Account, error) {
	ctx = viewer.SystemContext(ctx)
	if err := checkRoleScope(role, memberID); err != nil {
		return nil, err
	}
	if err := checkPassword("password", password); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	var acc *ent.Account
	err = txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		acc, err = tx.Account.Create().
			SetEmail(normalizeEmail(email)).SetDisplayName(displayName).
			SetPasswordHash(hash).SetStatus(account.StatusACTIVE).
			Save(ctx)
		if ent.IsConstraintError(err) {
			return communs.Errorf(communs.ECONFLICT, "an account with the email %s exists already", normalizeEmail(email))
		}
		if err != nil {
			return err
		}
		return tx.RoleAssignment.Create().
			SetAccountID(acc.ID).SetRole(roleassignment.Role(role)).SetNillableMemberID(memberID).
			Exec(ctx)
	})
	return acc, err
}

// ChangePassword replaces the viewer's password after checking the current
// one, and revokes the viewer's other sessions.
func (s *Service) ChangePassword(ctx context.Context, current, next string) error {
	v := viewer.FromContext(ctx)
	if v == nil || v.AccountID == "" {
		return communs.Errorf(communs.EUNAUTHENTICATED, "log in first")
	}
	if err := checkPassword("newPassword", next); err != nil {
		return err
	}
	sys := viewer.SystemContext(ctx)
	acc, err := s.db(ctx).Account.Get(sys, v.AccountID)
	if err != nil {
		return err
	}
	refund, ok := s.passwordChecks.Take(string(acc.ID), s.now())
	if !ok {
		return communs.Errorf(communs.ERATELIMITED, "too many wrong current passwords: wait a minute and try again")
	}
	if ok, err := verifyPassword(acc.PasswordHash, current); err != nil || !ok {
		return communs.InvalidField("currentPassword", "the current password is incorrect")
	}
	refund()
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	if err := s.db(ctx).Account.UpdateOneID(acc.ID).SetPasswordHash(hash).Exec(sys); err != nil {
		return err
	}
	_, err = s.db(ctx).Session.Update().
		Where(session.AccountID(acc.ID), session.RevokedAtIsNil(), session.TokenHashNEQ(hashToken(infoFrom(ctx).token))).
		SetRevokedAt(s.now().UTC()).
		Save(sys)
	return err
}

// Invite creates an invitation to take role (in memberID's domain for a
// member role), if the viewer may give that role, and returns its token.
func (s *Service) Invite(ctx context.Context, email, role string, memberID *pulid.ID) (token string, err error) {
	if err := checkRoleScope(role, memberID); err != nil {
		return "", err
	}
	if err := mayGrant(viewer.FromContext(ctx), role, memberID); err != nil {
		return "", err
	}
	return s.IssueInvitation(ctx, email, role, memberID)
}

// IssueInvitation creates the invitation and queues the message that
// carries its single-use token to email. It checks no permission: the
// caller has (an approved membership application invites the member's
// representative on the groupement's behalf). An email that has an
// account already gets a notice instead, and the caller the same answer
// with no token: whether an email has an account is nobody's business but
// its holder's.
func (s *Service) IssueInvitation(ctx context.Context, email, role string, memberID *pulid.ID) (token string, err error) {
	email = normalizeEmail(email)
	if err := validate.Email(email); err != nil {
		return "", communs.InvalidField("email", "%v", err)
	}
	exists, err := s.db(ctx).Account.Query().Where(account.Email(email)).Exist(viewer.SystemContext(ctx))
	if err != nil {
		return "", err
	}
	if exists {
		return "", s.noticeExistingAccount(ctx, email, role, memberID)
	}
	token, hash := newToken()
	expiresAt := s.now().Add(s.invitationTTL).UTC()
	var inviter pulid.ID
	if v := viewer.FromContext(ctx); v != nil {
		inviter = v.AccountID
	}
	sys := viewer.SystemContext(ctx)
	err = txn.Run(sys, s.client, func(sys context.Context, tx *ent.Client) error {
		err := tx.Invitation.Create().
			SetTokenHash(hash).SetEmail(email).
			SetRole(invitation.Role(role)).SetNillableMemberID(memberID).
			SetNillableInvitedByID(nonEmpty(inviter)).
			SetExpiresAt(expiresAt).
			Exec(sys)
		if err != nil {
			return err
		}
		return notify.Enqueue(sys, tx, notify.Message{
			Kind:      notification.KindINVITATION,
			Recipient: email,
			Subject:   "Invitation à rejoindre Communs",
			Body: fmt.Sprintf("Vous êtes invité(e) à rejoindre Communs avec le rôle %s.\n"+
				"Pour choisir votre mot de passe, utilisez ce jeton avant le %s (heure de Paris) :\n\n%s\n",
				role, expiresAt.In(paris).Format("02/01/2006 15:04"), token),
			MemberID: memberID,
		})
	})
	return token, err
}

// noticeExistingAccount tells the holder of an account that someone
// wanted to invite them: an invitation never touches an existing account,
// so the role is given with assignRole by someone who reads the account.
func (s *Service) noticeExistingAccount(ctx context.Context, email, role string, memberID *pulid.ID) error {
	sys := viewer.SystemContext(ctx)
	return txn.Run(sys, s.client, func(sys context.Context, tx *ent.Client) error {
		return notify.Enqueue(sys, tx, notify.Message{
			Kind:      notification.KindINVITATION,
			Recipient: email,
			Subject:   "Invitation à Communs : vous avez déjà un compte",
			Body: fmt.Sprintf("Quelqu'un a voulu vous inviter sur Communs avec le rôle %s, mais vous y avez déjà un compte.\n"+
				"Si vous attendiez ce rôle, demandez à l'administrateur du groupement de le donner à votre compte.\n"+
				"Sinon, vous pouvez ignorer ce message.\n", role),
			MemberID: memberID,
		})
	})
}

func errAccountExists(email string) error {
	return communs.Errorf(communs.ECONFLICT,
		"%s has an account already: give it the role with assignRole instead of an invitation", email)
}

var errBadInvitation = communs.Errorf(communs.EUNAUTHENTICATED, "the invitation is invalid, expired or already used")

// AcceptInvitation sets the password of the invited account (creating it if
// needed), grants the invited role, and opens a session.
func (s *Service) AcceptInvitation(ctx context.Context, token, password, displayName, clientAddr string) (*Session, error) {
	if err := checkPassword("password", password); err != nil {
		return nil, err
	}
	ctx = viewer.SystemContext(ctx)
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	var accountID pulid.ID
	err = txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		inv, err := tx.Invitation.Query().Where(invitation.TokenHash(hashToken(token))).Only(ctx)
		if ent.IsNotFound(err) {
			return errBadInvitation
		}
		if err != nil {
			return err
		}
		// Marking it used first, conditionally, makes a second concurrent use fail.
		n, err := tx.Invitation.Update().
			Where(invitation.ID(inv.ID), invitation.AcceptedAtIsNil(), invitation.ExpiresAtGT(s.now())).
			SetAcceptedAt(s.now().UTC()).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errBadInvitation
		}
		// An invitation creates an account; it never touches an existing
		// one, whose password only its holder sets.
		acc, err := tx.Account.Create().
			SetEmail(inv.Email).SetDisplayName(displayName).
			SetPasswordHash(hash).SetStatus(account.StatusACTIVE).
			Save(ctx)
		if ent.IsConstraintError(err) {
			return errAccountExists(inv.Email)
		}
		if err != nil {
			return err
		}
		accountID = acc.ID
		return s.grant(ctx, tx, accountID, string(inv.Role), inv.MemberID)
	})
	if err != nil {
		return nil, err
	}
	return s.openSession(ctx, accountID, clientAddr)
}

// AssignRole gives an existing account a role; giving a role it holds
// already changes nothing.
func (s *Service) AssignRole(ctx context.Context, accountID pulid.ID, role string, memberID *pulid.ID) (*ent.RoleAssignment, error) {
	if err := checkRoleScope(role, memberID); err != nil {
		return nil, err
	}
	if err := mayGrant(viewer.FromContext(ctx), role, memberID); err != nil {
		return nil, err
	}
	// Read as the viewer: an account one may not read answers as one that
	// does not exist.
	if _, err := s.db(ctx).Account.Get(ctx, accountID); err != nil {
		if ent.IsNotFound(err) {
			return nil, communs.Errorf(communs.ENOTFOUND, "no account %s", accountID)
		}
		return nil, err
	}
	if err := s.grant(ctx, s.db(ctx), accountID, role, memberID); err != nil {
		return nil, err
	}
	return s.db(ctx).RoleAssignment.Query().Where(sameAssignment(accountID, role, memberID)).Only(viewer.SystemContext(ctx))
}

// RevokeRole removes a role assignment.
func (s *Service) RevokeRole(ctx context.Context, assignmentID pulid.ID) error {
	a, err := s.db(ctx).RoleAssignment.Get(ctx, assignmentID) // read as the viewer: another member's id is not found
	if err != nil {
		return err
	}
	if err := mayGrant(viewer.FromContext(ctx), a.Role.String(), a.MemberID); err != nil {
		return err
	}
	return s.db(ctx).RoleAssignment.DeleteOneID(assignmentID).Exec(ctx)
}

func (s *Service) grant(ctx context.Context, client *ent.Client, accountID pulid.ID, role string, memberID *pulid.ID) error {
	sys := viewer.SystemContext(ctx)
	exists, err := client.RoleAssignment.Query().Where(sameAssignment(accountID, role, memberID)).Exist(sys)
	if err != nil || exists {
		return err
	}
	return client.RoleAssignment.Create().
		SetAccountID(accountID).SetRole(roleassignment.Role(role)).SetNillableMemberID(memberID).
		Exec(ctx)
}

func sameAssignment(accountID pulid.ID, role string, memberID *pulid.ID) predicate.RoleAssignment {
	p := []predicate.RoleAssignment{roleassignment.AccountID(accountID), roleassignment.RoleEQ(roleassignment.Role(role))}
	if memberID == nil {
		p = append(p, roleassignment.MemberIDIsNil())
	} else {
		p = append(p, roleassignment.MemberID(*memberID))
	}
	return roleassignment.And(p...)
}

func nonEmpty(id pulid.ID) *pulid.ID {
	if id == "" {
		return nil
	}
	return &id
}

// Me returns the account of the viewer, read as the viewer.
func (s *Service) Me(ctx context.Context) (*ent.Account, error) {
	v := viewer.FromContext(ctx)
	if v == nil || v.AccountID == "" {
		return nil, communs.Errorf(communs.EUNAUTHENTICATED, "log in first")
	}
	return s.db(ctx).Account.Get(ctx, v.AccountID)
}

var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()
