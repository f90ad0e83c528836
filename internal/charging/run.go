package charging

import (
	"context"
	"fmt"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/charge"
	"communs/ent/chargerun"
	"communs/ent/costentry"
	"communs/ent/schema/pulid"
	"communs/internal/calendar"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// Step is a step of the charge cycle.
type Step string

// The steps of the cost-price cycle.
const (
	StepQ1       Step = "Q1"
	StepQ2       Step = "Q2"
	StepQ3       Step = "Q3"
	StepYearEnd  Step = "YEAR_END"
	StepServices Step = "SERVICES"
	StepFees     Step = "FEES"
)

// quarter returns 1, 2 or 3 for a provision step and 0 for anything else.
func (s Step) quarter() int {
	switch s {
	case StepQ1:
		return 1
	case StepQ2:
		return 2
	case StepQ3:
		return 3
	}
	return 0
}

// RunResult is what one execution of a step did.
type RunResult struct {
	Run *ent.ChargeRun
	// Created is the number of charge lines added by this execution,
	// AlreadyThere the number of lines the step computed that the ledger
	// already held (an earlier execution wrote them).
	Created, AlreadyThere int
	// Total is the sum of the lines added by this execution.
	Total int64
	// CallsForFunds are the calls issued for the lines added, one per
	// member.
	CallsForFunds []*ent.CallForFunds
	// Unallocated lists the amounts nobody could be charged for.
	Unallocated []Unallocated
	// MissingDeclarations lists the PRO_RATA subscribers without a
	// VALIDATED or LOCKED declaration of the year (or without a line for
	// the resource in it), charged on a default quantity until they declare.
	MissingDeclarations []MissingDeclaration
	// Unbilled lists time not billed: supplementary services' time before
	// the member's agreement.
	Unbilled []Unbilled
	// Overruns lists the services billed only up to their ceiling: their
	// time went past the estimate by more than the tolerance.
	Overruns []Overrun
}

// Unallocated is an amount of a resource that no member was charged.
type Unallocated struct {
	ResourceID   pulid.ID
	ResourceName string
	Basis        costentry.Basis
	Amount       int64
	Reason       string
}

// MissingDeclaration is a PRO_RATA subscriber without a declared
// quantity, and the default quantity it was weighed on (see
// defaultQuantities).
type MissingDeclaration struct {
	MemberID        pulid.ID
	MemberName      string
	ResourceID      pulid.ID
	ResourceName    string
	Reason          string
	DefaultQuantity int64
	DefaultRule     DefaultRule
}

// DefaultRule says where a missing declaration's default quantity comes
// from.
type DefaultRule string

// The default quantities of a missing declaration, in order of preference.
const (
	// DefaultLastYear: the member's quantity of the resource in its
	// declaration of the year before.
	DefaultLastYear DefaultRule = "LAST_YEAR"
	// DefaultAverage: the average quantity of the resource's subscribers
	// (those who declared this year, or else last year's quantities),
	// rounded half up.
	DefaultAverage DefaultRule = "AVERAGE"
	// DefaultDays: nobody has a quantity; each subscriber weighs 1 per
	// day subscribed.
	DefaultDays DefaultRule = "DAYS"
)

// Unbilled is time spent on a service request that is not billed.
type Unbilled struct {
	ServiceRequestID pulid.ID
	Title            string
	Minutes          int
	Reason           string
}

// plan is what a step computes before anything is written: the target of
// every slot (see ledger.go) and what it has to report.
type plan struct {
	targets []target
	report  RunResult
	// after runs in the transaction once the lines are written.
	after func(ctx context.Context, tx *ent.Client) error
}

// planner computes the plan of a step for a year.
type planner func(ctx context.Context, tx *ent.Client, year int, step Step, progress func(done, total int)) (*plan, error)

// planners are the steps RunStep knows.
var planners = map[Step]planner{
	StepQ1: planCosts, StepQ2: planCosts, StepQ3: planCosts, StepYearEnd: planCosts,
	StepServices: planServices,
	StepFees:     planFees,
}

// Request asks for one execution of a step.
type Request struct {
	Year      int
	Step      Step
	StartedBy string
	// ForcedReason runs a step before its date (see checkStepDate); it is
	// kept on the run, and so in the run's audit event.
	ForcedReason string
	// Today is the day, in Paris, the step is run on; zero means today.
	Today time.Time
	// Progress, if not nil, is called as the work advances.
	Progress func(done, total int)
}

// RunStep runs one step of the cycle for a fiscal year, in one
// transaction, as the platform (the audit trail names the person in ctx):
//
//   - Q1, Q2, Q3: provisions on the BUDGETED costs (planCosts);
//   - YEAR_END: regularisation on the ACTUAL costs; the declarations used
//     are LOCKED (planCosts);
//   - SERVICES: the time spent on service requests (planServices);
//   - FEES: the membership fee of ACTIVE members (planFees).
//
// The ledger receives the difference between what each slot should hold
// and what it holds (ledger.go): a step run twice adds nothing. The lines
// added are grouped into one call for funds per member. One ChargeRun row
// records the execution: COMPLETED with the count and total, or, when the
// work fails and is rolled back, FAILED with the error (written after the
// rollback).
func RunStep(ctx context.Context, client *ent.Client, req Request) (*RunResult, error) {
	year, step := req.Year, req.Step
	if err := checkFiscalYear(year); err != nil {
		return nil, err
	}
	planStep := planners[step]
	if planStep == nil {
		return nil, communs.InvalidField("step", "one of Q1, Q2, Q3, YEAR_END, SERVICES, FEES")
	}
	forcedReason, err := checkStepDate(req)
	if err != nil {
		return nil, err
	}
	ctx = viewer.SystemContext(ctx)
	var res *RunResult
	err = txn.Run(ctx, client, func(ctx context.Context, tx *ent.Client) error {
		run, err := tx.ChargeRun.Create().
			SetFiscalYear(year).SetStep(chargerun.Step(step)).SetStartedBy(req.StartedBy).
			SetNillableForcedReason(forcedReason).
			Save(ctx)
		if err != nil {
			return err
		}
		res, err = execute(ctx, tx, run, planStep, req.Progress)
		return err
	})
	if err != nil {
		if ent.TxFromContext(ctx) == nil {
			// The work was rolled back: the failure is recorded on its own.
			_ = client.ChargeRun.Create().
				SetFiscalYear(year).SetStep(chargerun.Step(step)).SetStartedBy(req.StartedBy).
				SetNillableForcedReason(forcedReason).
				SetStatus(chargerun.StatusFAILED).SetFinishedAt(time.Now().UTC()).
				SetError(err.Error()).Exec(ctx)
		}
		return nil, fmt.Errorf("charge run %d %s: %w", year, step, err)
	}
	return res, nil
}

// checkStepDate refuses a step run before its date: a provision before
// the first day of its quarter (it would ask for money on a quarter not
// begun), the year end before the year is over (its actual costs are not
// all known). A reason forces it, and is returned to be kept on the run;
// a reason given for a step on or after its date is not kept.
func checkStepDate(req Request) (*string, error) {
	today := req.Today
	if today.IsZero() {
		today = calendar.DayInParis(time.Now())
	}
	var opens time.Time
	switch q := req.Step.quarter(); {
	case q > 0:
		opens = time.Date(req.Year, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC)
	case req.Step == StepYearEnd:
		opens = time.Date(req.Year+1, time.January, 1, 0, 0, 0, 0, time.UTC)
	default:
		return nil, nil
	}
	if !calendar.Day(today).Before(opens) {
		return nil, nil
	}
	reason := strings.TrimSpace(req.ForcedReason)
	if reason == "" {
		return nil, communs.InvalidField("forcedReason",
			"%s %d may be run from %s: run it then, or give the reason for running it earlier",
			req.Step, req.Year, opens.Format(time.DateOnly))
	}
	return &reason, nil
}

// execute plans the run's step, writes the lines and completes the run.
func execute(ctx context.Context, tx *ent.Client, run *ent.ChargeRun, planStep planner, progress func(done, total int)) (*RunResult, error) {
	year, step := run.FiscalYear, Step(run.Step)
	if err := checkProvisionsOpen(ctx, tx, year, step); err != nil {
		return nil, err
	}
	p, err := planStep(ctx, tx, year, step, progress)
	if err != nil {
		return nil, err
	}
	slots, err := ledgerSlots(ctx, tx, year, step)
	if err != nil {
		return nil, err
	}
	lines, held := reconcile(year, step, p.targets, slots)
	res := &p.report
	res.AlreadyThere = held
	res.CallsForFunds, err = writeLines(ctx, tx, posting{
		year: year, period: charge.Period(step), runID: &run.ID,
		createdBy: run.StartedBy, issued: calendar.DayInParis(time.Now()),
	}, lines)
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		res.Created++
		res.Total += l.amount
	}
	if p.after != nil {
		if err := p.after(ctx, tx); err != nil {
			return nil, err
		}
	}
	res.Run, err = tx.ChargeRun.UpdateOne(run).
		SetStatus(chargerun.StatusCOMPLETED).
		SetFinishedAt(time.Now().UTC()).
		SetChargeCount(res.Created).
		SetTotal(res.Total).
		Save(ctx)
	return res, err
}

// checkProvisionsOpen refuses a provision step once the year end has run:
// it settled the provisions against the actual costs, and a provision
// charged after it would be charged on top.
func checkProvisionsOpen(ctx context.Context, tx *ent.Client, year int, step Step) error {
	if step.quarter() == 0 {
		return nil
	}
	closed, err := tx.ChargeRun.Query().
		Where(chargerun.FiscalYear(year), chargerun.StepEQ(chargerun.StepYEAR_END),
			chargerun.StatusEQ(chargerun.StatusCOMPLETED)).Exist(ctx)
	if err != nil {
		return err
	}
	if closed {
		return communs.Errorf(communs.ECONFLICT,
			"the year %d is regularised: provisions are no longer charged; run YEAR_END again to charge a change of the costs", year)
	}
	return nil
}
