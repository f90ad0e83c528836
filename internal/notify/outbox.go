// Package notify is the notification outbox: services write messages in
// the transaction of the change they tell about; the Sender delivers them
// by SMTP when configured, or to the log, and retries failures.
package notify

import (
	"context"
	"time"

	"communs/ent"
	"communs/ent/notification"
	"communs/ent/schema/pulid"
)

// Message is a notification to send.
type Message struct {
	Kind      notification.Kind
	Recipient string
	Subject   string
	Body      string
	MemberID  *pulid.ID // the member it concerns, if any
}

// Enqueue writes m to the outbox through client, which should be the
// client of the transaction making the change: the message then exists if
// and only if the change does.
func Enqueue(ctx context.Context, client *ent.Client, m Message) error {
	return client.Notification.Create().
		SetKind(m.Kind).SetRecipient(m.Recipient).SetSubject(m.Subject).SetBody(m.Body).
		SetNillableMemberID(m.MemberID).
		SetNextAttemptAt(time.Now().UTC()).
		Exec(ctx)
}
