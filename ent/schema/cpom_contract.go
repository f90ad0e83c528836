package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"communs/internal/viewer"
)

// The CPOM module (modules/cpom) owns the schema files named cpom_*.go: a
// member's multi-annual objectives and means contracts with its funding
// authority, their objectives, action sheets, indicators, milestones and
// yearly management dialogues.
//
// A contract is the member's own business with its authority: only the
// member's people read it. The groupement's roles read nothing unless the
// member's administrator granted one of them a support access of scope
// CPOM (SupportAccess, shared with the user record); writes go through the
// module's service, which checks that the writer is the member's staff or
// administrator.

// cpomRows are the row predicates of the module's entities: every one
// carries its member_id, so one predicate serves them all.
var cpomRows = map[string]filePredicate{
	"CpomContract":      cpomVisible,
	"CpomObjective":     cpomVisible,
	"CpomAction":        cpomVisible,
	"CpomIndicator":     cpomVisible,
	"CpomIndicatorYear": cpomVisible,
	"CpomMilestone":     cpomVisible,
	"CpomDialogue":      cpomVisible,
}

// cpomVisible selects the rows of v's members, and of the members that
// granted v a CPOM support access still running at now.
func cpomVisible(v *viewer.Viewer, now time.Time) func(*sql.Selector) {
	return func(s *sql.Selector) {
		s.Where(sql.Or(
			sql.In(s.C("member_id"), anySlice(v.MemberIDs())...),
			sql.In(s.C("member_id"), supportedMembers(v, now, "CPOM")),
		))
	}
}

// cpomTable names the module's tables.
func cpomTable(name string) schema.Annotation { return entsql.Annotation{Table: "cpom_" + name} }

// cpomAnnotations are the annotations of an entity of the module.
func cpomAnnotations(table string) []schema.Annotation {
	return append(moduleGraphQL("cpom"), cpomTable(table))
}

// cpomParent declares the immutable foreign key to the row a CPOM row
// belongs to.
func cpomParent(name string) ent.Field {
	return field.String(name).GoType(pulidID).Immutable().Annotations(entgql.Type("ID"))
}

// CpomContract is a member's contract with its funding authority (ARS,
// conseil départemental…), five years at most.
type CpomContract struct{ ent.Schema }

// Mixin of CpomContract.
func (CpomContract) Mixin() []ent.Mixin { return id("CPC") }

// Fields of CpomContract.
func (CpomContract) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.String("authority").NotEmpty().MaxLen(300).Annotations(entgql.OrderField("AUTHORITY")),
		field.String("title").NotEmpty().MaxLen(300),
		field.Time("starts_on").Annotations(asDate, entgql.OrderField("STARTS_ON")),
		field.Time("ends_on").Annotations(asDate, entgql.OrderField("ENDS_ON")),
		// Ids rather than an edge: an establishment may be under several
		// contracts over time, and the directory's schema stays untouched.
		field.Strings("establishment_ids").Optional().Annotations(entgql.Skip(entgql.SkipAll)).
			Comment("the establishments it covers, when the directory module is on"),
	}
}

// Edges of CpomContract.
func (CpomContract) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("member", Member.Type).Field("member_id").Unique().Required().Immutable(),
		edge.To("objectives", CpomObjective.Type),
		edge.To("milestones", CpomMilestone.Type),
		edge.To("dialogues", CpomDialogue.Type),
	}
}

// Indexes of CpomContract.
func (CpomContract) Indexes() []ent.Index { return []ent.Index{index.Fields("member_id")} }

// Annotations of CpomContract.
func (CpomContract) Annotations() []schema.Annotation {
	return append(cpomAnnotations("contracts"), entsql.Checks(map[string]string{
		"cpom_contract_ends_after_start": datesInOrder("starts_on", "ends_on"),
	}))
}

// Policy of CpomContract.
func (CpomContract) Policy() ent.Policy { return platformWrites(cpomRows["CpomContract"]) }

// CpomObjective is one of a contract's objectives.
type CpomObjective struct{ ent.Schema }

// Mixin of CpomObjective.
func (CpomObjective) Mixin() []ent.Mixin { return id("CPO") }

// Fields of CpomObjective.
func (CpomObjective) Fields() []ent.Field {
	return []ent.Field{
		fileMember(),
		cpomParent("contract_id"),
		field.String("code").NotEmpty().MaxLen(20).Annotations(entgql.OrderField("CODE")).Comment("e.g. 1.2"),
		field.String("title").NotEmpty().MaxLen(300),
		field.String("description").Default("").MaxLen(4000),
	}
}

