// Package support grants and revokes the support accesses through which
// a member lets one of the groupement's accounts read, for some hours, a
// part of its data the groupement otherwise never sees: the persons' files
// of the user record (scope USERRECORD) or its CPOM (scope CPOM). The
// modules that own those parts share it; the row rules
// (ent/schema/userrecord_privacy.go, supportedMembers) read the grants.
package support

import (
	"context"
	"slices"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/account"
	"communs/ent/roleassignment"
	"communs/ent/schema/pulid"
	"communs/ent/supportaccess"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// MaxDuration bounds a support access: a week at most.
const MaxDuration = 7 * 24 * time.Hour

// Request grants one of the groupement's accounts a support access.
type Request struct {
	MemberID  pulid.ID
	AccountID pulid.ID
	Reason    string
	Hours     int
}

// Grant lets one of the groupement's accounts read the scope of the
// member's data for some hours (a week at most), from now: the member's
// administrators decide, and say why.
func Grant(ctx context.Context, client *ent.Client, now time.Time, scope supportaccess.Scope, in Request) (*ent.SupportAccess, error) {
	if strings.TrimSpace(in.Reason) == "" {
		return nil, communs.InvalidField("reason", "say why the groupement needs to read the files")
	}
	duration := time.Duration(in.Hours) * time.Hour
	if duration <= 0 || duration > MaxDuration {
		return nil, communs.InvalidField("hours", "a support access lasts 1 to %d hours", int(MaxDuration.Hours()))
	}
	var created *ent.SupportAccess
	err := txn.Run(ctx, client, func(ctx context.Context, tx *ent.Client) error {
		v, err := administrator(ctx, in.MemberID)
		if err != nil {
			return err
		}
		staff, err := tx.Account.Query().Where(account.ID(in.AccountID), account.HasRoleAssignmentsWith(
			roleassignment.MemberIDIsNil(), roleassignment.RoleIn(gsmRoles...))).Exist(viewer.SystemContext(ctx))
		if err != nil {
			return err
		}
		if !staff {
			return communs.InvalidField("accountId", "a support access is granted to one of the groupement's accounts")
		}
		created, err = tx.SupportAccess.Create().SetMemberID(in.MemberID).SetAccountID(in.AccountID).
			SetScope(scope).SetReason(strings.TrimSpace(in.Reason)).SetGrantedBy(v.Email).
			SetExpiresAt(now.UTC().Add(duration)).Save(viewer.SystemContext(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, created), nil
}

// gsmRoles are the groupement's roles a support access may be granted to.
var gsmRoles = []roleassignment.Role{roleassignment.RoleGsmAdmin, roleassignment.RoleGsmStaff, roleassignment.RoleGsmCil}

// Revoke ends the support access id at now, whatever its scope: the
// member's administrators decide.
func Revoke(ctx context.Context, client *ent.Client, now time.Time, id pulid.ID) (*ent.SupportAccess, error) {
	var revoked *ent.SupportAccess
	err := txn.Run(ctx, client, func(ctx context.Context, tx *ent.Client) error {
		if viewer.FromContext(ctx) == nil {
			return communs.Errorf(communs.EUNAUTHENTICATED, "log in first")
		}
		a, err := tx.SupportAccess.Query().Where(supportaccess.ID(id)).Only(ctx)
		if ent.IsNotFound(err) {
			return communs.Errorf(communs.ENOTFOUND, "no support access %s", id)
		} else if err != nil {
			return err
		}
		if _, err := administrator(ctx, a.MemberID); err != nil {
			return err
		}
		if a.RevokedAt != nil {
			return communs.Errorf(communs.ECONFLICT, "the support access was revoked already")
		}
		revoked, err = tx.SupportAccess.UpdateOne(a).SetRevokedAt(now.UTC()).Save(viewer.SystemContext(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, revoked), nil
}

// administrator is the viewer of ctx when it is the platform or
// administers member.
func administrator(ctx context.Context, member pulid.ID) (*viewer.Viewer, error) {
	v := viewer.FromContext(ctx)
	switch {
	case v == nil:
		return nil, communs.Errorf(communs.EUNAUTHENTICATED, "log in first")
	case v.System || slices.Contains(v.MemberIDs("member_admin"), member):
		return v, nil
	}
	return nil, communs.Errorf(communs.EFORBIDDEN, "reserved to the member's administrators")
}
