package cil

import (
	"context"
	"fmt"

	"communs/ent"
	"communs/ent/processingrecord"
	"communs/ent/resource"
	"communs/ent/subscription"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// subscriptionChanged keeps the groupement's processor register in step
// with the subscriptions (the module's hook): a member's subscription to a
// resource that processes personal data, once in service, makes the
// groupement the member's processor for it (Art. 30(2)), in one record per
// subscription naming the member as the controller; the subscription's end
// archives the record. It runs as the platform, in the transaction of the
// change.
func subscriptionChanged(ctx context.Context, tx *ent.Client, sub *ent.Subscription) error {
	ctx = viewer.SystemContext(ctx)
	res, err := tx.Resource.Get(ctx, sub.ResourceID)
	if err != nil || !res.ProcessesPersonalData {
		return err
	}
	current, err := tx.ProcessingRecord.Query().
		Where(processingrecord.DerivedFromSubscriptionID(sub.ID)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return err
	}
	switch {
	case sub.Status == subscription.StatusACTIVE && current == nil:
		m, err := tx.Member.Get(ctx, sub.MemberID)
		if err != nil {
			return err
		}
		create := tx.ProcessingRecord.Create().
			SetRole(processingrecord.RolePROCESSOR).SetStatus(processingrecord.StatusACTIVE).
			SetName(fmt.Sprintf("%s — pour %s", res.Name, m.Name)).
			SetProcessor("le groupement (sous-traitant)").
			SetController(m.Name).SetControllerMemberID(m.ID).
			SetDerivedFromSubscriptionID(sub.ID).
			SetProcessingCategories(fmt.Sprintf("mise à disposition et exploitation de %s", res.Name)).
			SetResourceCodes([]string{res.Code})
		if res.ProcessesHealthData {
			create.SetSpecialCategories([]string{"données de santé"})
		}
		r, err := create.Save(ctx)
		if err != nil {
			return err
		}
		_, err = writeRevision(ctx, tx, r, nil)
		return err
	case sub.Status == subscription.StatusENDED && current != nil && current.Status != processingrecord.StatusARCHIVED:
		updated, err := tx.ProcessingRecord.UpdateOne(current).SetStatus(processingrecord.StatusARCHIVED).Save(ctx)
		if err != nil {
			return err
		}
		_, err = writeRevision(ctx, tx, updated, current)
		return err
	}
	return nil
}

// SyncProcessorRecords brings the processor register in step with every
// subscription to a resource that processes personal data: for data
// written while the module was off, or before it existed. Records already
// in step are left alone. It runs in the nightly job and with the demo.
func SyncProcessorRecords(ctx context.Context, client *ent.Client) error {
	ctx = viewer.SystemContext(ctx)
	subs, err := client.Subscription.Query().
		Where(subscription.StatusIn(subscription.StatusACTIVE, subscription.StatusENDED),
			subscription.HasResourceWith(resource.ProcessesPersonalData(true))).
		Order(ent.Asc(subscription.FieldID)).All(ctx)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		err := txn.Run(ctx, client, func(ctx context.Context, tx *ent.Client) error {
			return subscriptionChanged(ctx, tx, sub)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
