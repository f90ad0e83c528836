package schema

import (
	"context"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	gen "communs/ent"
	"communs/ent/intercept"
	"communs/ent/privacy"
	"communs/internal/viewer"
)

// The user-record module (modules/userrecord) owns the schema files named
// userrecord_*.go: the files of the persons supported by the members'
// establishments. They hold health and social data about vulnerable
// people, so their rules are stricter than the rest of the graph's:
//
//   - a member's people read a person's file only when they are assigned
//     (CareAssignment) to an establishment where the person stays or
//     stayed; being the member's administrator is not enough;
//   - the groupement's roles read nothing, unless the member granted one of
//     them a support access (SupportAccess), time-limited and audited;
//   - every write goes through the module's service, which checks who may
//     write and seals the sensitive fields; the API writes nothing directly;
//   - audit events name the fields a write changed, never their values.
//
// Reads of a file beyond its list summary are logged by the module (an
// interceptor writes AccessLogEntry rows).

// userRecordTypes are the entities of a person's file.
var userRecordTypes = []string{"Person", "PersonContact", "Stay", "NeedAssessment", "PersonalProject", "Activity", "JournalNote", "Consent"}

// userRecordTable names the module's tables, the same on every database:
// the row predicates below write subqueries over them.
func userRecordTable(name string) schema.Annotation {
	return entsql.Annotation{Table: "userrecord_" + name}
}

// sealed declares a field stored sealed (AES-256-GCM, internal/sealing):
// never in the GraphQL schema, never printed; modules/userrecord seals and
// opens it, and re-seals it when the key rotates.
func sealed(name, comment string) ent.Field {
	return field.Text(name).Optional().Nillable().Sensitive().Annotations(entgql.Skip(entgql.SkipAll)).
		Comment(comment + ", sealed")
}

// personID declares the foreign key to the person whose file a row is part of.
func personID() ent.Field {
	return field.String("person_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID"))
}

// fileMember declares the owning member of a row that has no edge to it.
func fileMember() ent.Field {
	return field.String("member_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID"))
}

// filePredicate selects the rows of an entity of the user record that v
// reads at now.
type filePredicate func(v *viewer.Viewer, now time.Time) func(*sql.Selector)

// fileVisibility is the row predicate of each entity of the user record.
var fileVisibility = map[string]filePredicate{
	"Person":          personsVisible,
	"PersonContact":   ofVisiblePersons,
	"Stay":            ofVisiblePersons,
	"NeedAssessment":  ofVisiblePersons,
	"PersonalProject": ofVisiblePersons,
	"Activity":        ofVisiblePersons,
	"JournalNote":     notesVisible,
	"Consent":         ofVisiblePersons,
	"CareAssignment":  ownOrAdministered,
	"SupportAccess":   ownOrAdministered,
	"AccessLogEntry":  ofOwnMembers("member_cil"),
	"RecordSettings":  ofOwnMembers(),
}

// fileRows is the policy of the entity typ of the user record: the
// platform reads and writes all its rows; other viewers read the rows its
// fileVisibility predicate selects; only the platform writes (the module's
// service acts as the platform once it has checked the viewer's rights).
func fileRows(typ string) ent.Policy { return platformWrites(fileVisibility[typ]) }

// platformWrites is the policy of rows other viewers read where visible
// selects them and only the platform writes: a module's service writes as
// the platform once it has checked the viewer's rights.
func platformWrites(visible filePredicate) ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			allowGSM(nil),
			privacy.QueryRuleFunc(func(ctx context.Context, q gen.Query) error {
				v := viewer.FromContext(ctx)
				if v == nil {
					return privacy.Denyf("log in first")
				}
				query, err := intercept.NewQuery(q)
				if err != nil {
					return err
				}
				query.WhereP(visible(v, time.Now().UTC()))
				return privacy.Allow
			}),
		},
		Mutation: privacy.MutationPolicy{allowGSM(nil), privacy.AlwaysDenyRule()},
	}
}

// Row predicates. They are SQL subqueries over the module's tables rather
// than edge traversals, so that one query answers whatever the shape.

