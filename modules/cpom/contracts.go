package cpom

import (
	"context"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/cpomaction"
	"communs/ent/establishment"
	"communs/ent/schema/pulid"
	"communs/internal/txn"
)

// maxYears is a CPOM's longest term: five years (article L313-11 of the
// social action code).
const maxYears = 5

// CpomContractInput records a contract.
type CpomContractInput struct {
	MemberID         pulid.ID
	Authority        string
	Title            string
	StartsOn         time.Time
	EndsOn           time.Time
	EstablishmentIds []pulid.ID
}

// CreateContract records a member's contract: it ends after it starts and
// lasts five years at most; the establishments it covers are the
// member's.
func (s *Service) CreateContract(ctx context.Context, in CpomContractInput) (*ent.CpomContract, error) {
	if err := checkTerm(in.StartsOn, in.EndsOn); err != nil {
		return nil, err
	}
	return write(ctx, s.client, func(ctx context.Context, tx *ent.Client) (*ent.CpomContract, error) {
		if _, err := writer(ctx, in.MemberID); err != nil {
			return nil, err
		}
		if err := ownEstablishments(ctx, tx, in.MemberID, in.EstablishmentIds); err != nil {
			return nil, err
		}
		return tx.CpomContract.Create().SetMemberID(in.MemberID).
			SetAuthority(strings.TrimSpace(in.Authority)).SetTitle(strings.TrimSpace(in.Title)).
			SetStartsOn(in.StartsOn).SetEndsOn(in.EndsOn).SetEstablishmentIds(ids(in.EstablishmentIds)).
			Save(asPlatform(ctx))
	})
}

// checkTerm refuses an end before the start, and a term past five years.
func checkTerm(start, end time.Time) error {
	switch {
	case end.Before(start):
		return communs.InvalidField("endsOn", "a contract ends on or after its start (%s)", start.Format(time.DateOnly))
	case end.After(start.AddDate(maxYears, 0, 0)):
		return communs.InvalidField("endsOn", "a CPOM lasts %d years at most: it ends by %s",
			maxYears, start.AddDate(maxYears, 0, 0).Format(time.DateOnly))
	}
	return nil
}

// withinTerm refuses a year outside the term of c.
func withinTerm(c *ent.CpomContract, year int) error {
	if year < c.StartsOn.Year() || year > c.EndsOn.Year() {
		return communs.InvalidField("year", "the contract runs from %d to %d", c.StartsOn.Year(), c.EndsOn.Year())
	}
	return nil
}

// ownEstablishments refuses establishments that are not member's.
func ownEstablishments(ctx context.Context, tx *ent.Client, member pulid.ID, ids []pulid.ID) error {
	if len(ids) == 0 {
		return nil
	}
	n, err := tx.Establishment.Query().Where(establishment.IDIn(ids...), establishment.MemberID(member)).
		Count(asPlatform(ctx))
	if err != nil {
		return err
	}
	if n != len(ids) {
		return communs.InvalidField("establishmentIds", "a contract covers establishments of its member only")
	}
	return nil
}

// Establishments returns the establishments c covers that the viewer sees.
func (s *Service) Establishments(ctx context.Context, c *ent.CpomContract) ([]*ent.Establishment, error) {
	if len(c.EstablishmentIds) == 0 {
		return nil, nil
	}
	in := make([]pulid.ID, len(c.EstablishmentIds))
	for i, id := range c.EstablishmentIds {
		in[i] = pulid.ID(id)
	}
	return txn.Client(ctx, s.client).Establishment.Query().Where(establishment.IDIn(in...)).
		Order(ent.Asc(establishment.FieldName)).All(ctx)
}

func ids(in []pulid.ID) []string {
	out := make([]string, len(in))
	for i, id := range in {
		out[i] = string(id)
	}
	return out
}

// invalid turns ent's validation errors into INVALID_INPUT.
func invalid(err error) error {
	if ent.IsValidationError(err) || ent.IsConstraintError(err) {
		return communs.Errorf(communs.EINVALID, "%v", err)
	}
	return err
}

// writable returns the row id, read as the viewer of ctx sees it (another
// member's is NOT_FOUND), when the viewer writes for its member.
func writable[E any](ctx context.Context, get func(context.Context, pulid.ID) (E, error), member func(E) pulid.ID, what string, id pulid.ID) (E, error) {
	row, err := get(ctx, id)
	if err != nil {
		return row, notFound(err, what, id)
	}
	_, err = writer(ctx, member(row))
	return row, err
}

// contract returns the contract id for a write.
func contract(ctx context.Context, tx *ent.Client, id pulid.ID) (*ent.CpomContract, error) {
	return writable(ctx, tx.CpomContract.Get, func(c *ent.CpomContract) pulid.ID { return c.MemberID }, "contract", id)
}

// objective returns the objective id for a write.
func objective(ctx context.Context, tx *ent.Client, id pulid.ID) (*ent.CpomObjective, error) {
	return writable(ctx, tx.CpomObjective.Get, func(o *ent.CpomObjective) pulid.ID { return o.MemberID }, "objective", id)
}

// CpomObjectiveInput adds an objective to a contract.
type CpomObjectiveInput struct {
	ContractID  pulid.ID
	Code        string
	Title       string
	Description *string
}

// AddObjective adds an objective to a contract; its code is unique there.
func (s *Service) AddObjective(ctx context.Context, in CpomObjectiveInput) (*ent.CpomObjective, error) {
	return write(ctx, s.client, func(ctx context.Context, tx *ent.Client) (*ent.CpomObjective, error) {
		c, err := contract(ctx, tx, in.ContractID)
		if err != nil {
			return nil, err
		}
		return tx.CpomObjective.Create().SetMemberID(c.MemberID).SetContractID(c.ID).
			SetCode(strings.TrimSpace(in.Code)).SetTitle(strings.TrimSpace(in.Title)).
			SetNillableDescription(in.Description).Save(asPlatform(ctx))
	})
}

