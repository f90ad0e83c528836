// Package training is the training module: the groupement's catalogue of
// courses and sessions, the enrolment of the members' staff with a waiting
// list, attendance per half-day, attendance certificates, the year's
// report, and the pre-fill of the training resource's quantity in the
// members' usage declarations.
package training

import (
	_ "embed"

	"communs/internal/extension"
	"communs/modules"
)

//go:embed policy.csv
var policy string

// Name is the module's name in COMMUNS_MODULES and @module.
const Name = "training"

// Module declares the training module: its policy, its hook (attendance
// pre-fills the usage declarations), its demo data and its printable
// pages. Its GraphQL fields are served by a Service.
func Module() *modules.Module {
	return &modules.Module{
		Name:   Name,
		Policy: []string{policy},
		Hooks:  extension.Hooks{DeclarationLines: declarationLines},
		Demo:   Demo,
		Routes: routes,
	}
}
