// Package viewer carries who is acting through a request's context. It
// imports nothing of the domain so that the schema's privacy rules, the
// services and the API can all read it.
package viewer

import (
	"context"
	"slices"

	"communs/ent/schema/pulid"
)

// Domain names used by the Casbin policy: the groupement's own domain, and
// the domain of every member, which the policy calls "member".
const (
	GSMDomain    = "gsm"
	MemberDomain = "member"
)

// Role is a role an account holds in a domain. MemberID is empty for the
// groupement's roles.
type Role struct {
	Name           string
	MemberID       pulid.ID
	MemberCategory string // FOUNDER, ACTIVE or USER; set for member roles
}

// Viewer is the authenticated account behind a request, with its roles.
type Viewer struct {
	AccountID pulid.ID
	Email     string
	Roles     []Role
	// System marks work the platform does on its own behalf (migrations,
	// seeding, charge runs started from the CLI): it passes row isolation.
	System bool
	// Reason is why the viewer reads what it reads, when it says so (the
	// ReasonHeader of its request): the user record logs it with each read.
	Reason string
}

// ReasonHeader is the request header that says why the viewer reads.
const ReasonHeader = "X-Access-Reason"

// MaxReasonLength bounds, in characters, the reason a viewer gives.
const MaxReasonLength = 500

// HasRole reports whether the viewer holds the named role, in any domain.
func (v *Viewer) HasRole(name string) bool {
	return slices.ContainsFunc(v.Roles, func(r Role) bool { return r.Name == name })
}

// MemberIDs returns the members the viewer acts for through the given
// roles, or through any member role when none is named.
func (v *Viewer) MemberIDs(roles ...string) []pulid.ID {
	var ids []pulid.ID
	for _, r := range v.Roles {
		if r.MemberID == "" || (len(roles) > 0 && !slices.Contains(roles, r.Name)) || slices.Contains(ids, r.MemberID) {
			continue
		}
		ids = append(ids, r.MemberID)
	}
	return ids
}

// Writer is the viewer restricted to the roles that change a member's rows
// (administrators and staff): holding member_viewer in one member and
// member_admin in another lets one write only in the latter.
func (v *Viewer) Writer() *Viewer {
	w := *v
	w.Roles = nil
	for _, r := range v.Roles {
		if r.MemberID == "" || r.Name == "member_admin" || r.Name == "member_staff" {
			w.Roles = append(w.Roles, r)
		}
	}
	return &w
}

type contextKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, contextKey{}, v)
}

// FromContext returns the viewer of ctx, or nil for an anonymous request.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(contextKey{}).(*Viewer)
	return v
}

// SystemContext returns ctx acting as the platform itself, on behalf of
// the viewer of ctx if there is one: the audit trail still names them.
func SystemContext(ctx context.Context) context.Context {
	system := &Viewer{System: true, Email: "system"}
	if v := FromContext(ctx); v != nil {
		system.AccountID, system.Email, system.Roles = v.AccountID, v.Email, v.Roles
	}
	return NewContext(ctx, system)
}

// Label names who acts in ctx, as the ledgers and histories record it:
// the account's email, or "" for none.
func Label(ctx context.Context) string {
	if v := FromContext(ctx); v != nil {
		return v.Email
	}
	return ""
}