// Edges of CpomObjective.
func (CpomObjective) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("contract", CpomContract.Type).Ref("objectives").Field("contract_id").Unique().Required().Immutable(),
		edge.To("actions", CpomAction.Type),
		edge.To("indicators", CpomIndicator.Type),
	}
}

// Indexes of CpomObjective.
func (CpomObjective) Indexes() []ent.Index {
	return []ent.Index{index.Fields("contract_id", "code").Unique(), index.Fields("member_id")}
}

// Annotations of CpomObjective.
func (CpomObjective) Annotations() []schema.Annotation { return cpomAnnotations("objectives") }

// Policy of CpomObjective.
func (CpomObjective) Policy() ent.Policy { return platformWrites(cpomRows["CpomObjective"]) }

// CpomAction is an action sheet of an objective: who carries it, by when.
type CpomAction struct{ ent.Schema }

// Mixin of CpomAction.
func (CpomAction) Mixin() []ent.Mixin { return id("CPA") }

// Fields of CpomAction.
func (CpomAction) Fields() []ent.Field {
	return []ent.Field{
		fileMember(),
		cpomParent("objective_id"),
		field.String("title").NotEmpty().MaxLen(300),
		field.String("owner").NotEmpty().MaxLen(200).Comment("the person or function who carries it"),
		field.Time("due_on").Annotations(asDate, entgql.OrderField("DUE_ON")),
		field.Enum("status").Values("PLANNED", "IN_PROGRESS", "DONE", "CANCELLED").Default("PLANNED"),
		field.Time("done_on").Annotations(asDate).Optional().Nillable(),
	}
}

// Edges of CpomAction.
func (CpomAction) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("objective", CpomObjective.Type).Ref("actions").Field("objective_id").Unique().Required().Immutable(),
	}
}

// Indexes of CpomAction.
func (CpomAction) Indexes() []ent.Index {
	return []ent.Index{index.Fields("objective_id"), index.Fields("member_id", "due_on")}
}

// Annotations of CpomAction.
func (CpomAction) Annotations() []schema.Annotation { return cpomAnnotations("actions") }

// Policy of CpomAction.
func (CpomAction) Policy() ent.Policy { return platformWrites(cpomRows["CpomAction"]) }

// CpomIndicator measures an objective: a unit, a baseline, yearly targets
// and values. With a source (a SERAFIN-PH service code and a measure), its
// values come from the user record's activities when that module is on.
type CpomIndicator struct{ ent.Schema }

// Mixin of CpomIndicator.
func (CpomIndicator) Mixin() []ent.Mixin { return id("CPI") }

// Fields of CpomIndicator.
func (CpomIndicator) Fields() []ent.Field {
	return []ent.Field{
		fileMember(),
		cpomParent("objective_id"),
		field.String("name").NotEmpty().MaxLen(300).Annotations(entgql.OrderField("NAME")),
		field.String("unit").NotEmpty().MaxLen(60),
		field.Float("baseline"),
		field.Enum("direction").Values("INCREASE", "DECREASE").Default("INCREASE").
			Comment("whether a value at or above (INCREASE) or at or below (DECREASE) the target meets it"),
		field.String("source_code").Optional().Nillable().MaxLen(20).
			Comment("SERAFIN-PH service code (2.x, 3.x) whose activities feed it"),
		field.Enum("source_measure").Values("MINUTES", "HOURS", "ACTIVITIES", "PERSONS").Optional().Nillable(),
	}
}

// Edges of CpomIndicator.
func (CpomIndicator) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("objective", CpomObjective.Type).Ref("indicators").Field("objective_id").Unique().Required().Immutable(),
		edge.To("years", CpomIndicatorYear.Type),
	}
}

// Indexes of CpomIndicator.
func (CpomIndicator) Indexes() []ent.Index {
	return []ent.Index{index.Fields("objective_id"), index.Fields("member_id")}
}

// Annotations of CpomIndicator.
func (CpomIndicator) Annotations() []schema.Annotation { return cpomAnnotations("indicators") }

// Policy of CpomIndicator.
func (CpomIndicator) Policy() ent.Policy { return platformWrites(cpomRows["CpomIndicator"]) }

