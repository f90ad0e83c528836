package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/entql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"communs/internal/viewer"
)

// The training module (modules/training) owns the schema files named
// training_*.go: the groupement's catalogue of courses and their sessions,
// and each member's trainees, enrolments and attendance.

// trainingRows are the row rules of the module's entities (see coreRows).
// Courses and sessions are the groupement's catalogue, read by everyone
// logged in; trainees, enrolments and attendance belong to a member.
var trainingRows = map[string]rowRule{
	"TrainingCourse":     {gsmAll, everyRow},
	"TrainingSession":    {gsmAll, everyRow},
	"Trainee":            {gsmManagers, ownMembers},
	"TrainingEnrolment":  {gsmManagers, ownMembers},
	"TrainingAttendance": {gsmManagers, ownMembers},
}

// everyRow selects every row: a catalogue every logged-in viewer reads.
func everyRow(*viewer.Viewer) entql.P { return entql.FieldNotNil("id") }

// TrainingCourse is a course of the groupement's training catalogue.
type TrainingCourse struct{ ent.Schema }

// Mixin of TrainingCourse.
func (TrainingCourse) Mixin() []ent.Mixin { return id("TRC") }

// Fields of TrainingCourse.
func (TrainingCourse) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").NotEmpty().MaxLen(300).Annotations(entgql.OrderField("TITLE")),
		field.Text("objectives").Default("").MaxLen(5000),
		field.Float("duration_hours").Positive().Comment("the course's length in hours"),
		field.Enum("modality").Values("ON_SITE", "REMOTE", "E_LEARNING"),
		field.String("audience").Default("").MaxLen(1000),
		field.String("price_basis").Default("").MaxLen(300).
			Comment("how the course is charged: per participant, per session…"),
		field.Bool("active").Default(true),
	}
}

// Edges of TrainingCourse.
func (TrainingCourse) Edges() []ent.Edge {
	return []ent.Edge{edge.To("sessions", TrainingSession.Type)}
}

// Annotations of TrainingCourse.
func (TrainingCourse) Annotations() []schema.Annotation { return moduleGraphQL("training") }

// Policy of TrainingCourse.
func (TrainingCourse) Policy() ent.Policy { return catalogue() }

// TrainingSession is a session of a course: dates, place, trainer and
// capacity.
type TrainingSession struct{ ent.Schema }

// Mixin of TrainingSession.
func (TrainingSession) Mixin() []ent.Mixin { return id("TRS") }

// Fields of TrainingSession.
func (TrainingSession) Fields() []ent.Field {
	return []ent.Field{
		field.String("course_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.Time("starts_on").Annotations(asDate, entgql.OrderField("STARTS_ON")),
		field.Time("ends_on").Annotations(asDate),
		field.String("place").Default("").MaxLen(300),
		field.String("trainer").Default("").MaxLen(200),
		field.Int("capacity").Positive(),
		field.Enum("status").Values("SCHEDULED", "CANCELLED").Default("SCHEDULED"),
	}
}

// Edges of TrainingSession.
func (TrainingSession) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("course", TrainingCourse.Type).Ref("sessions").Field("course_id").Unique().Required().Immutable(),
	}
}

// Indexes of TrainingSession.
func (TrainingSession) Indexes() []ent.Index {
	return []ent.Index{index.Fields("course_id"), index.Fields("starts_on")}
}

// Annotations of TrainingSession.
func (TrainingSession) Annotations() []schema.Annotation { return moduleGraphQL("training") }

// Policy of TrainingSession.
func (TrainingSession) Policy() ent.Policy { return catalogue() }

// Trainee is a member's staff member who takes courses.
type Trainee struct{ ent.Schema }

// Mixin of Trainee.
func (Trainee) Mixin() []ent.Mixin { return id("TRN") }

// Fields of Trainee.
func (Trainee) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("last_name").NotEmpty().MaxLen(200).Annotations(entgql.OrderField("LAST_NAME")),
		field.String("first_names").NotEmpty().MaxLen(200),
		field.String("job").Default("").MaxLen(200),
		field.String("establishment_id").GoType(pulidID).Optional().Nillable().Annotations(entgql.Type("ID")).
			Comment("the trainee's establishment in the directory, when that module is on"),
	}
}

