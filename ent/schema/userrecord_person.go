package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Person is a person supported by a member's establishments (usager). The
// fields here, but the INS, are the list summary: reading them is not
// logged; everything else of the file is.
type Person struct{ ent.Schema }

// Mixin of Person.
func (Person) Mixin() []ent.Mixin { return id("PRS") }

// Fields of Person.
func (Person) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("last_name").NotEmpty().MaxLen(100).Annotations(entgql.OrderField("LAST_NAME")),
		field.String("first_names").NotEmpty().MaxLen(200),
		field.String("birth_name").Default("").MaxLen(100),
		field.Time("birth_date").Annotations(asDate, entgql.OrderField("BIRTH_DATE")),
		field.Enum("sex").Values("FEMALE", "MALE", "UNKNOWN"),
		sealed("ins_sealed", "the national health identifier (INS: NIR or NIA, and its key)"),
		field.Enum("legal_protection").
			Values("NONE", "SAFEGUARD_OF_JUSTICE", "CURATORSHIP", "ENHANCED_CURATORSHIP",
				"GUARDIANSHIP", "FAMILY_AUTHORISATION", "FUTURE_PROTECTION_MANDATE").
			Default("NONE"),
		field.Time("anonymized_at").Optional().Nillable().
			Comment("set when the retention rule or an erasure removed the identity"),
	}
}

// Edges of Person.
func (Person) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("member", Member.Type).Field("member_id").Unique().Required().Immutable(),
		edge.To("contacts", PersonContact.Type),
		edge.To("stays", Stay.Type),
		edge.To("needs", NeedAssessment.Type),
		edge.To("projects", PersonalProject.Type),
		edge.To("activities", Activity.Type),
		edge.To("notes", JournalNote.Type),
		edge.To("consents", Consent.Type),
	}
}

// Indexes of Person.
func (Person) Indexes() []ent.Index {
	return []ent.Index{index.Fields("member_id", "last_name")}
}

// Annotations of Person.
func (Person) Annotations() []schema.Annotation {
	return append(moduleGraphQL("userrecord"), userRecordTable("persons"))
}

// Policy of Person.
func (Person) Policy() ent.Policy { return fileRows("Person") }

// PersonContact is a legal representative, a relative or another contact
// of a person.
type PersonContact struct{ ent.Schema }

// Mixin of PersonContact.
func (PersonContact) Mixin() []ent.Mixin { return id("PCT") }

// Fields of PersonContact.
func (PersonContact) Fields() []ent.Field {
	return []ent.Field{
		personID(),
		fileMember(),
		field.Enum("kind").Values("LEGAL_REPRESENTATIVE", "FAMILY", "EMERGENCY", "REFERENT", "OTHER"),
		field.String("name").NotEmpty().MaxLen(200),
		field.String("relation").Default("").MaxLen(100),
		field.String("phone").Default("").MaxLen(30),
		field.String("email").Default("").MaxLen(254),
		field.String("address").Default("").MaxLen(500),
	}
}

// Edges of PersonContact.
func (PersonContact) Edges() []ent.Edge {
	return []ent.Edge{personEdge("contacts")}
}

// Annotations of PersonContact.
func (PersonContact) Annotations() []schema.Annotation {
	return append(moduleGraphQL("userrecord"), userRecordTable("contacts"))
}

// Policy of PersonContact.
func (PersonContact) Policy() ent.Policy { return fileRows("PersonContact") }

// Stay is a person's admission to an establishment of the member, until
// discharge.
type Stay struct{ ent.Schema }

// Mixin of Stay.
func (Stay) Mixin() []ent.Mixin { return id("STY") }

// Fields of Stay.
func (Stay) Fields() []ent.Field {
	return []ent.Field{
		personID(),
		fileMember(),
		field.String("establishment_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.Time("admitted_on").Annotations(asDate, entgql.OrderField("ADMITTED_ON")),
		field.Time("discharged_on").Annotations(asDate).Optional().Nillable(),
		field.Enum("reception_type").Values("RESIDENTIAL", "DAY", "TEMPORARY", "SEQUENTIAL", "HOME_BASED").
			Comment("internat, accueil de jour, accueil temporaire, séquentiel, milieu ordinaire"),
		field.String("orientation_reference").Default("").MaxLen(100).
			Comment("the CDAPH orientation decision's reference"),
		field.Time("orientation_from").Annotations(asDate).Optional().Nillable(),
		field.Time("orientation_until").Annotations(asDate).Optional().Nillable(),
	}
}

// Edges of Stay.
func (Stay) Edges() []ent.Edge {
	return []ent.Edge{
		personEdge("stays"),
		edge.To("establishment", Establishment.Type).Field("establishment_id").Unique().Required().Immutable(),
	}
}

// Indexes of Stay.
func (Stay) Indexes() []ent.Index {
	return []ent.Index{index.Fields("person_id"), index.Fields("establishment_id", "person_id")}
}

// Annotations of Stay.
func (Stay) Annotations() []schema.Annotation {
	return append(moduleGraphQL("userrecord"), userRecordTable("stays"),
		entsql.Checks(map[string]string{"stay_dates": datesInOrder("admitted_on", "discharged_on")}))
}

// Policy of Stay.
func (Stay) Policy() ent.Policy { return fileRows("Stay") }

// personEdge is the edge from a part of a file to its person.
func personEdge(ref string) ent.Edge {
	return edge.From("person", Person.Type).Ref(ref).Field("person_id").Unique().Required().Immutable()
}