// CpomIndicatorYear is an indicator's target and recorded value for a year.
type CpomIndicatorYear struct{ ent.Schema }

// Mixin of CpomIndicatorYear.
func (CpomIndicatorYear) Mixin() []ent.Mixin { return id("CPY") }

// Fields of CpomIndicatorYear.
func (CpomIndicatorYear) Fields() []ent.Field {
	return []ent.Field{
		fileMember(),
		cpomParent("indicator_id"),
		field.Int("year").Range(2000, 2100).Immutable().Annotations(entgql.OrderField("YEAR")),
		field.Float("target").Optional().Nillable(),
		field.Float("value").Optional().Nillable().Comment("recorded by the member"),
	}
}

// Edges of CpomIndicatorYear.
func (CpomIndicatorYear) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("indicator", CpomIndicator.Type).Ref("years").Field("indicator_id").Unique().Required().Immutable(),
	}
}

// Indexes of CpomIndicatorYear.
func (CpomIndicatorYear) Indexes() []ent.Index {
	return []ent.Index{index.Fields("indicator_id", "year").Unique(), index.Fields("member_id")}
}

// Annotations of CpomIndicatorYear.
func (CpomIndicatorYear) Annotations() []schema.Annotation { return cpomAnnotations("indicator_years") }

// Policy of CpomIndicatorYear.
func (CpomIndicatorYear) Policy() ent.Policy { return platformWrites(cpomRows["CpomIndicatorYear"]) }

// CpomMilestone is a dated step of a contract (mid-term review, report…).
type CpomMilestone struct{ ent.Schema }

// Mixin of CpomMilestone.
func (CpomMilestone) Mixin() []ent.Mixin { return id("CPM") }

// Fields of CpomMilestone.
func (CpomMilestone) Fields() []ent.Field {
	return []ent.Field{
		fileMember(),
		cpomParent("contract_id"),
		field.String("title").NotEmpty().MaxLen(300),
		field.Time("due_on").Annotations(asDate, entgql.OrderField("DUE_ON")),
		field.Time("reached_on").Annotations(asDate).Optional().Nillable(),
	}
}

// Edges of CpomMilestone.
func (CpomMilestone) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("contract", CpomContract.Type).Ref("milestones").Field("contract_id").Unique().Required().Immutable(),
	}
}

// Indexes of CpomMilestone.
func (CpomMilestone) Indexes() []ent.Index {
	return []ent.Index{index.Fields("contract_id"), index.Fields("member_id")}
}

// Annotations of CpomMilestone.
func (CpomMilestone) Annotations() []schema.Annotation { return cpomAnnotations("milestones") }

// Policy of CpomMilestone.
func (CpomMilestone) Policy() ent.Policy { return platformWrites(cpomRows["CpomMilestone"]) }

// CpomDialogue is the record of a yearly management dialogue with the
// authority. Never changed: a correction is a new record of the same
// year, and the records of a contract are its history.
type CpomDialogue struct{ ent.Schema }

// Mixin of CpomDialogue.
func (CpomDialogue) Mixin() []ent.Mixin { return ledger("CPD") }

// Fields of CpomDialogue.
func (CpomDialogue) Fields() []ent.Field {
	return []ent.Field{
		fileMember(),
		cpomParent("contract_id"),
		field.Int("year").Range(2000, 2100).Immutable().Annotations(entgql.OrderField("YEAR")),
		field.Time("held_on").Immutable().Annotations(asDate, entgql.OrderField("HELD_ON")),
		field.Strings("participants").Immutable(),
		field.Text("decisions").MaxLen(20000).Immutable(),
		field.String("recorded_by").Default("").Immutable(),
	}
}

// Edges of CpomDialogue.
func (CpomDialogue) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("contract", CpomContract.Type).Ref("dialogues").Field("contract_id").Unique().Required().Immutable(),
	}
}

// Indexes of CpomDialogue.
func (CpomDialogue) Indexes() []ent.Index {
	return []ent.Index{index.Fields("contract_id", "year"), index.Fields("member_id")}
}

// Annotations of CpomDialogue.
func (CpomDialogue) Annotations() []schema.Annotation { return cpomAnnotations("dialogues") }

// Policy of CpomDialogue.
func (CpomDialogue) Policy() ent.Policy { return appendOnly(platformWrites(cpomRows["CpomDialogue"])) }
