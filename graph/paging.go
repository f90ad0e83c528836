package graph

import (
	"communs"
	"communs/ent/schema/pulid"
)

// maxPageSize caps first/last, and the ids of nodes(ids:): a client pages
// through larger sets with cursors.
const maxPageSize = 100

// checkPage refuses pages larger than maxPageSize and unbounded requests.
func checkPage(first, last *int) error {
	switch {
	case first == nil && last == nil:
		return communs.InvalidField("first", "give first or last (at most %d)", maxPageSize)
	case first != nil && (*first < 0 || *first > maxPageSize):
		return communs.InvalidField("first", "must lie between 0 and %d", maxPageSize)
	case last != nil && (*last < 0 || *last > maxPageSize):
		return communs.InvalidField("last", "must lie between 0 and %d", maxPageSize)
	}
	return nil
}

// checkIDs refuses a nodes(ids:) call for more than a page of ids.
func checkIDs(ids []pulid.ID) error {
	if len(ids) > maxPageSize {
		return communs.InvalidField("ids", "at most %d ids at once", maxPageSize)
	}
	return nil
}
