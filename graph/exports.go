package graph

import (
	"communs/ent/schema/pulid"
	"communs/internal/callforfunds"
)

// vatMention is printed on every call for funds.
const vatMention = callforfunds.VATMention

func callForFundsExportPath(id pulid.ID) string { return callforfunds.ExportPath(id) }
