package userrecord

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"communs"
	"communs/ent"
	"communs/ent/activity"
	"communs/ent/careassignment"
	"communs/ent/person"
	"communs/ent/schema/pulid"
	"communs/ent/stay"
	"communs/internal/txn"
	"communs/internal/viewer"
	"communs/modules/userrecord/serafin"
)

// ActivityInput is a service delivered to a person.
type ActivityInput struct {
	PersonID        pulid.ID
	EstablishmentID pulid.ID
	ServiceCode     string
	PerformedOn     time.Time
	Minutes         int
	Professional    *string
}

// maxActivityBatch bounds one call: a month of a large establishment.
const maxActivityBatch = 5000

// RecordActivities records services delivered, one or a batch, all or
// none: each must be of a person staying, that day, in the establishment
// named, which the viewer is assigned to. An error names the entry.
func (s *Service) RecordActivities(ctx context.Context, in []ActivityInput) ([]*ent.Activity, error) {
	if len(in) == 0 || len(in) > maxActivityBatch {
		return nil, communs.InvalidField("input", "record 1 to %d activities at a time", maxActivityBatch)
	}
	for i, a := range in {
		if err := checkActivity(a); err != nil {
			return nil, communs.InvalidField(fmt.Sprintf("input[%d].%s", i, err.Field), "%s", err.Message)
		}
	}
	var created []*ent.Activity
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		v, err := signedIn(ctx)
		if err != nil {
			return err
		}
		persons, err := writablePersons(ctx, tx, in)
		if err != nil {
			return err
		}
		stays, err := tx.Stay.Query().Where(stay.PersonIDIn(keys(persons)...)).All(asPlatform(ctx))
		if err != nil {
			return err
		}
		assigned, err := assignedTo(ctx, tx, v.AccountID)
		if err != nil {
			return err
		}
		creates := make([]*ent.ActivityCreate, len(in))
		for i, a := range in {
			p := persons[a.PersonID]
			if !v.System && !assigned[a.EstablishmentID] {
				return communs.InvalidField(fmt.Sprintf("input[%d].establishmentId", i), "you are not assigned to establishment %s", a.EstablishmentID)
			}
			if !stayedOn(stays, a.PersonID, a.EstablishmentID, a.PerformedOn) {
				return communs.InvalidField(fmt.Sprintf("input[%d].performedOn", i), "the person did not stay in establishment %s on %s", a.EstablishmentID, a.PerformedOn.Format(time.DateOnly))
			}
			creates[i] = tx.Activity.Create().SetPersonID(p.ID).SetMemberID(p.MemberID).
				SetEstablishmentID(a.EstablishmentID).SetServiceCode(a.ServiceCode).
				SetPerformedOn(a.PerformedOn).SetMonth(a.PerformedOn.Format("2006-01")).
				SetMinutes(a.Minutes).SetProfessional(deref(a.Professional)).SetRecordedBy(v.Email)
		}
		created, err = tx.Activity.CreateBulk(creates...).Save(asPlatform(ctx))
		return err
	})
	return created, err
}

func checkActivity(a ActivityInput) *communs.Error {
	if err := validateService(a.ServiceCode); err != nil {
		return communs.InvalidField("serviceCode", "%s", err)
	}
	switch {
	case a.PerformedOn.IsZero():
		return communs.InvalidField("performedOn", "the date is required")
	case a.Minutes <= 0 || a.Minutes > 24*60:
		return communs.InvalidField("minutes", "a duration is 1 to 1440 minutes")
	}
	return nil
}

