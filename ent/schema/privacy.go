package schema

import (
	"context"
	"slices"
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/entql"
	entprivacy "entgo.io/ent/privacy"

	gen "communs/ent"
	"communs/ent/privacy"
	"communs/ent/schema/pulid"
	"communs/internal/viewer"
)

// Row isolation. Casbin (policies/) decides which root fields a viewer may
// run; these rules decide which rows any query shape returns — connections
// with any filter, node(id:), nested edges, counts — and which rows a write
// may touch. Deny by default: every rule list ends in a denial.

// Roles of the groupement that see every member's rows of a kind.
var (
	gsmManagers = []string{"gsm_admin", "gsm_staff"}
	gsmAll      = []string{"gsm_admin", "gsm_staff", "gsm_cil"}
)

// rowRule is the row isolation of an entity whose rows belong to members:
// the groupement's roles that see all its rows (readers), and the rows
// every other viewer sees (visible).
type rowRule struct {
	readers []string
	visible rowsVisible
}

// coreRows are the row rules of the core's entities. Each module lists its
// own in its schema file (directoryRows, cilRows, trainingRows); the user
// record and the CPOM, whose rules differ in kind, have fileVisibility and
// cpomRows. rowRuleOf looks in each list.
var coreRows = map[string]rowRule{
	"Member":                   {gsmAll, ownMemberItself},
	"MemberCategoryChange":     {gsmAll, ownMembers},
	"MemberProfileChange":      {gsmManagers, ownMembers},
	"Payment":                  {gsmManagers, ownMembers},
	"PaymentAllocation":        {gsmManagers, ownMembers},
	"PaymentReminder":          {gsmManagers, ownMembers},
	"MemberDocument":           {gsmManagers, ownMembers},
	"Subscription":             {gsmAll, ownMembers},
	"MembershipApplication":    {gsmManagers, through("member", ownMemberItself)},
	"Account":                  {gsmManagers, accountsVisible},
	"RoleAssignment":           {gsmManagers, assignmentsVisible},
	"UsageDeclaration":         {gsmManagers, ownMembers},
	"UsageDeclarationLine":     {gsmManagers, through("declaration", ownMembers)},
	"UsageDeclarationRevision": {gsmManagers, through("declaration", ownMembers)},
	"CostEntry":                {gsmManagers, commonOrOwnCosts},
	"ServiceRequest":           {gsmManagers, ownMembers},
	"TimeEntry":                {gsmManagers, through("service_request", ownMembers)},
	"ChargeRun":                {gsmManagers, nothing},
	"Charge":                   {gsmManagers, ownMembers},
	"ChargeTotal":              {gsmManagers, nothing}, // they sum every member's charges
	"CallForFunds":             {gsmManagers, ownMembers},
	"AuditEvent":               {[]string{"gsm_admin"}, administeredMembers},
	"Notification":             {gsmManagers, nothing}, // they may carry invitation tokens
	// Only the platform handles them (systemOnly).
	"Session":    {nil, nothing},
	"Invitation": {nil, nothing},
}

// rowRuleOf returns the row rule of the entity typ, from the core's list
// or a module's; a type without one shows no row to anyone but the
// platform.
func rowRuleOf(typ string) rowRule {
	for _, rules := range []map[string]rowRule{coreRows, directoryRows, cilRows, trainingRows} {
		if r, ok := rules[typ]; ok {
			return r
		}
	}
	return rowRule{visible: nothing}
}

// VisibleRows returns the predicate selecting the rows of the entity typ
// that v sees, or nil when v sees them all. A filter that reaches through
// an edge into typ (where: {hasSubscriptionsWith: …}) runs in SQL, past the
// privacy rules: it must be narrowed by this predicate too, or its answer
// would tell about rows v may not see.
func VisibleRows(v *viewer.Viewer, typ string) func(*sql.Selector) {
	if visible, ok := timedVisibility(typ); ok {
		switch {
		case v == nil:
			return func(s *sql.Selector) { s.Where(sql.False()) }
		case v.System:
			return nil
		}
		return visible(v, time.Now().UTC())
	}
	rule := rowRuleOf(typ)
	switch {
	case v != nil && (v.System || catalogueTypes[typ] || holdsGSMRole(v, rule.readers)):
		return nil
	case v == nil:
		return gen.SelectorPredicate(typ, nothing(v))
	}
	return gen.SelectorPredicate(typ, rule.visible(v))
}

