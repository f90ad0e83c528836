package cil

import (
	"communs/ent"
	"communs/ent/processingrecord"
)

// A record of the register is complete when it says what Art. 30 asks of
// its kind. A list left empty says nothing: "none" is written as an
// entry ("aucun transfert hors UE"), so that the register shows it was
// considered.
var (
	// controllerFields are what Art. 30(1) asks of a controller's record.
	controllerFields = []string{"controller", "purposes", "legal_basis", "data_subjects", "data_categories",
		"recipients", "transfers", "retention", "security_measures"}
	// processorFields are what Art. 30(2) asks of a processor's record.
	processorFields = []string{"processor", "controller", "processing_categories", "transfers", "security_measures"}
)

// MissingFields lists, in the schema's field names, what an unarchived
// record still lacks; an archived record lacks nothing.
func MissingFields(r *ent.ProcessingRecord) []string {
	if r.Status == processingrecord.StatusARCHIVED {
		return nil
	}
	required := controllerFields
	if r.Role == processingrecord.RolePROCESSOR {
		required = processorFields
	}
	values := snapshot(r)
	var missing []string
	for _, f := range required {
		if empty(values[f]) {
			missing = append(missing, f)
		}
	}
	if r.Role == processingrecord.RoleCONTROLLER && len(r.SpecialCategories) > 0 && r.SpecialCategoryCondition == "" {
		missing = append(missing, "special_category_condition")
	}
	return missing
}

// empty tells whether a snapshot's value says nothing.
func empty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	}
	return false
}
