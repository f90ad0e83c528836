package schema

import (
	"context"
	"slices"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/entql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"communs/ent/privacy"
	"communs/ent/schema/pulid"
	"communs/internal/viewer"
)

// The CIL module (modules/cil) owns the schema files named cil_*.go: the
// GDPR register of processing (Art. 30), the breach register and the
// data-subject request log, of the groupement (no member) or of a member.

// cilRows are the row rules of the module's entities (see coreRows).
var cilRows = map[string]rowRule{
	"ProcessingRecord":   {gsmAll, ownMembers},
	"ProcessingRevision": {gsmAll, through("record", ownMembers)},
	// Breaches and requests name people: a member's administrators and CIL
	// referents read them, not all its people.
	"Breach":         {gsmAll, cilOfficers},
	"SubjectRequest": {gsmAll, cilOfficers},
	"CilDelegation":  {gsmAll, ownMembers},
}

// cilOfficers selects the rows of the members the viewer administers or
// is the CIL referent of.
func cilOfficers(v *viewer.Viewer) entql.P {
	return in("member_id", v.MemberIDs("member_admin", "member_cil"))
}

// registerOwner is the optional owner of a register row: a member, or the
// groupement itself when empty.
func registerOwner() ent.Field {
	return field.String("member_id").GoType(pulidID).Optional().Nillable().Immutable().
		Annotations(entgql.Type("ID")).Comment("empty: the groupement's own register")
}

// registerPolicy: the groupement's roles read every register; a member's
// people read their member's. The groupement's CIL referent keeps the
// groupement's register and, when delegated, a member's (the module's
// service checks the delegation); a member's CIL keeps its member's.
func registerPolicy(typ string) ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{allowGSM(rowRuleOf(typ).readers), restrictTo(rowRuleOf(typ).visible)},
		Mutation: privacy.MutationPolicy{
			allowGSM([]string{"gsm_cil"}),
			privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
				if !m.Op().Is(ent.OpCreate) {
					return privacy.Skip
				}
				v := viewer.FromContext(ctx)
				owner, _ := m.Field("member_id")
				id, _ := owner.(pulid.ID)
				if v != nil && id != "" && slices.Contains(v.MemberIDs("member_cil"), id) {
					return privacy.Allow
				}
				return privacy.Denyf("the register is kept by the CIL referents")
			}),
			// Changes: the rows of the members the viewer is the CIL of.
			restrictTo(func(v *viewer.Viewer) entql.P { return in("member_id", v.MemberIDs("member_cil")) }),
		},
	}
}

// withMutations adds the generated create and update inputs.
func withMutations(a []schema.Annotation) []schema.Annotation {
	return append(a, entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()))
}

// ProcessingRecord is a record of the register of processing activities.
type ProcessingRecord struct{ ent.Schema }

// Mixin of ProcessingRecord.
func (ProcessingRecord) Mixin() []ent.Mixin { return id("PRC") }

// Fields of ProcessingRecord.
func (ProcessingRecord) Fields() []ent.Field {
	return []ent.Field{
		registerOwner(),
		field.Enum("role").Values("CONTROLLER", "PROCESSOR").Immutable().
			Comment("Art. 30(1) controller record, or Art. 30(2) processor record"),
		field.String("name").NotEmpty().MaxLen(300).Annotations(entgql.OrderField("NAME")),
		field.Enum("status").Values("DRAFT", "ACTIVE", "ARCHIVED").Default("DRAFT"),
		field.Time("next_review_on").Annotations(asDate, entgql.OrderField("NEXT_REVIEW_ON")).Optional().Nillable(),
		field.Int("revision").Default(1).Annotations(notInput),
		// Art. 30(1)
		field.String("controller").Default("").Comment("name and contact details of the controller"),
		field.Strings("joint_controllers").Optional(),
		field.String("dpo_contact").Default(""),
		field.Strings("purposes").Optional(),
		field.String("legal_basis").Default("").Comment("Art. 6(1) a–f"),
		field.String("special_category_condition").Default("").Comment("Art. 9(2) condition, for special categories"),
		field.Strings("data_subjects").Optional(),
		field.Strings("data_categories").Optional(),
		field.Strings("special_categories").Optional().Comment("health data and the other Art. 9 categories"),
		field.Strings("recipients").Optional(),
		field.Strings("transfers").Optional().Comment("transfers outside the EU, each \"country, recipient: safeguard\""),
		field.Strings("retention").Optional().Comment("retention per data category, each \"category: period\""),
		field.Strings("security_measures").Optional(),
		field.Strings("data_sources").Optional(),
		field.Strings("resource_codes").Optional().Comment("catalogue resources that implement it"),
		field.Strings("modules").Optional().Comment("Communs modules that implement it"),
		// Art. 30(2)
		field.String("processor").Default(""),
		field.String("controller_member_id").GoType(pulidID).Optional().Nillable().Annotations(entgql.Type("ID"), notInput).
			Comment("the member on whose behalf the groupement processes, for a record derived from a subscription"),
		field.String("derived_from_subscription_id").GoType(pulidID).Optional().Nillable().Unique().Immutable().
			Annotations(entgql.Type("ID"), notInput).Comment("set on processor records kept in sync with a subscription"),
		field.String("processing_categories").Default("").Comment("the categories of processing carried out for the controller"),
		// DPIA screening
		field.Strings("dpia_criteria").Optional().Comment("the criteria of the nine that the processing meets"),
		field.Bool("dpia_cnil_list").Default(false).Comment("a type of processing on the CNIL's list of those requiring a DPIA"),
		field.Bool("dpia_required").Default(false).Annotations(notInput),
		field.Enum("dpia_status").Values("NOT_ASSESSED", "NOT_REQUIRED", "TO_DO", "IN_PROGRESS", "DONE").Default("NOT_ASSESSED"),
		field.String("dpia_conclusion").Default(""),
		field.String("template_code").Default("").Immutable().Annotations(notInput).
			Comment("the sector template the record was started from, if any"),
	}
}