// timedVisibility returns the row predicate of typ when it is an entity of
// the user record or of the CPOM, whose rows depend on support accesses
// running at the time of the query.
func timedVisibility(typ string) (filePredicate, bool) {
	if visible, ok := fileVisibility[typ]; ok {
		return visible, true
	}
	visible, ok := cpomRows[typ]
	return visible, ok
}

// catalogueTypes are read whole by every logged-in account.
var catalogueTypes = map[string]bool{"Resource": true, "ResourceCategory": true, "MembershipFee": true}

func holdsGSMRole(v *viewer.Viewer, roles []string) bool {
	return slices.ContainsFunc(v.Roles, func(r viewer.Role) bool {
		return r.MemberID == "" && slices.Contains(roles, r.Name)
	})
}

// rowsVisible returns the predicate selecting the rows a member-side
// viewer may see.
type rowsVisible func(v *viewer.Viewer) entql.P

// memberRows is the policy of an entity typ whose rows belong to members:
// the system and the readers of its row rule see them all; a member's
// people see and change only the rows the rule makes visible; anyone else
// nothing.
func memberRows(typ string) ent.Policy {
	rule := rowRuleOf(typ)
	visible := rule.visible
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			allowGSM(rule.readers),
			restrictTo(visible),
		},
		Mutation: privacy.MutationPolicy{
			allowGSM(gsmManagers),
			createForOwnMember(),
			restrictTo(func(v *viewer.Viewer) entql.P { return visible(v.Writer()) }),
		},
	}
}

// keptByGroupement is the policy of the member-owned rows only the
// groupement writes, such as payments: a member's people read their own.
func keptByGroupement(typ string) ent.Policy {
	rule := rowRuleOf(typ)
	return privacy.Policy{
		Query:    privacy.QueryPolicy{allowGSM(rule.readers), restrictTo(rule.visible)},
		Mutation: privacy.MutationPolicy{allowGSM(gsmManagers), privacy.AlwaysDenyRule()},
	}
}

// settlementFields are the fields of a call for funds that change after it
// is issued: its settlement, kept from the payments' allocations.
var settlementFields = []string{"paid", "payment_status", "settled_on", "updated_at"}

// settlementOnly keeps calls for funds append-only but for their
// settlement, which only the platform writes (internal/payments, after the
// groupement's staff recorded a payment).
func settlementOnly() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		switch {
		case m.Op().Is(ent.OpCreate):
			return privacy.Skip
		case m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) && onlyFields(m, settlementFields):
			if v := viewer.FromContext(ctx); v != nil && v.System {
				return privacy.Allow
			}
		}
		return privacy.Denyf("%s rows are append-only but for their settlement, which the platform keeps", m.Type())
	})
}

// onlyFields tells whether m sets or clears no field but fields.
func onlyFields(m ent.Mutation, fields []string) bool {
	other := func(f string) bool { return !slices.Contains(fields, f) }
	return !slices.ContainsFunc(m.Fields(), other) && !slices.ContainsFunc(m.ClearedFields(), other)
}

// catalogue is the policy of the shared catalogue: every logged-in account
// reads it; the groupement's managers change it.
func catalogue() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.ContextQueryMutationRule(func(ctx context.Context) error {
				if viewer.FromContext(ctx) != nil {
					return privacy.Allow
				}
				return privacy.Denyf("log in to read the catalogue")
			}),
		},
		Mutation: privacy.MutationPolicy{allowGSM(gsmManagers), privacy.AlwaysDenyRule()},
	}
}

