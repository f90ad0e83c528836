package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// NeedAssessment is a need of a person, assessed in the SERAFIN-PH
// nomenclature (1.x). The need and the comment are health data: sealed.
type NeedAssessment struct{ ent.Schema }

// Mixin of NeedAssessment.
func (NeedAssessment) Mixin() []ent.Mixin { return id("NED") }

// Fields of NeedAssessment.
func (NeedAssessment) Fields() []ent.Field {
	return []ent.Field{
		personID(),
		fileMember(),
		sealed("code_sealed", "the SERAFIN-PH need code"),
		sealed("comment_sealed", "the evaluator's comment"),
		field.Time("assessed_on").Annotations(asDate, entgql.OrderField("ASSESSED_ON")),
		field.String("evaluator").Default("").MaxLen(200),
	}
}

// Edges of NeedAssessment.
func (NeedAssessment) Edges() []ent.Edge { return []ent.Edge{personEdge("needs")} }

// Annotations of NeedAssessment.
func (NeedAssessment) Annotations() []schema.Annotation {
	return append(moduleGraphQL("userrecord"), userRecordTable("needs"))
}

// Policy of NeedAssessment.
func (NeedAssessment) Policy() ent.Policy { return fileRows("NeedAssessment") }

// PersonalProject is a version of a person's personalised project: its
// objectives (sealed) and the services planned, by SERAFIN-PH code. A
// review writes a new version.
type PersonalProject struct{ ent.Schema }

// Mixin of PersonalProject.
func (PersonalProject) Mixin() []ent.Mixin { return id("PPJ") }

// Fields of PersonalProject.
func (PersonalProject) Fields() []ent.Field {
	return []ent.Field{
		personID(),
		fileMember(),
		sealed("objectives_sealed", "the objectives, a JSON list of strings"),
		field.Strings("planned_services").Optional().Comment("SERAFIN-PH service codes (2.x, 3.x)"),
		field.Time("starts_on").Annotations(asDate, entgql.OrderField("STARTS_ON")),
		field.Time("review_on").Annotations(asDate),
	}
}

// Edges of PersonalProject.
func (PersonalProject) Edges() []ent.Edge { return []ent.Edge{personEdge("projects")} }

// Annotations of PersonalProject.
func (PersonalProject) Annotations() []schema.Annotation {
	return append(moduleGraphQL("userrecord"), userRecordTable("projects"))
}

// Policy of PersonalProject.
func (PersonalProject) Policy() ent.Policy { return fileRows("PersonalProject") }

// Activity is a service delivered to a person (activity measurement): the
// SERAFIN-PH service code stays in clear, so that the aggregates are
// computed by the database. Never changed once recorded.
type Activity struct{ ent.Schema }

// Mixin of Activity: a ledger, as there are millions of them; the row
// names who recorded it.
func (Activity) Mixin() []ent.Mixin { return ledger("ACT") }

// Fields of Activity.
func (Activity) Fields() []ent.Field {
	return []ent.Field{
		personID(),
		fileMember(),
		field.String("establishment_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.String("service_code").NotEmpty().MaxLen(20).Immutable().Annotations(entgql.OrderField("SERVICE_CODE")),
		field.Time("performed_on").Immutable().Annotations(asDate, entgql.OrderField("PERFORMED_ON")),
		field.String("month").MinLen(7).MaxLen(7).Immutable().Annotations(notInput).
			Comment("YYYY-MM of performed_on, for the monthly aggregates"),
		field.Int("minutes").Positive().Immutable(),
		field.String("professional").Default("").MaxLen(200).Immutable(),
		field.String("recorded_by").Default("").Immutable(),
	}
}

// Edges of Activity.
func (Activity) Edges() []ent.Edge {
	return []ent.Edge{
		personEdge("activities"),
		edge.To("establishment", Establishment.Type).Field("establishment_id").Unique().Required().Immutable(),
	}
}

// Indexes of Activity: the monthly aggregates of a member read the first
// one only.
func (Activity) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("member_id", "month", "service_code", "person_id", "minutes"),
		index.Fields("person_id", "performed_on"),
		index.Fields("establishment_id", "month"),
	}
}

// Annotations of Activity.
func (Activity) Annotations() []schema.Annotation {
	// A group per person would name them: persons are only counted.
	return append(moduleGraphQL("userrecord"), userRecordTable("activities"),
		Aggregated{Keys: []string{"service_code"}, Through: []string{"establishment.member_id"}, CountOnly: []string{"person_id"}})
}

// Policy of Activity.
func (Activity) Policy() ent.Policy { return fileRows("Activity") }

// JournalNote is an entry of a person's journal (transmission). Never
// edited: an amendment is a new note naming the one it amends.
type JournalNote struct{ ent.Schema }

// Mixin of JournalNote.
func (JournalNote) Mixin() []ent.Mixin { return ledger("JNL") }

// Fields of JournalNote.
func (JournalNote) Fields() []ent.Field {
	return []ent.Field{
		personID(),
		fileMember(),
		field.String("author_id").GoType(pulidID).Optional().Nillable().Immutable().Annotations(entgql.Type("ID")),
		field.String("author").Default("").Immutable(),
		sealed("body_sealed", "the text"),
		field.Enum("confidentiality").Values("TEAM", "RESTRICTED").Immutable(),
		field.String("restricted_to").Default("").Immutable().Annotations(entgql.Skip(entgql.SkipAll)).
			Comment("the care roles a RESTRICTED note is open to, as \",ROLE,ROLE,\""),
		field.String("amends_id").GoType(pulidID).Optional().Nillable().Immutable().Annotations(entgql.Type("ID")),
	}
}

// Edges of JournalNote.
func (JournalNote) Edges() []ent.Edge {
	return []ent.Edge{
		personEdge("notes"),
		edge.To("amendments", JournalNote.Type).From("amends").Field("amends_id").Unique().Immutable(),
	}
}

// Indexes of JournalNote.
func (JournalNote) Indexes() []ent.Index { return []ent.Index{index.Fields("person_id", "created_at")} }

// Annotations of JournalNote.
func (JournalNote) Annotations() []schema.Annotation {
	return append(moduleGraphQL("userrecord"), userRecordTable("notes"))
}

// Policy of JournalNote. Its fields are immutable; the platform deletes
// notes only when it erases or anonymises a file.
func (JournalNote) Policy() ent.Policy { return fileRows("JournalNote") }

// Consent is a person's consent for a purpose, given or withdrawn; the
// latest for a purpose is the one in force.
type Consent struct{ ent.Schema }

// Mixin of Consent.
func (Consent) Mixin() []ent.Mixin { return ledger("CNS") }

// Fields of Consent.
func (Consent) Fields() []ent.Field {
	return []ent.Field{
		personID(),
		fileMember(),
		field.String("purpose").NotEmpty().MaxLen(200).Immutable(),
		field.Bool("given").Immutable(),
		field.Time("recorded_on").Annotations(asDate).Immutable(),
		field.String("expressed_by").Default("").MaxLen(200).Immutable().
			Comment("the person, or the legal representative who expressed it"),
		field.String("recorded_by").Default("").Immutable(),
	}
}

// Edges of Consent.
func (Consent) Edges() []ent.Edge { return []ent.Edge{personEdge("consents")} }

// Annotations of Consent.
func (Consent) Annotations() []schema.Annotation {
	return append(moduleGraphQL("userrecord"), userRecordTable("consents"))
}

// Policy of Consent.
func (Consent) Policy() ent.Policy { return fileRows("Consent") }
