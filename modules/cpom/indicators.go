package cpom

import (
	"context"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/cpomaction"
	"communs/ent/cpomindicator"
	"communs/ent/cpomindicatoryear"
	"communs/ent/cpommilestone"
	"communs/ent/schema/pulid"
)

// CpomIndicatorInput adds an indicator to an objective.
type CpomIndicatorInput struct {
	ObjectiveID   pulid.ID
	Name          string
	Unit          string
	Baseline      float64
	Direction     *cpomindicator.Direction
	SourceCode    *string
	SourceMeasure *cpomindicator.SourceMeasure
}

// AddIndicator adds an indicator to an objective. A source is a service
// code and a measure, both or neither.
func (s *Service) AddIndicator(ctx context.Context, in CpomIndicatorInput) (*ent.CpomIndicator, error) {
	if (in.SourceCode == nil) != (in.SourceMeasure == nil) {
		return nil, communs.InvalidField("sourceMeasure", "an indicator's source is a service code and a measure, both or neither")
	}
	if in.SourceCode != nil && !serviceCode(*in.SourceCode) {
		return nil, communs.InvalidField("sourceCode", "a SERAFIN-PH service code starts with 2. or 3.")
	}
	return write(ctx, s.client, func(ctx context.Context, tx *ent.Client) (*ent.CpomIndicator, error) {
		o, err := objective(ctx, tx, in.ObjectiveID)
		if err != nil {
			return nil, err
		}
		return tx.CpomIndicator.Create().SetMemberID(o.MemberID).SetObjectiveID(o.ID).
			SetName(strings.TrimSpace(in.Name)).SetUnit(strings.TrimSpace(in.Unit)).SetBaseline(in.Baseline).
			SetNillableDirection(in.Direction).SetNillableSourceCode(in.SourceCode).
			SetNillableSourceMeasure(in.SourceMeasure).Save(asPlatform(ctx))
	})
}

func serviceCode(code string) bool {
	return strings.HasPrefix(code, "2.") || strings.HasPrefix(code, "3.")
}

// CpomIndicatorYearInput sets an indicator's target and value for a year.
type CpomIndicatorYearInput struct {
	IndicatorID pulid.ID
	Year        int
	Target      *float64
	Value       *float64
}

// SetIndicatorYear sets an indicator's target and recorded value for a
// year of its contract, creating the year's row the first time.
func (s *Service) SetIndicatorYear(ctx context.Context, in CpomIndicatorYearInput) (*ent.CpomIndicatorYear, error) {
	return write(ctx, s.client, func(ctx context.Context, tx *ent.Client) (*ent.CpomIndicatorYear, error) {
		i, err := tx.CpomIndicator.Query().Where(cpomindicator.ID(in.IndicatorID)).
			WithObjective(func(q *ent.CpomObjectiveQuery) { q.WithContract() }).Only(ctx)
		if err != nil {
			return nil, notFound(err, "indicator", in.IndicatorID)
		}
		if _, err := writer(ctx, i.MemberID); err != nil {
			return nil, err
		}
		c := i.Edges.Objective.Edges.Contract
		if err := withinTerm(c, in.Year); err != nil {
			return nil, err
		}
		existing, err := tx.CpomIndicatorYear.Query().
			Where(cpomindicatoryear.IndicatorID(i.ID), cpomindicatoryear.Year(in.Year)).Only(ctx)
		switch {
		case ent.IsNotFound(err):
			return tx.CpomIndicatorYear.Create().SetMemberID(i.MemberID).SetIndicatorID(i.ID).SetYear(in.Year).
				SetNillableTarget(in.Target).SetNillableValue(in.Value).Save(asPlatform(ctx))
		case err != nil:
			return nil, err
		}
		update := tx.CpomIndicatorYear.UpdateOne(existing)
		if in.Target != nil {
			update.SetTarget(*in.Target)
		} else {
			update.ClearTarget()
		}
		if in.Value != nil {
			update.SetValue(*in.Value)
		} else {
			update.ClearValue()
		}
		return update.Save(asPlatform(ctx))
	})
}

// Fed tells whether i's values come from the user record: it has a source
// and that module is on.
func (s *Service) Fed(i *ent.CpomIndicator) bool {
	return s.activity != nil && i.SourceCode != nil && i.SourceMeasure != nil
}

