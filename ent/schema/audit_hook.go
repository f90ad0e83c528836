package schema

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"entgo.io/ent"
	"entgo.io/ent/schema/mixin"

	gen "communs/ent"
	"communs/ent/schema/pulid"
	"communs/internal/requestid"
	"communs/internal/viewer"
)

// AuditMixin writes an AuditEvent for every create, update and delete of
// the schema it is mixed into, in the same transaction: no write path can
// forget it.
type AuditMixin struct{ mixin.Schema }

// Hooks of the AuditMixin.
func (AuditMixin) Hooks() []ent.Hook { return []ent.Hook{audit} }

// secretFields never appear in an audit summary.
var secretFields = map[string]bool{"password_hash": true, "token_hash": true, "body": true, "content": true}

// auditedMutation is what every generated mutation offers the hook.
type auditedMutation interface {
	ent.Mutation
	Client() *gen.Client
	ID() (pulid.ID, bool)
	IDs(context.Context) ([]pulid.ID, error)
}

// derivedFields are kept from other records, themselves their own record
// (a member's payment status from its calls and payments): a change of
// them alone writes no event.
var derivedFields = []string{"payment_status", "updated_at"}

func onlyDerived(m ent.Mutation) bool {
	return m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) && onlyFields(m, derivedFields)
}

func audit(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if onlyDerived(m) {
			return next.Mutate(ctx, m)
		}
		am, ok := m.(auditedMutation)
		if !ok {
			return nil, fmt.Errorf("audit: %T cannot be audited", m)
		}
		var ids []pulid.ID
		if !m.Op().Is(ent.OpCreate) {
			var err error
			// Read before the write: a delete leaves nothing to ask.
			if ids, err = am.IDs(ctx); err != nil {
				return nil, err
			}
		}
		domain := memberDomain(ctx, m)
		value, err := next.Mutate(ctx, m)
		if err != nil {
			return value, err
		}
		if id, ok := am.ID(); ok && m.Op().Is(ent.OpCreate) {
			ids = []pulid.ID{id}
		}
		if m.Type() == "Member" && domain == nil && len(ids) == 1 {
			domain = &ids[0]
		}
		return value, writeEvents(ctx, am, ids, domain)
	})
}

// writeEvents records one event per entity the mutation touched.
func writeEvents(ctx context.Context, m auditedMutation, ids []pulid.ID, domain *pulid.ID) error {
	v := viewer.FromContext(ctx)
	actor, label := (*pulid.ID)(nil), "anonymous"
	if v != nil {
		label = v.Email
		if v.AccountID != "" {
			actor = &v.AccountID
		}
	}
	summary := changeSummary(m)
	creates := make([]*gen.AuditEventCreate, len(ids))
	for i, id := range ids {
		creates[i] = m.Client().AuditEvent.Create().
			SetNillableActorID(actor).SetActorLabel(label).
			SetNillableMemberID(domain).
			SetAction(actionName(m.Op())).SetEntityType(m.Type()).SetEntityID(string(id)).
			SetSummary(summary).SetRequestID(requestid.From(ctx))
	}
	return m.Client().AuditEvent.CreateBulk(creates...).Exec(ctx)
}

// memberDomain is the member a mutation acts in: its member_id, set or
// unchanged, when the entity has one.
func memberDomain(ctx context.Context, m ent.Mutation) *pulid.ID {
	if v, ok := m.Field("member_id"); ok {
		if id, ok := v.(pulid.ID); ok {
			return &id
		}
	}
	if m.Op().Is(ent.OpUpdateOne) {
		if v, err := m.OldField(ctx, "member_id"); err == nil {
			switch id := v.(type) {
			case pulid.ID:
				return &id
			case *pulid.ID:
				return id
			}
		}
	}
	return nil
}

// changeSummary lists the fields set or cleared, secrets left out, as JSON.
func changeSummary(m ent.Mutation) string {
	if m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
		return ""
	}
	changes := map[string]any{}
	for _, name := range m.Fields() {
		// The files of persons supported: the audit summary names the
		// fields changed, not their values (administrators read it).
		if secretFields[name] || slices.Contains(userRecordTypes, m.Type()) {
			changes[name] = "(changed)"
			continue
		}
		changes[name], _ = m.Field(name)
	}
	for _, name := range m.ClearedFields() {
		changes[name] = nil
	}
	b, err := json.Marshal(changes)
	if err != nil {
		return fmt.Sprintf("%v", m.Fields())
	}
	return string(b)
}

func actionName(op ent.Op) string {
	switch {
	case op.Is(ent.OpCreate):
		return "create"
	case op.Is(ent.OpUpdate | ent.OpUpdateOne):
		return "update"
	default:
		return "delete"
	}
}