// Edges of ProcessingRecord.
func (ProcessingRecord) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("member", Member.Type).Field("member_id").Unique().Immutable(),
		// Revisions are append-only, written by the service: no
		// generated input may add, remove or clear them.
		edge.To("revisions", ProcessingRevision.Type).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of ProcessingRecord.
func (ProcessingRecord) Indexes() []ent.Index {
	return []ent.Index{index.Fields("member_id", "status")}
}

// Annotations of ProcessingRecord.
func (ProcessingRecord) Annotations() []schema.Annotation {
	return append(withMutations(moduleGraphQL("cil")), Aggregated{})
}

// Policy of ProcessingRecord.
func (ProcessingRecord) Policy() ent.Policy { return registerPolicy("ProcessingRecord") }

// ProcessingRevision is a snapshot of a record after a change: who, when,
// what changed.
type ProcessingRevision struct{ ent.Schema }

// Mixin of ProcessingRevision.
func (ProcessingRevision) Mixin() []ent.Mixin { return ledger("PRV") }

// Fields of ProcessingRevision.
func (ProcessingRevision) Fields() []ent.Field {
	return []ent.Field{
		field.String("record_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.Int("revision").Immutable().Annotations(entgql.OrderField("REVISION")),
		field.String("author").Default("").Immutable(),
		field.Strings("changed").Optional().Immutable().Comment("the fields this revision changed"),
		field.JSON("snapshot", map[string]any{}).Immutable().Annotations(entgql.Skip()),
	}
}

// Edges of ProcessingRevision.
func (ProcessingRevision) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("record", ProcessingRecord.Type).Ref("revisions").Field("record_id").Unique().Required().Immutable(),
	}
}

// Indexes of ProcessingRevision.
func (ProcessingRevision) Indexes() []ent.Index {
	return []ent.Index{index.Fields("record_id", "revision").Unique()}
}

// Annotations of ProcessingRevision.
func (ProcessingRevision) Annotations() []schema.Annotation { return moduleGraphQL("cil") }

// Policy of ProcessingRevision.
func (ProcessingRevision) Policy() ent.Policy {
	return appendOnly(registerPolicy("ProcessingRevision"))
}

// Breach is an entry of the breach register (Art. 33(5)).
type Breach struct{ ent.Schema }

// Mixin of Breach.
func (Breach) Mixin() []ent.Mixin { return id("BRC") }

// Fields of Breach.
func (Breach) Fields() []ent.Field {
	return []ent.Field{
		registerOwner(),
		field.Time("detected_at").Annotations(entgql.OrderField("DETECTED_AT")),
		field.String("nature").NotEmpty().Comment("confidentiality, integrity or availability, and what happened"),
		field.Strings("data_categories").Optional(),
		field.Int("persons_approx").NonNegative().Default(0),
		field.Int("records_approx").NonNegative().Default(0),
		field.String("consequences").Default(""),
		field.String("measures").Default(""),
		field.Time("authority_notified_at").Optional().Nillable(),
		field.String("late_notification_reason").Default("").Comment("required when notified more than 72 hours after detection"),
		field.Bool("authority_not_notified").Default(false).Comment("unlikely to result in a risk: not notified"),
		field.Time("persons_informed_at").Optional().Nillable(),
		field.String("persons_not_informed_reason").Default(""),
		field.Strings("record_ids").Optional().Comment("the processing records concerned"),
	}
}

