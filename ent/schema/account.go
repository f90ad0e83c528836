package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"communs/internal/validate"
)

// Roles are Casbin subjects: gsm_* roles hold in the groupement's domain,
// member_* roles in one member's domain (policies/policy.csv).
var roles = []string{
	"gsm_admin", "gsm_staff", "gsm_cil",
	"member_admin", "member_staff", "member_cil", "member_viewer",
}

// Account is a person who logs in.
type Account struct{ ent.Schema }

// Mixin of Account.
func (Account) Mixin() []ent.Mixin { return id("ACC") }

// Fields of Account.
func (Account) Fields() []ent.Field {
	return []ent.Field{
		field.String("email").Unique().Validate(validate.Email).
			Annotations(entgql.OrderField("EMAIL")),
		field.String("display_name").Default("").MaxLen(200).
			Annotations(entgql.OrderField("DISPLAY_NAME")),
		field.String("password_hash").Optional().Sensitive().
			Annotations(entgql.Skip()),
		field.Enum("status").Values("INVITED", "ACTIVE", "DISABLED").Default("INVITED"),
		field.Time("last_login_at").Optional().Nillable(),
	}
}

// Edges of Account.
func (Account) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("role_assignments", RoleAssignment.Type),
	}
}

// Annotations of Account.
func (Account) Annotations() []schema.Annotation { return graphQL() }

// RoleAssignment grants an account a role, in the groupement's domain (no
// member) or in one member's domain.
type RoleAssignment struct{ ent.Schema }

// Mixin of RoleAssignment.
func (RoleAssignment) Mixin() []ent.Mixin { return id("ROL") }

// Fields of RoleAssignment.
func (RoleAssignment) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("role").Values(roles...).Immutable().
			Annotations(entgql.OrderField("ROLE")),
		field.String("account_id").GoType(pulidID).Immutable(),
		field.String("member_id").GoType(pulidID).Optional().Nillable().Immutable(),
	}
}

// Edges of RoleAssignment.
func (RoleAssignment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("role_assignments").Field("account_id").
			Unique().Required().Immutable(),
		edge.From("member", Member.Type).Ref("role_assignments").Field("member_id").
			Unique().Immutable(),
	}
}

// Indexes of RoleAssignment.
func (RoleAssignment) Indexes() []ent.Index {
	return []ent.Index{index.Fields("account_id", "role", "member_id").Unique()}
}

// Annotations of RoleAssignment.
func (RoleAssignment) Annotations() []schema.Annotation { return graphQL() }

// Session is a logged-in session. Only a hash of its token is stored: a
// stolen database yields no usable token.
type Session struct{ ent.Schema }

// Mixin of Session.
func (Session) Mixin() []ent.Mixin { return id("SES") }

// Fields of Session.
func (Session) Fields() []ent.Field {
	return []ent.Field{
		field.Bytes("token_hash").Unique().Immutable().Sensitive(),
		field.String("account_id").GoType(pulidID).Immutable(),
		field.Time("expires_at"),
		field.Time("revoked_at").Optional().Nillable(),
		field.String("client_address").Default("").Immutable(),
	}
}

// Edges of Session.
func (Session) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("account", Account.Type).Field("account_id").Unique().Required().Immutable(),
	}
}

// Annotations of Session: sessions are never served through the API.
func (Session) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}

// Invitation lets a person set the password of a new account and take up
// the role they were invited to. Single use, expiring; only a hash of its
// token is stored.
type Invitation struct{ ent.Schema }

// Mixin of Invitation.
func (Invitation) Mixin() []ent.Mixin { return id("INV") }

// Fields of Invitation.
func (Invitation) Fields() []ent.Field {
	return []ent.Field{
		field.Bytes("token_hash").Unique().Immutable().Sensitive(),
		field.String("email").Validate(validate.Email).Immutable(),
		field.Enum("role").Values(roles...).Immutable(),
		field.String("member_id").GoType(pulidID).Optional().Nillable().Immutable(),
		field.String("invited_by_id").GoType(pulidID).Optional().Nillable().Immutable(),
		field.Time("expires_at").Immutable(),
		field.Time("accepted_at").Optional().Nillable(),
	}
}

// Annotations of Invitation: invitations are never served through the API.
func (Invitation) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}

// Policy of Account.
func (Account) Policy() ent.Policy { return memberRows("Account") }

// Policy of RoleAssignment.
func (RoleAssignment) Policy() ent.Policy { return memberRows("RoleAssignment") }

// Policy of Session.
func (Session) Policy() ent.Policy { return systemOnly() }

// Policy of Invitation.
func (Invitation) Policy() ent.Policy { return systemOnly() }