// writablePersons returns the persons of the activities, by id, if the
// viewer writes in each one's file.
func writablePersons(ctx context.Context, tx *ent.Client, in []ActivityInput) (map[pulid.ID]*ent.Person, error) {
	ids := make([]pulid.ID, 0, len(in))
	for _, a := range in {
		ids = append(ids, a.PersonID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	found, err := tx.Person.Query().Where(person.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	persons := make(map[pulid.ID]*ent.Person, len(found))
	for _, p := range found {
		persons[p.ID] = p
	}
	v, _ := signedIn(ctx)
	for i, a := range in {
		p, ok := persons[a.PersonID]
		if !ok {
			return nil, communs.InvalidField(fmt.Sprintf("input[%d].personId", i), "no person %s", a.PersonID)
		}
		if err := mayWriteIn(v, p.MemberID); err != nil {
			return nil, err
		}
		if p.AnonymizedAt != nil {
			return nil, communs.InvalidField(fmt.Sprintf("input[%d].personId", i), "the file of %s was anonymised", a.PersonID)
		}
	}
	return persons, nil
}

// assignedTo returns the establishments account is assigned to.
func assignedTo(ctx context.Context, tx *ent.Client, account pulid.ID) (map[pulid.ID]bool, error) {
	ids, err := tx.CareAssignment.Query().Where(careassignment.AccountID(account)).
		Select(careassignment.FieldEstablishmentID).Strings(asPlatform(ctx))
	set := make(map[pulid.ID]bool, len(ids))
	for _, id := range ids {
		set[pulid.ID(id)] = true
	}
	return set, err
}

// stayedOn reports whether the person stayed in the establishment on day.
func stayedOn(stays []*ent.Stay, personID, establishmentID pulid.ID, day time.Time) bool {
	return slices.ContainsFunc(stays, func(st *ent.Stay) bool {
		return st.PersonID == personID && st.EstablishmentID == establishmentID &&
			!day.Before(st.AdmittedOn) && (st.DischargedOn == nil || !day.After(*st.DischargedOn))
	})
}

func keys[V any](m map[pulid.ID]V) []pulid.ID {
	ids := make([]pulid.ID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	return ids
}

// Dimension is what the activity aggregates group by.
type Dimension string

// The dimensions of the activity aggregates.
const (
	ByServiceCode   Dimension = "SERVICE_CODE"
	ByEstablishment Dimension = "ESTABLISHMENT"
	ByMonth         Dimension = "MONTH"
	ByProfessional  Dimension = "PROFESSIONAL"
)

var dimensionColumns = map[Dimension]string{
	ByServiceCode:   activity.FieldServiceCode,
	ByEstablishment: activity.FieldEstablishmentID,
	ByMonth:         activity.FieldMonth,
	ByProfessional:  activity.FieldProfessional,
}

// AggregateInput asks for the activity of a member over months, grouped.
type AggregateInput struct {
	MemberID pulid.ID
	// From and To are months, "2026-01", both included.
	From, To string
	GroupBy  []Dimension
	// EstablishmentIDs narrows to some establishments; none means all the
	// viewer may see.
	EstablishmentIDs []pulid.ID
}

// AggregateRow is one group: the dimensions grouped by are set.
type AggregateRow struct {
	ServiceCode     *string   `json:"service_code"`
	EstablishmentID *pulid.ID `json:"establishment_id"`
	Month           *string   `json:"month"`
	Professional    *string   `json:"professional"`
	Activities      int       `json:"activities"`
	Minutes         int       `json:"minutes"`
	Persons         int       `json:"persons"`
}

// ServiceLabel is the nomenclature's label of the row's service code.
func (r AggregateRow) ServiceLabel() *string {
	if r.ServiceCode == nil {
		return nil
	}
	e, _ := serafin.Lookup(*r.ServiceCode)
	return &e.Label
}

// Aggregate counts the services delivered, their minutes and the persons
// who received them, by the dimensions asked. These are statistics, not
// files: reading them is not logged. A member's administrators count all
// of its establishments; its other people those they are assigned to.
func (s *Service) Aggregate(ctx context.Context, in AggregateInput) ([]AggregateRow, error) {
	v, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if !isMonth(in.From) || !isMonth(in.To) || in.To < in.From {
		return nil, communs.InvalidField("from", "from and to are months, YYYY-MM, from before to")
	}
	if !v.System && !slices.Contains(v.MemberIDs(), in.MemberID) {
		return nil, communs.Errorf(communs.EFORBIDDEN, "the activity of a member is for its people")
	}
	var columns []string
	for _, d := range in.GroupBy {
		column, ok := dimensionColumns[d]
		if !ok {
			return nil, communs.InvalidField("groupBy", "unknown dimension %q", d)
		}
		if !slices.Contains(columns, column) {
			columns = append(columns, column)
		}
	}
	query := s.client.Activity.Query().Where(activity.MemberID(in.MemberID), activity.MonthGTE(in.From), activity.MonthLTE(in.To))
	scope, err := aggregateScope(ctx, s.client, v, in)
	if err != nil {
		return nil, err
	}
	if scope != nil {
		query.Where(activity.EstablishmentIDIn(scope...))
	}
	measures := []ent.AggregateFunc{
		ent.As(ent.Count(), "activities"),
		ent.As(ent.Sum(activity.FieldMinutes), "minutes"),
		func(s *sql.Selector) string {
			return sql.As("COUNT(DISTINCT "+s.C(activity.FieldPersonID)+")", "persons")
		},
	}
	var rows []AggregateRow
	ctx = asPlatform(ctx)
	if len(columns) == 0 {
		err = query.Aggregate(measures...).Scan(ctx, &rows)
	} else {
		err = query.GroupBy(columns[0], columns[1:]...).Aggregate(measures...).Scan(ctx, &rows)
	}
	return rows, err
}

func isMonth(s string) bool {
	_, err := time.Parse("2006-01", s)
	return err == nil && len(s) == 7
}

// aggregateScope is the establishments whose activity v may count, nil
// for all of the member's: the ones asked for, among those v is assigned
// to unless v administers the member.
func aggregateScope(ctx context.Context, client *ent.Client, v *viewer.Viewer, in AggregateInput) ([]pulid.ID, error) {
	if v.System || slices.Contains(v.MemberIDs("member_admin"), in.MemberID) {
		if len(in.EstablishmentIDs) == 0 {
			return nil, nil
		}
		return in.EstablishmentIDs, nil
	}
	assigned, err := assignedTo(ctx, client, v.AccountID)
	if err != nil {
		return nil, err
	}
	scope := []pulid.ID{}
	for id := range assigned {
		if len(in.EstablishmentIDs) == 0 || slices.Contains(in.EstablishmentIDs, id) {
			scope = append(scope, id)
		}
	}
	return scope, nil
}
