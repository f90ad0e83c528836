package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"communs/internal/viewer"
)

// CareAssignment assigns an account of a member to one of its
// establishments, with a care role: it opens the files of the persons who
// stay or stayed there, and the journal notes restricted to that role.
type CareAssignment struct{ ent.Schema }

// Mixin of CareAssignment.
func (CareAssignment) Mixin() []ent.Mixin { return id("CAS") }

// Fields of CareAssignment.
func (CareAssignment) Fields() []ent.Field {
	return []ent.Field{
		fileMember(),
		field.String("account_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.String("establishment_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.Enum("care_role").
			Values("CARE", "EDUCATIONAL", "SOCIAL", "PSYCHOLOGICAL", "MANAGEMENT", "ADMINISTRATIVE").
			Comment("soins, éducatif, social, psychologique, encadrement, administratif"),
	}
}

// Edges of CareAssignment.
func (CareAssignment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("account", Account.Type).Field("account_id").Unique().Required().Immutable(),
		edge.To("establishment", Establishment.Type).Field("establishment_id").Unique().Required().Immutable(),
	}
}

// Indexes of CareAssignment.
func (CareAssignment) Indexes() []ent.Index {
	return []ent.Index{index.Fields("account_id", "establishment_id").Unique(), index.Fields("member_id")}
}

// Annotations of CareAssignment.
func (CareAssignment) Annotations() []schema.Annotation {
	return append(moduleGraphQL("userrecord"), userRecordTable("care_assignments"))
}

// Policy of CareAssignment: the member's administrators see them all, an
// account its own.
func (CareAssignment) Policy() ent.Policy { return fileRows("CareAssignment") }

// SupportAccess is a member's grant to one of the groupement's accounts to
// read its persons' files (scope USERRECORD) or its CPOM (scope CPOM),
// until it expires or is revoked. The CPOM module shares the mechanism.
type SupportAccess struct{ ent.Schema }

// Mixin of SupportAccess.
func (SupportAccess) Mixin() []ent.Mixin { return id("SPA") }

// Fields of SupportAccess.
func (SupportAccess) Fields() []ent.Field {
	return []ent.Field{
		fileMember(),
		field.String("account_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.Enum("scope").Values("USERRECORD", "CPOM").Default("USERRECORD").Immutable().
			Comment("what it opens: the persons' files, or the CPOM"),
		field.String("reason").NotEmpty().MaxLen(500).Immutable(),
		field.String("granted_by").Default("").Immutable(),
		field.Time("expires_at").Immutable().Annotations(entgql.OrderField("EXPIRES_AT")),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Edges of SupportAccess.
func (SupportAccess) Edges() []ent.Edge {
	return []ent.Edge{edge.To("account", Account.Type).Field("account_id").Unique().Required().Immutable()}
}

// Indexes of SupportAccess.
func (SupportAccess) Indexes() []ent.Index {
	return []ent.Index{index.Fields("account_id", "member_id"), index.Fields("member_id")}
}

// Annotations of SupportAccess.
func (SupportAccess) Annotations() []schema.Annotation {
	return append(moduleGraphQL("userrecord"), userRecordTable("support_accesses"))
}

// Policy of SupportAccess: the member's administrators and CIL referents
// see its grants, an account those it received.
func (SupportAccess) Policy() ent.Policy { return fileRows("SupportAccess") }

// AccessLogEntry records a read of a person's file: who, when, whose file,
// which part, why. Written by the platform, never changed.
type AccessLogEntry struct{ ent.Schema }

// Mixin of AccessLogEntry.
func (AccessLogEntry) Mixin() []ent.Mixin { return ledger("ALG") }

// Fields of AccessLogEntry.
func (AccessLogEntry) Fields() []ent.Field {
	return []ent.Field{
		fileMember(),
		personID(),
		field.String("account_id").GoType(pulidID).Optional().Nillable().Immutable().Annotations(entgql.Type("ID")),
		field.String("actor").Immutable().Comment("the account's e-mail address when it read"),
		field.String("part").Immutable().Annotations(entgql.OrderField("PART")).
			Comment("identity, contacts, stays, needs, projects, activities, notes, consents, export"),
		field.String("reason").Default("").MaxLen(500).Immutable(),
	}
}

// Indexes of AccessLogEntry.
func (AccessLogEntry) Indexes() []ent.Index {
	return []ent.Index{index.Fields("person_id", "created_at"), index.Fields("member_id", "created_at")}
}

// Annotations of AccessLogEntry.
func (AccessLogEntry) Annotations() []schema.Annotation {
	return append(moduleGraphQL("userrecord"), userRecordTable("access_log"))
}

// Policy of AccessLogEntry: read by the member's CIL referents.
func (AccessLogEntry) Policy() ent.Policy { return appendOnly(fileRows("AccessLogEntry")) }

// RecordSettings are a member's settings of the user record: how long a
// file is kept after the person's last discharge.
type RecordSettings struct{ ent.Schema }

// Mixin of RecordSettings.
func (RecordSettings) Mixin() []ent.Mixin { return id("RST") }

// Fields of RecordSettings.
func (RecordSettings) Fields() []ent.Field {
	return []ent.Field{
		fileMember(),
		field.Int("retention_years").Range(1, 100).
			Comment("years after the last discharge before the file is anonymised"),
	}
}

// Indexes of RecordSettings.
func (RecordSettings) Indexes() []ent.Index {
	return []ent.Index{index.Fields("member_id").Unique()}
}

// Annotations of RecordSettings.
func (RecordSettings) Annotations() []schema.Annotation {
	// Read and set through recordRetention and setRecordRetention only.
	return []schema.Annotation{entgql.Skip(entgql.SkipAll), userRecordTable("settings")}
}

// Policy of RecordSettings: read by the member's people.
func (RecordSettings) Policy() ent.Policy { return fileRows("RecordSettings") }

// ownOrAdministered selects the rows naming v's account, and those of the
// members v administers or is the CIL referent of.
func ownOrAdministered(v *viewer.Viewer, _ time.Time) func(*sql.Selector) {
	return func(s *sql.Selector) {
		s.Where(sql.Or(
			sql.EQ(s.C("account_id"), string(v.AccountID)),
			sql.In(s.C("member_id"), anySlice(v.MemberIDs("member_admin", "member_cil"))...),
		))
	}
}