// assignedEstablishments selects the establishments v is assigned to.
func assignedEstablishments(v *viewer.Viewer) *sql.Selector {
	t := sql.Table("userrecord_care_assignments")
	return sql.Select(t.C("establishment_id")).From(t).Where(sql.EQ(t.C("account_id"), string(v.AccountID)))
}

// supportedMembers selects the members that granted v a support access of
// scope (USERRECORD or CPOM) still running at now.
func supportedMembers(v *viewer.Viewer, now time.Time, scope string) *sql.Selector {
	t := sql.Table("userrecord_support_accesses")
	return sql.Select(t.C("member_id")).From(t).Where(sql.And(
		sql.EQ(t.C("account_id"), string(v.AccountID)),
		sql.EQ(t.C("scope"), scope),
		sql.IsNull(t.C("revoked_at")),
		sql.GT(t.C("expires_at"), now),
	))
}

// personsVisible selects the persons v may read: those of v's members who
// stay or stayed in an establishment v is assigned to, and those of the
// members that granted v a support access.
func personsVisible(v *viewer.Viewer, now time.Time) func(*sql.Selector) {
	return func(s *sql.Selector) {
		stays := sql.Table("userrecord_stays")
		assigned := sql.Select(stays.C("person_id")).From(stays).
			Where(sql.In(stays.C("establishment_id"), assignedEstablishments(v)))
		s.Where(sql.Or(
			sql.And(sql.In(s.C("member_id"), anySlice(v.MemberIDs())...), sql.In(s.C("id"), assigned)),
			sql.In(s.C("member_id"), supportedMembers(v, now, "USERRECORD")),
		))
	}
}

// ofVisiblePersons selects the rows of the files of the persons v may read.
func ofVisiblePersons(v *viewer.Viewer, now time.Time) func(*sql.Selector) {
	return func(s *sql.Selector) {
		persons := sql.Table("userrecord_persons")
		visible := sql.Select(persons.C("id")).From(persons)
		personsVisible(v, now)(visible)
		s.Where(sql.In(s.C("person_id"), visible))
	}
}

// notesVisible selects the journal notes v may read: of a person v may
// read, and either open to the team, written by v, or restricted to a care
// role v holds in an establishment where the person stays or stayed.
func notesVisible(v *viewer.Viewer, now time.Time) func(*sql.Selector) {
	return func(s *sql.Selector) {
		ofVisiblePersons(v, now)(s)
		s.Where(sql.Or(
			sql.EQ(s.C("confidentiality"), "TEAM"),
			sql.EQ(s.C("author_id"), string(v.AccountID)),
			sql.P(func(b *sql.Builder) {
				// restricted_to is stored as ",ROLE,ROLE,": a role matches
				// with its commas, whatever the database.
				b.WriteString("EXISTS (SELECT 1 FROM userrecord_care_assignments a" +
					" JOIN userrecord_stays st ON st.establishment_id = a.establishment_id" +
					" WHERE a.account_id = ").Arg(string(v.AccountID)).
					WriteString(" AND st.person_id = ").WriteString(s.C("person_id")).
					WriteString(" AND ").WriteString(s.C("restricted_to")).
					WriteString(" LIKE '%,' || a.care_role || ',%')")
			}),
		))
	}
}

// ofOwnMembers selects the rows of v's members, through the roles named
// (any member role when none is).
func ofOwnMembers(roles ...string) func(v *viewer.Viewer, now time.Time) func(*sql.Selector) {
	return func(v *viewer.Viewer, _ time.Time) func(*sql.Selector) {
		return func(s *sql.Selector) { s.Where(sql.In(s.C("member_id"), anySlice(v.MemberIDs(roles...))...)) }
	}
}

// anySlice is ids as SQL arguments; no ids selects nothing.
func anySlice[T ~string](ids []T) []any {
	if len(ids) == 0 {
		return []any{""} // ids are never empty: selects nothing
	}
	values := make([]any, len(ids))
	for i, id := range ids {
		values[i] = string(id)
	}
	return values
}
