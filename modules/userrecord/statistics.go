package userrecord

import (
	"context"
	"reflect"
	"strings"

	"communs"
	"communs/ent"
	"communs/ent/activity"
	"communs/ent/predicate"
)

// MinPersonsPerGroup is the fewest distinct persons a group of the
// groupement's activity statistics may cover: smaller groups are left out,
// as the national health data system (SNDS) masks counts under 10, so that
// no group singles out a person of a member the groupement does not serve.
const MinPersonsPerGroup = 10

// StatisticsScope says which activities the viewer may count in the
// statistics of activitiesAggregate, which name no one and are not logged:
//   - the groupement's roles: every member's (a nil predicate), in groups
//     of at least MinPersonsPerGroup persons (the second result; 0 for no
//     floor);
//   - a member's administrators: all of their member's;
//   - its other people: those of the establishments they are assigned to.
//
// A filter on persons is refused: it would turn statistics into a file.
func (s *Service) StatisticsScope(ctx context.Context, where *ent.ActivityWhereInput) (predicate.Activity, int, error) {
	v, err := signedIn(ctx)
	if err != nil {
		return nil, 0, err
	}
	if path := personFilter(reflect.ValueOf(where), "where"); path != "" {
		return nil, 0, communs.InvalidField(path, "statistics of activities name no one: count persons with countDistinct(field: PERSON), never filter on them")
	}
	for _, r := range v.Roles {
		if r.MemberID == "" {
			return nil, MinPersonsPerGroup, nil
		}
	}
	assigned, err := assignedTo(ctx, s.client, v.AccountID)
	if err != nil {
		return nil, 0, err
	}
	return activity.Or(
		activity.MemberIDIn(v.MemberIDs("member_admin")...),
		activity.EstablishmentIDIn(keys(assigned)...),
	), 0, nil
}

// personFilter returns the path of the first filter on persons in the
// where input w (a *ent.ActivityWhereInput or one nested in and, or, not),
// or "".
func personFilter(w reflect.Value, path string) string {
	if w.Kind() == reflect.Pointer {
		if w.IsNil() {
			return ""
		}
		w = w.Elem()
	}
	for i := range w.NumField() {
		name, value := w.Type().Field(i).Name, w.Field(i)
		switch {
		case value.IsZero():
		case strings.HasPrefix(name, "PersonID") || strings.HasPrefix(name, "HasPerson"):
			return path + "." + strings.ToLower(name[:1]) + name[1:]
		case name == "Not":
			if p := personFilter(value, path+".not"); p != "" {
				return p
			}
		case name == "And" || name == "Or":
			for j := range value.Len() {
				if p := personFilter(value.Index(j), path+"."+strings.ToLower(name)); p != "" {
					return p
				}
			}
		}
	}
	return ""
}