// ValueFor is i's value for year: measured in the user record's
// activities when fed, else as recorded (nil when nothing was). The
// measure counts every activity of the member, whoever asks: the row rules
// let the viewer read the indicator, and the figure names no one.
func (s *Service) ValueFor(ctx context.Context, i *ent.CpomIndicator, year int) (*float64, error) {
	if s.Fed(i) {
		v, err := s.activity(asPlatform(ctx), s.client, i.MemberID, *i.SourceCode, string(*i.SourceMeasure), year)
		return &v, err
	}
	y, err := s.client.CpomIndicatorYear.Query().
		Where(cpomindicatoryear.IndicatorID(i.ID), cpomindicatoryear.Year(year)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return y.Value, nil
}

// CpomTodo is what needs attention in a member's CPOM.
type CpomTodo struct {
	LateActions         []*ent.CpomAction
	LateMilestones      []*ent.CpomMilestone
	OffTargetIndicators []*CpomIndicatorGap
}

// CpomIndicatorGap is an indicator whose value of a year misses its target.
type CpomIndicatorGap struct {
	Indicator *ent.CpomIndicator
	Year      int
	Target    float64
	Value     *float64
}

// Todo lists, on the day on (today in Paris by default), the member's
// actions past their deadline and neither done nor cancelled, milestones
// past their date and not reached, and indicators whose value of a year
// over before on's misses its target (a year under way is not judged: a
// value fed by the activities grows all year). It reads what the viewer
// sees.
func (s *Service) Todo(ctx context.Context, member pulid.ID, on *time.Time) (*CpomTodo, error) {
	day := s.dayOr(on)
	actions, err := s.client.CpomAction.Query().Where(cpomaction.MemberID(member), cpomaction.DueOnLT(day),
		cpomaction.StatusIn(cpomaction.StatusPLANNED, cpomaction.StatusIN_PROGRESS)).
		Order(ent.Asc(cpomaction.FieldDueOn)).All(ctx)
	if err != nil {
		return nil, err
	}
	milestones, err := s.client.CpomMilestone.Query().Where(cpommilestone.MemberID(member),
		cpommilestone.DueOnLT(day), cpommilestone.ReachedOnIsNil()).
		Order(ent.Asc(cpommilestone.FieldDueOn)).All(ctx)
	if err != nil {
		return nil, err
	}
	gaps, err := s.offTarget(ctx, member, day.Year()-1)
	if err != nil {
		return nil, err
	}
	return &CpomTodo{LateActions: actions, LateMilestones: milestones, OffTargetIndicators: gaps}, nil
}

// offTarget returns the member's indicators whose value of a year up to
// last misses the year's target; a past year without a value misses it.
func (s *Service) offTarget(ctx context.Context, member pulid.ID, last int) ([]*CpomIndicatorGap, error) {
	years, err := s.client.CpomIndicatorYear.Query().Where(cpomindicatoryear.MemberID(member),
		cpomindicatoryear.YearLTE(last), cpomindicatoryear.TargetNotNil()).WithIndicator().
		Order(ent.Asc(cpomindicatoryear.FieldYear)).All(ctx)
	if err != nil {
		return nil, err
	}
	var gaps []*CpomIndicatorGap
	for _, y := range years {
		value, err := s.yearValue(ctx, y)
		if err != nil {
			return nil, err
		}
		if !meets(y.Edges.Indicator.Direction, *y.Target, value) {
			gaps = append(gaps, &CpomIndicatorGap{Indicator: y.Edges.Indicator, Year: y.Year, Target: *y.Target, Value: value})
		}
	}
	return gaps, nil
}

// yearValue is the value of the indicator of y for its year.
func (s *Service) yearValue(ctx context.Context, y *ent.CpomIndicatorYear) (*float64, error) {
	if s.Fed(y.Edges.Indicator) {
		return s.ValueFor(ctx, y.Edges.Indicator, y.Year)
	}
	return y.Value, nil
}

// meets tells whether value meets target in direction; no value does not.
func meets(direction cpomindicator.Direction, target float64, value *float64) bool {
	switch {
	case value == nil:
		return false
	case direction == cpomindicator.DirectionDECREASE:
		return *value <= target
	}
	return *value >= target
}
