package userrecord

import (
	"context"
	"reflect"
	"strings"

	"communs"
	"communs/ent"
	"communs/ent/activity"
	"communs/ent/predicate"
	"communs/ent/schema/pulid"
	"communs/internal/calendar"
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

// YearMeasure returns a yearly measure of the activities a member
// delivered, for the CPOM module's indicators (cmd/communs hands it over
// when both modules are on): MINUTES, HOURS, ACTIVITIES or PERSONS
// (distinct) of the service code and the codes under it (2.3.1 counts
// 2.3.1.1), in year, over all the member's establishments. The figure
// names no one; it is read as the platform, so the caller must have
// checked that the viewer may see it.
func YearMeasure(ctx context.Context, client *ent.Client, member pulid.ID, code, measure string, year int) (float64, error) {
	first, last := calendar.YearBounds(year)
	q := client.Activity.Query().Where(activity.MemberID(member),
		activity.Or(activity.ServiceCode(code), activity.ServiceCodeHasPrefix(code+".")),
		activity.PerformedOnGTE(first), activity.PerformedOnLTE(last))
	ctx = asPlatform(ctx)
	switch measure {
	case "ACTIVITIES":
		n, err := q.Count(ctx)
		return float64(n), err
	case "PERSONS":
		n, err := q.Unique(true).Select(activity.FieldPersonID).Count(ctx)
		return float64(n), err
	case "MINUTES", "HOURS":
		// A sum over no row is NULL, which Int does not read.
		if some, err := q.Clone().Exist(ctx); err != nil || !some {
			return 0, err
		}
		minutes, err := q.Aggregate(ent.Sum(activity.FieldMinutes)).Int(ctx)
		if measure == "HOURS" {
			return float64(minutes) / 60, err
		}
		return float64(minutes), err
	}
	return 0, communs.Errorf(communs.EINVALID, "no measure %q of activities", measure)
}