// CpomActionInput adds an action sheet to an objective.
type CpomActionInput struct {
	ObjectiveID pulid.ID
	Title       string
	Owner       string
	DueOn       time.Time
}

// AddAction adds an action sheet to an objective.
func (s *Service) AddAction(ctx context.Context, in CpomActionInput) (*ent.CpomAction, error) {
	return write(ctx, s.client, func(ctx context.Context, tx *ent.Client) (*ent.CpomAction, error) {
		o, err := objective(ctx, tx, in.ObjectiveID)
		if err != nil {
			return nil, err
		}
		return tx.CpomAction.Create().SetMemberID(o.MemberID).SetObjectiveID(o.ID).
			SetTitle(strings.TrimSpace(in.Title)).SetOwner(strings.TrimSpace(in.Owner)).
			SetDueOn(in.DueOn).Save(asPlatform(ctx))
	})
}

// SetActionStatus moves an action on; DONE records the day it was done.
func (s *Service) SetActionStatus(ctx context.Context, id pulid.ID, status cpomaction.Status, on *time.Time) (*ent.CpomAction, error) {
	if err := cpomaction.StatusValidator(status); err != nil {
		return nil, communs.InvalidField("status", "%v", err)
	}
	return write(ctx, s.client, func(ctx context.Context, tx *ent.Client) (*ent.CpomAction, error) {
		a, err := writable(ctx, tx.CpomAction.Get, func(a *ent.CpomAction) pulid.ID { return a.MemberID }, "action", id)
		if err != nil {
			return nil, err
		}
		update := tx.CpomAction.UpdateOne(a).SetStatus(status)
		if status == cpomaction.StatusDONE {
			update.SetDoneOn(s.dayOr(on))
		} else {
			update.ClearDoneOn() // clearing and setting a column at once is refused by PostgreSQL
		}
		return update.Save(asPlatform(ctx))
	})
}

// CpomMilestoneInput adds a milestone to a contract.
type CpomMilestoneInput struct {
	ContractID pulid.ID
	Title      string
	DueOn      time.Time
}

// AddMilestone adds a milestone to a contract.
func (s *Service) AddMilestone(ctx context.Context, in CpomMilestoneInput) (*ent.CpomMilestone, error) {
	return write(ctx, s.client, func(ctx context.Context, tx *ent.Client) (*ent.CpomMilestone, error) {
		c, err := contract(ctx, tx, in.ContractID)
		if err != nil {
			return nil, err
		}
		return tx.CpomMilestone.Create().SetMemberID(c.MemberID).SetContractID(c.ID).
			SetTitle(strings.TrimSpace(in.Title)).SetDueOn(in.DueOn).Save(asPlatform(ctx))
	})
}

// ReachMilestone records the day a milestone was reached.
func (s *Service) ReachMilestone(ctx context.Context, id pulid.ID, on *time.Time) (*ent.CpomMilestone, error) {
	return write(ctx, s.client, func(ctx context.Context, tx *ent.Client) (*ent.CpomMilestone, error) {
		m, err := writable(ctx, tx.CpomMilestone.Get, func(m *ent.CpomMilestone) pulid.ID { return m.MemberID }, "milestone", id)
		if err != nil {
			return nil, err
		}
		return tx.CpomMilestone.UpdateOne(m).SetReachedOn(s.dayOr(on)).Save(asPlatform(ctx))
	})
}

// CpomDialogueInput records a yearly management dialogue.
type CpomDialogueInput struct {
	ContractID   pulid.ID
	Year         int
	HeldOn       time.Time
	Participants []string
	Decisions    string
}

// RecordDialogue records a yearly management dialogue with the authority,
// within the contract's term. Records are never changed: a correction is
// a new record, and they make the history.
func (s *Service) RecordDialogue(ctx context.Context, in CpomDialogueInput) (*ent.CpomDialogue, error) {
	if len(in.Participants) == 0 {
		return nil, communs.InvalidField("participants", "name who took part")
	}
	if strings.TrimSpace(in.Decisions) == "" {
		return nil, communs.InvalidField("decisions", "record what was decided")
	}
	return write(ctx, s.client, func(ctx context.Context, tx *ent.Client) (*ent.CpomDialogue, error) {
		c, err := contract(ctx, tx, in.ContractID)
		if err != nil {
			return nil, err
		}
		if err := withinTerm(c, in.Year); err != nil {
			return nil, err
		}
		return tx.CpomDialogue.Create().SetMemberID(c.MemberID).SetContractID(c.ID).SetYear(in.Year).
			SetHeldOn(in.HeldOn).SetParticipants(in.Participants).SetDecisions(strings.TrimSpace(in.Decisions)).
			SetRecordedBy(recorder(ctx)).Save(asPlatform(ctx))
	})
}

// write runs fn in the request's transaction (or one of its own), turns
// ent's validation errors into INVALID_INPUT, and returns what fn wrote.
func write[E interface{ Unwrap() E }](ctx context.Context, client *ent.Client, fn func(ctx context.Context, tx *ent.Client) (E, error)) (E, error) {
	var written E
	err := txn.Run(ctx, client, func(ctx context.Context, tx *ent.Client) error {
		var err error
		written, err = fn(ctx, tx)
		return invalid(err)
	})
	if err != nil {
		var zero E
		return zero, err
	}
	return txn.Detached(ctx, written), nil
}
