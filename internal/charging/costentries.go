package charging

import (
	"context"

	"communs"
	"communs/ent"
	"communs/ent/schema/pulid"
	"communs/ent/servicerequest"
	"communs/ent/subscription"
	"communs/internal/calendar"
	"communs/internal/txn"
)

// A DIRECT cost (a cost entry naming a member) is charged to that member
// alone, so it must rest on something the member agreed to: its
// subscription to the resource, in service during the fiscal year (the
// signed convention), or a service it agreed to. A common cost names
// neither.

// CreateCostEntry records a cost entry, a direct one only under a
// subscription or an agreed service of its member.
func CreateCostEntry(ctx context.Context, client *ent.Client, in ent.CreateCostEntryInput) (*ent.CostEntry, error) {
	return saveCostEntry(ctx, client, func(tx *ent.Client) (*ent.CostEntry, error) {
		return tx.CostEntry.Create().SetInput(in).Save(ctx)
	})
}

// UpdateCostEntry changes a cost entry under the same rule.
func UpdateCostEntry(ctx context.Context, client *ent.Client, id pulid.ID, in ent.UpdateCostEntryInput) (*ent.CostEntry, error) {
	return saveCostEntry(ctx, client, func(tx *ent.Client) (*ent.CostEntry, error) {
		return tx.CostEntry.UpdateOneID(id).SetInput(in).Save(ctx)
	})
}

// saveCostEntry saves an entry and checks what was saved, in one
// transaction: a refused entry is rolled back.
func saveCostEntry(ctx context.Context, client *ent.Client, save func(tx *ent.Client) (*ent.CostEntry, error)) (*ent.CostEntry, error) {
	var saved *ent.CostEntry
	err := txn.Run(ctx, client, func(ctx context.Context, tx *ent.Client) error {
		var err error
		if saved, err = save(tx); err != nil {
			return err
		}
		return checkDirectCost(ctx, tx, saved)
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, saved), nil
}

// checkDirectCost refuses a direct cost that names neither a subscription
// nor an agreed service of its member, and a common cost that names one.
func checkDirectCost(ctx context.Context, tx *ent.Client, e *ent.CostEntry) error {
	switch {
	case e.MemberID == nil && (e.SubscriptionID != nil || e.ServiceRequestID != nil):
		return communs.InvalidField("memberID", "a cost naming a subscription or a service is the member's: give its memberID")
	case e.MemberID == nil:
		return nil
	case (e.SubscriptionID == nil) == (e.ServiceRequestID == nil):
		return communs.InvalidField("subscriptionID",
			"a direct cost names the member's subscription to the resource, or a service the member agreed to (one of subscriptionID, serviceRequestID)")
	case e.SubscriptionID != nil:
		return checkDirectSubscription(ctx, tx, e)
	}
	return checkDirectService(ctx, tx, e)
}

func checkDirectSubscription(ctx context.Context, tx *ent.Client, e *ent.CostEntry) error {
	first, last := calendar.YearBounds(e.FiscalYear)
	ok, err := tx.Subscription.Query().Where(subscription.ID(*e.SubscriptionID),
		subscription.MemberID(*e.MemberID), subscription.ResourceID(e.ResourceID),
		subscription.StatusIn(subscription.StatusACTIVE, subscription.StatusENDED),
		subscription.StartsOnLTE(last), subscription.Or(subscription.EndsOnIsNil(), subscription.EndsOnGTE(first))).
		Exist(ctx)
	if err != nil || ok {
		return err
	}
	return communs.InvalidField("subscriptionID",
		"the subscription is not the member's subscription to this resource in service during %d", e.FiscalYear)
}

func checkDirectService(ctx context.Context, tx *ent.Client, e *ent.CostEntry) error {
	ok, err := tx.ServiceRequest.Query().Where(servicerequest.ID(*e.ServiceRequestID),
		servicerequest.MemberID(*e.MemberID), servicerequest.AgreedAtNotNil(),
		servicerequest.StatusNEQ(servicerequest.StatusCANCELLED),
		servicerequest.Or(servicerequest.ResourceIDIsNil(), servicerequest.ResourceID(e.ResourceID))).
		Exist(ctx)
	if err != nil || ok {
		return err
	}
	return communs.InvalidField("serviceRequestID",
		"the service is not one the member agreed to (on this resource): a direct cost needs the member's agreement")
}
