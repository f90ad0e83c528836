package cpom

import (
	_ "embed"
	"net/http"

	"communs/ent"
	"communs/internal/httperror"
	"communs/internal/viewer"
	"communs/modules"
)

//go:embed policy.csv
var policy string

// Name is the module's name in COMMUNS_MODULES and @module.
const Name = "cpom"

// Module declares the CPOM module: its policy, its demo data and the
// route of the yearly review. activity, when the user record is on, feeds
// the indicators that have a source (nil: they keep recorded values).
func Module(activity ActivityMeasure) *modules.Module {
	return &modules.Module{
		Name:   Name,
		Policy: []string{policy},
		Demo:   Demo,
		Routes: func(client *ent.Client, allowed func(v *viewer.Viewer, field string) bool, errs *httperror.Writer) map[string]http.Handler {
			return map[string]http.Handler{ReviewPattern: reviewHandler(New(client, activity), allowed, errs)}
		},
	}
}
