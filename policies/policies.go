// Package policies holds the Casbin model and policy of the API (embedded,
// reviewed like code) and the one Enforcer everything asks.
package policies

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"

	"communs/internal/viewer"
)

var (
	//go:embed model.conf
	modelText string
	//go:embed policy.csv
	policyText string
)

// Subjects that are not roles.
const (
	Anonymous     = "anonymous"
	Authenticated = "authenticated"
)

// Enforcer answers whether a viewer may run a root field of the API.
type Enforcer struct {
	casbin *casbin.SyncedCachedEnforcer
	fields map[string]bool // "operation/field" of every field some line grants
}

// New loads the builtin policy plus the lines that enabled modules add.
func New(moduleLines ...string) (*Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("casbin model: %w", err)
	}
	text := strings.Join(append([]string{policyText}, moduleLines...), "\n")
	// The policy never changes once loaded: every decision can be kept.
	e, err := casbin.NewSyncedCachedEnforcer(m, stringadapter.NewAdapter(text))
	if err != nil {
		return nil, fmt.Errorf("casbin policy: %w", err)
	}
	policy, err := e.GetPolicy()
	if err != nil {
		return nil, err
	}
	fields := map[string]bool{}
	for _, line := range policy {
		fields[line[3]+"/"+line[2]] = true
	}
	return &Enforcer{casbin: e, fields: fields}, nil
}

// Allowed reports whether v (nil for an anonymous request) may run field of
// the given operation type ("query" or "mutation").
func (e *Enforcer) Allowed(v *viewer.Viewer, operation, field string) bool {
	for _, s := range subjects(v) {
		ok, err := e.casbin.Enforce(s.name, s.domain, field, operation)
		if err == nil && ok {
			return true
		}
	}
	return false
}

// Declared reports whether any line grants field to anyone: a field with
// none is an oversight, caught by the schema-walking test.
func (e *Enforcer) Declared(operation, field string) bool {
	return e.fields[operation+"/"+field]
}

type subject struct{ name, domain string }

// subjects lists what v acts as: its roles, the categories of the members
// it has roles in, and "authenticated" (or only "anonymous").
func subjects(v *viewer.Viewer) []subject {
	if v == nil {
		return []subject{{Anonymous, viewer.GSMDomain}}
	}
	out := []subject{{Authenticated, viewer.GSMDomain}}
	for _, r := range v.Roles {
		if r.MemberID == "" {
			out = append(out, subject{r.Name, viewer.GSMDomain})
			continue
		}
		out = append(out, subject{r.Name, viewer.MemberDomain})
		if r.MemberCategory != "" {
			out = append(out, subject{strings.ToLower(r.MemberCategory), viewer.MemberDomain})
		}
	}
	return out
}
