package charging

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/charge"
	"communs/ent/schema/pulid"
	"communs/ent/schema/schematype"
	"communs/internal/calendar"
	"communs/internal/money"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// correctable are the kinds of lines a person may correct. The lines of
// the cost-price cycle are corrected by the cycle itself: change the costs
// or declarations and run the step again, and the difference is charged.
var correctable = map[charge.Kind]bool{
	charge.KindSTARTUP_SERVICE:       true,
	charge.KindSUPPLEMENTARY_SERVICE: true,
	charge.KindMEMBERSHIP_FEE:        true,
}

// CorrectCharge adds a line of amount (negative: a credit) correcting the
// line chargeID, with the reason, under a call for funds of its own. The
// corrected line is unchanged: the ledger is append-only. What the member
// owes for the line's slot (the step's lines for that service or fee, and
// their corrections) may not go below zero: a correction reduces or adds
// to what was charged, it does not turn a charge into a credit.
func CorrectCharge(ctx context.Context, client *ent.Client, chargeID pulid.ID, amount int64, reason, by string) (*ent.Charge, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case amount == 0:
		return nil, communs.InvalidField("amount", "a non-zero amount")
	case reason == "" || len(reason) > 500:
		return nil, communs.InvalidField("reason", "the reason of the correction, at most 500 characters")
	}
	var line *ent.Charge
	err := txn.Run(viewer.SystemContext(ctx), client, func(ctx context.Context, tx *ent.Client) error {
		original, err := tx.Charge.Get(ctx, chargeID)
		if ent.IsNotFound(err) {
			return communs.Errorf(communs.ENOTFOUND, "charge %s not found", chargeID)
		}
		if err != nil {
			return err
		}
		if !correctable[original.Kind] {
			return communs.Errorf(communs.EINVALID, "a %s line is corrected by running its step again after changing the costs or declarations", original.Kind)
		}
		if original.CorrectsID != nil {
			return communs.Errorf(communs.EINVALID, "correct the original line %s, not a correction", *original.CorrectsID)
		}
		earlier, err := original.QueryCorrections().Count(ctx)
		if err != nil {
			return err
		}
		net, err := slotNet(ctx, tx, original)
		if err != nil {
			return err
		}
		if net+amount < 0 {
			return communs.InvalidField("amount", "a reduction of at most %s: what the member owes for it cannot go below zero", money.Format(net))
		}
		pending := pendingLine{
			target: target{
				memberID: original.MemberID, resourceID: original.ResourceID,
				serviceRequestID: original.ServiceRequestID, kind: original.Kind, amount: amount,
				label:       "Correction — " + original.Label,
				basis:       schematype.ChargeBasis{BaseAmount: original.Amount, Note: reason},
				explanation: fmt.Sprintf("Correction de la ligne de %s : %s", money.French(original.Amount), reason),
			},
			key: "correction/" + string(original.ID) + "#" + strconv.Itoa(earlier+1),
		}
		calls, err := writeLines(ctx, tx, posting{
			year: original.FiscalYear, period: original.Period, createdBy: by,
			issued: calendar.DayInParis(time.Now()), corrects: &original.ID,
		}, []pendingLine{pending})
		if err != nil {
			return err
		}
		line, err = calls[0].QueryCharges().Only(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, line), nil
}

// slotNet is what the member owes for the slot of line: the step's lines
// of the slot and every correction made to them.
func slotNet(ctx context.Context, tx *ent.Client, line *ent.Charge) (int64, error) {
	slot, _, _ := strings.Cut(line.IdempotencyKey, "#")
	lines, err := tx.Charge.Query().
		Where(charge.IdempotencyKeyHasPrefix(slot+"#"), charge.CorrectsIDIsNil()).All(ctx)
	if err != nil {
		return 0, err
	}
	ids := make([]pulid.ID, len(lines))
	var net int64
	for i, l := range lines {
		ids[i] = l.ID
		net += l.Amount
	}
	corrections, err := tx.Charge.Query().Where(charge.CorrectsIDIn(ids...)).All(ctx)
	for _, c := range corrections {
		net += c.Amount
	}
	return net, err
}