// Edges of Breach.
func (Breach) Edges() []ent.Edge {
	return []ent.Edge{edge.To("member", Member.Type).Field("member_id").Unique().Immutable()}
}

// Annotations of Breach.
func (Breach) Annotations() []schema.Annotation {
	return append(withMutations(moduleGraphQL("cil")), Aggregated{})
}

// Policy of Breach.
func (Breach) Policy() ent.Policy { return registerPolicy("Breach") }

// SubjectRequest is a request of a data subject exercising a right.
type SubjectRequest struct{ ent.Schema }

// Mixin of SubjectRequest.
func (SubjectRequest) Mixin() []ent.Mixin { return id("DSR") }

// Fields of SubjectRequest.
func (SubjectRequest) Fields() []ent.Field {
	return []ent.Field{
		registerOwner(),
		field.Enum("type").Values("ACCESS", "RECTIFICATION", "ERASURE", "RESTRICTION", "PORTABILITY", "OBJECTION"),
		field.String("requester").NotEmpty().MaxLen(300),
		field.Time("received_on").Annotations(asDate, entgql.OrderField("RECEIVED_ON")),
		field.Time("due_on").Annotations(asDate, entgql.OrderField("DUE_ON"), notInput),
		field.String("extension_reason").Default("").Annotations(notInput).Comment("set when the due date was extended by two months"),
		field.Enum("status").Values("RECEIVED", "IN_PROGRESS", "ANSWERED", "REFUSED").Default("RECEIVED").Annotations(notInput),
		field.Time("answered_on").Annotations(asDate, notInput).Optional().Nillable(),
		field.String("record_id").GoType(pulidID).Optional().Nillable().Annotations(entgql.Type("ID")),
		field.String("person_id").GoType(pulidID).Optional().Nillable().Annotations(entgql.Type("ID")).
			Comment("the person's file in the user record, when the request concerns one"),
		field.Enum("fulfilment").Values("ACCESS_EXPORT", "ERASURE").Optional().Nillable().Annotations(notInput).
			Comment("what was done on the person's file: the Art. 15 export or the erasure"),
		field.Time("fulfilled_at").Optional().Nillable().Annotations(notInput),
	}
}

// Edges of SubjectRequest.
func (SubjectRequest) Edges() []ent.Edge {
	return []ent.Edge{edge.To("member", Member.Type).Field("member_id").Unique().Immutable()}
}

// Annotations of SubjectRequest.
func (SubjectRequest) Annotations() []schema.Annotation {
	return append(withMutations(moduleGraphQL("cil")), Aggregated{})
}

// Policy of SubjectRequest.
func (SubjectRequest) Policy() ent.Policy { return registerPolicy("SubjectRequest") }

// CilDelegation is a member's delegation of its register to the
// groupement's CIL referent (the mutualised CIL service), revocable.
type CilDelegation struct{ ent.Schema }

// Mixin of CilDelegation.
func (CilDelegation) Mixin() []ent.Mixin { return id("DLG") }

// Fields of CilDelegation.
func (CilDelegation) Fields() []ent.Field {
	return []ent.Field{
		field.String("member_id").GoType(pulidID).Immutable().Annotations(entgql.Type("ID")),
		field.String("granted_by").Default("").Immutable(),
		field.Time("revoked_at").Optional().Nillable(),
		field.String("revoked_by").Default(""),
	}
}

// Edges of CilDelegation.
func (CilDelegation) Edges() []ent.Edge {
	return []ent.Edge{edge.To("member", Member.Type).Field("member_id").Unique().Required().Immutable()}
}

// Indexes of CilDelegation: one active delegation per member.
func (CilDelegation) Indexes() []ent.Index {
	return []ent.Index{index.Fields("member_id").Unique().Annotations(entsql.IndexWhere("revoked_at IS NULL"))}
}

// Annotations of CilDelegation.
func (CilDelegation) Annotations() []schema.Annotation { return moduleGraphQL("cil") }

// Policy of CilDelegation: written by the member's administrators, through
// the module's service.
func (CilDelegation) Policy() ent.Policy { return memberRows("CilDelegation") }
