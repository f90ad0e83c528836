package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// MaxDocumentBytes bounds a document's content in the database; the
// upload route's limit (internal/memberdocs, configurable) is at most this.
const MaxDocumentBytes = 64 << 20

// MemberDocument is a file of a member's membership: the signed
// application, the subscription convention, the statutes. Its bytes are
// kept in the row itself, so that they follow the database (backups,
// several API servers, the transaction that writes the audit event) and
// never leave it but through the download route, served as an attachment.
// A document is not changed: a new version is a new upload, and a wrong
// one is deleted, both audited.
type MemberDocument struct{ ent.Schema }

// Mixin of MemberDocument.
func (MemberDocument) Mixin() []ent.Mixin { return id("DOC") }

// Fields of MemberDocument.
func (MemberDocument) Fields() []ent.Field {
	return []ent.Field{
		memberID(),
		field.Enum("kind").Values("APPLICATION_SIGNED", "CONVENTION", "STATUTES", "OTHER").Immutable().
			Annotations(entgql.OrderField("KIND")),
		field.String("file_name").NotEmpty().MaxLen(255).Immutable().
			Comment("the name the uploader gave, without its directories"),
		field.String("content_type").NotEmpty().Immutable().Annotations(notInput).
			Comment("detected from the content, never taken from the client"),
		field.Int64("size").NonNegative().Immutable().Annotations(notInput, entgql.OrderField("SIZE")),
		field.String("sha256").MinLen(64).MaxLen(64).Immutable().Annotations(notInput),
		field.Bytes("content").MaxLen(MaxDocumentBytes).Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("uploaded_by").Default("").Immutable().Annotations(notInput).
			Comment("who uploaded it: the account's email"),
	}
}

// Edges of MemberDocument.
func (MemberDocument) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("member", Member.Type).Ref("documents").Field("member_id").
			Unique().Required().Immutable(),
	}
}

// Indexes of MemberDocument.
func (MemberDocument) Indexes() []ent.Index {
	return []ent.Index{index.Fields("member_id", "kind", "created_at")}
}

// Annotations of MemberDocument.
func (MemberDocument) Annotations() []schema.Annotation { return graphQL() }

// Policy of MemberDocument: the groupement's managers and the member's
// writers; who may upload or delete is narrowed further by the policy
// (only a member's administrators among its people).
func (MemberDocument) Policy() ent.Policy { return memberRows("MemberDocument") }