// Edges of Trainee.
func (Trainee) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("member", Member.Type).Field("member_id").Unique().Required().Immutable(),
		edge.To("establishment", Establishment.Type).Field("establishment_id").Unique(),
	}
}

// Indexes of Trainee.
func (Trainee) Indexes() []ent.Index { return []ent.Index{index.Fields("member_id", "last_name")} }

// Annotations of Trainee.
func (Trainee) Annotations() []schema.Annotation { return moduleGraphQL("training") }

// Policy of Trainee.
func (Trainee) Policy() ent.Policy { return memberRows("Trainee") }

// TrainingEnrolment is a trainee's place in a session, or on its waiting
// list; cancelled, it frees the place for the first on the list.
type TrainingEnrolment struct{ ent.Schema }

// Mixin of TrainingEnrolment.
func (TrainingEnrolment) Mixin() []ent.Mixin { return id("ENR") }

// Fields of TrainingEnrolment.
func (TrainingEnrolment) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("session_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.String("trainee_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.Enum("status").Values("ENROLLED", "WAITLISTED", "CANCELLED"),
		field.Time("cancelled_at").Optional().Nillable(),
	}
}

// Edges of TrainingEnrolment.
func (TrainingEnrolment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("member", Member.Type).Field("member_id").Unique().Required().Immutable(),
		edge.To("session", TrainingSession.Type).Field("session_id").Unique().Required().Immutable(),
		edge.To("trainee", Trainee.Type).Field("trainee_id").Unique().Required().Immutable(),
		edge.To("attendance", TrainingAttendance.Type),
	}
}

// Indexes of TrainingEnrolment.
func (TrainingEnrolment) Indexes() []ent.Index {
	return []ent.Index{index.Fields("session_id", "status"), index.Fields("member_id"), index.Fields("trainee_id")}
}

// Annotations of TrainingEnrolment.
func (TrainingEnrolment) Annotations() []schema.Annotation {
	return append(moduleGraphQL("training"), Aggregated{})
}

// Policy of TrainingEnrolment.
func (TrainingEnrolment) Policy() ent.Policy { return memberRows("TrainingEnrolment") }

// TrainingAttendance is a trainee's presence at one half-day of a session.
// It repeats the member, trainee, course and year of its enrolment so that
// hours group by any of them in one GROUP BY.
type TrainingAttendance struct{ ent.Schema }

// Mixin of TrainingAttendance.
func (TrainingAttendance) Mixin() []ent.Mixin { return id("TAT") }

// Fields of TrainingAttendance.
func (TrainingAttendance) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("enrolment_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.String("trainee_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.String("course_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.Time("day").Annotations(asDate).Immutable(),
		field.Enum("half_day").Values("MORNING", "AFTERNOON").Immutable(),
		field.Int("year").Immutable().Comment("the year of day, for the yearly figures"),
		field.Float("hours").Positive(),
	}
}

// Edges of TrainingAttendance.
func (TrainingAttendance) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("member", Member.Type).Field("member_id").Unique().Required().Immutable(),
		edge.From("enrolment", TrainingEnrolment.Type).Ref("attendance").Field("enrolment_id").Unique().Required().Immutable(),
		edge.To("trainee", Trainee.Type).Field("trainee_id").Unique().Required().Immutable(),
		edge.To("course", TrainingCourse.Type).Field("course_id").Unique().Required().Immutable(),
	}
}

// Indexes of TrainingAttendance.
func (TrainingAttendance) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("enrolment_id", "day", "half_day").Unique(),
		index.Fields("member_id", "year"),
		index.Fields("year", "course_id"),
	}
}

// Annotations of TrainingAttendance.
func (TrainingAttendance) Annotations() []schema.Annotation {
	return append(moduleGraphQL("training"), Aggregated{Keys: []string{"year"}})
}

// Policy of TrainingAttendance.
func (TrainingAttendance) Policy() ent.Policy { return memberRows("TrainingAttendance") }
