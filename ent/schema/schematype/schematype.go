// Package schematype holds the Go types of the schema's JSON fields. They
// live apart from the schema so that the generated client can import them
// while the schema's privacy rules import the generated client.
package schematype

import "communs/ent/schema/pulid"

// ChargeBasis explains how a charge line was computed.
type ChargeBasis struct {
	AllocationKey       string     `json:"allocationKey,omitempty"`
	MemberWeight        int64      `json:"memberWeight,omitempty"`
	TotalWeight         int64      `json:"totalWeight,omitempty"`
	BaseAmount          int64      `json:"baseAmount,omitempty"`
	CostEntryIDs        []pulid.ID `json:"costEntryIds,omitempty"`
	DeclarationID       pulid.ID   `json:"declarationId,omitempty"`
	DeclarationRevision int        `json:"declarationRevision,omitempty"`
	// DefaultQuantity and DefaultRule: the member declared no quantity and
	// was weighed on this default (charging.DefaultRule).
	DefaultQuantity int64  `json:"defaultQuantity,omitempty"`
	DefaultRule     string `json:"defaultRule,omitempty"`
	Note            string `json:"note,omitempty"`
}

// DeclaredQuantity is one line of a revision snapshot.
type DeclaredQuantity struct {
	ResourceID pulid.ID `json:"resourceId"`
	Quantity   int64    `json:"quantity"`
}

// FieldChange is one field of a member's profile changed: its name in the
// API and its values before and after, as text ("" for none).
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}