// systemOnly is the policy of rows only the platform itself handles, such
// as sessions and invitations.
func systemOnly() ent.Policy {
	rule := privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if v := viewer.FromContext(ctx); v != nil && v.System {
			return privacy.Allow
		}
		return privacy.Denyf("reserved to the platform")
	})
	return privacy.Policy{Query: privacy.QueryPolicy{rule}, Mutation: privacy.MutationPolicy{rule}}
}

// allowGSM allows the system and viewers holding one of roles in the
// groupement's domain.
func allowGSM(roles []string) privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		v := viewer.FromContext(ctx)
		switch {
		case v == nil:
			return privacy.Denyf("log in first")
		case v.System || holdsGSMRole(v, roles):
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// restrictTo narrows a query, or an update or delete, to the rows visible
// to the viewer, and lets it run.
func restrictTo(visible rowsVisible) privacy.QueryMutationRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := viewer.FromContext(ctx)
		if v == nil {
			return privacy.Denyf("log in first")
		}
		f.Where(visible(v))
		return privacy.Allow
	})
}

// createForOwnMember lets a member's people create rows of their own
// members only.
func createForOwnMember() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		if !m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		owner, ok := m.Field("member_id")
		id, _ := owner.(pulid.ID)
		if ok && slices.Contains(viewer.FromContext(ctx).Writer().MemberIDs(), id) {
			return privacy.Allow
		}
		return privacy.Denyf("a member's people create rows of their own member only")
	})
}

// denyChanges keeps rows append-only: once written, never updated or
// deleted, by anyone.
func denyChanges() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(_ context.Context, m ent.Mutation) error {
		if m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		return privacy.Denyf("%s rows are append-only: write a new one", m.Type())
	})
}

// Predicates of the rows a member-side viewer sees.

// ownMembers selects rows whose member_id is one of the viewer's members.
func ownMembers(v *viewer.Viewer) entql.P { return in("member_id", v.MemberIDs()) }

// ownMemberItself selects the viewer's members themselves.
func ownMemberItself(v *viewer.Viewer) entql.P { return in("id", v.MemberIDs()) }

// through selects rows whose edge leads to a row that visible selects.
func through(edge string, visible rowsVisible) rowsVisible {
	return func(v *viewer.Viewer) entql.P { return entql.HasEdgeWith(edge, visible(v)) }
}

// in selects rows whose field is one of ids; with no ids, none.
func in(field string, ids []pulid.ID) entql.P {
	if len(ids) == 0 {
		return entql.FieldNil("id") // ids are never null: selects nothing
	}
	values := make([]any, len(ids))
	for i, id := range ids {
		values[i] = string(id)
	}
	return entql.FieldIn(field, values...)
}

// appendOnly refuses every update and delete before policy is consulted.
func appendOnly(policy ent.Policy) ent.Policy {
	return entprivacy.Policies{privacy.Policy{Mutation: privacy.MutationPolicy{denyChanges()}}, policy}
}

// nothing selects no row: a kind only the groupement sees.
func nothing(*viewer.Viewer) entql.P { return in("id", nil) }

// commonOrOwnCosts selects the common costs, which every member may audit,
// and the direct costs of the viewer's members.
func commonOrOwnCosts(v *viewer.Viewer) entql.P {
	return entql.Or(entql.FieldNil("member_id"), ownMembers(v))
}

// accountsVisible selects the viewer's own account and the accounts that
// hold a role in a member the viewer administers.
func accountsVisible(v *viewer.Viewer) entql.P {
	return entql.Or(
		entql.FieldEQ("id", string(v.AccountID)),
		entql.HasEdgeWith("role_assignments", in("member_id", v.MemberIDs("member_admin"))),
	)
}

// assignmentsVisible selects the viewer's own roles and the roles held in
// the members the viewer administers.
func assignmentsVisible(v *viewer.Viewer) entql.P {
	return entql.Or(entql.FieldEQ("account_id", string(v.AccountID)), administeredMembers(v))
}

// administeredMembers selects the rows of the members the viewer administers.
func administeredMembers(v *viewer.Viewer) entql.P {
	return in("member_id", v.MemberIDs("member_admin"))
}
