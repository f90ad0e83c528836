package graph

import (
	"context"

	"communs/ent"
	"communs/graph/model"
	"communs/modules/userrecord"
	"communs/modules/userrecord/serafin"
)

// needLabel is the nomenclature's label of a need's code.
func needLabel(s *userrecord.Service, n *ent.NeedAssessment) (string, error) {
	code, err := s.NeedCode(n)
	if err != nil {
		return "", err
	}
	e, _ := serafin.Lookup(code)
	return e.Label, nil
}

// serafinCodes lists the nomenclature, or one kind of it.
func serafinCodes(kind *model.SerafinKind) []*serafin.Entry {
	var entries []serafin.Entry
	if kind == nil {
		for _, k := range serafin.Kinds {
			entries = append(entries, serafin.All(k)...)
		}
	} else {
		entries = serafin.All(serafin.Kind(*kind))
	}
	return pointers(entries)
}

// activityAggregate runs the activity aggregate asked through the API.
func activityAggregate(ctx context.Context, s *userrecord.Service, in model.ActivityAggregateInput) ([]*userrecord.AggregateRow, error) {
	groupBy := make([]userrecord.Dimension, len(in.GroupBy))
	for i, d := range in.GroupBy {
		groupBy[i] = userrecord.Dimension(d)
	}
	rows, err := s.Aggregate(ctx, userrecord.AggregateInput{
		MemberID: in.MemberID, From: in.From, To: in.To, GroupBy: groupBy, EstablishmentIDs: in.EstablishmentIds,
	})
	return pointers(rows), err
}
