package payments

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"communs/ent"
	"communs/ent/account"
	"communs/ent/callforfunds"
	"communs/ent/notification"
	"communs/ent/roleassignment"
	"communs/internal/money"
	"communs/internal/notify"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// DefaultReminderDays are the reminders' stages: days past a call's due date.
var DefaultReminderDays = []int{15, 30, 60}

// Nightly is the payments' nightly work, as of today: the members'
// payment statuses follow the calls falling due, then the members whose
// calls are overdue by one of days are reminded. It returns the reminders
// sent.
func (s *Service) Nightly(ctx context.Context, days []int) (int, error) {
	ctx = viewer.SystemContext(ctx)
	today := s.today()
	if err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		return RefreshStatuses(ctx, tx, today)
	}); err != nil {
		return 0, err
	}
	return s.RemindOverdue(ctx, days)
}

// RemindOverdue reminds the administrators of the members whose open
// calls for funds are overdue by one of days (or, without an
// administrator, the member's contact address), through the notification
// outbox. Each call is reminded once per stage, at the highest stage it
// has reached: a call first seen 40 days overdue gets the 30-day
// reminder, never the 15-day one afterwards. Each reminder is recorded
// (PaymentReminder), so the groupement sees who was reminded when.
func (s *Service) RemindOverdue(ctx context.Context, days []int) (int, error) {
	stages := slices.Clone(days)
	slices.Sort(stages)
	stages = slices.Compact(stages)
	if len(stages) == 0 || stages[0] <= 0 {
		return 0, fmt.Errorf("payments: reminder days must be positive: %v", days)
	}
	today := s.today()
	ctx = viewer.SystemContext(ctx)
	sent := 0
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		calls, err := tx.CallForFunds.Query().
			Where(callforfunds.TotalGT(0), callforfunds.PaymentStatusNEQ(callforfunds.PaymentStatusPAID),
				callforfunds.DueOnLTE(today.AddDate(0, 0, -stages[0]))).
			WithMember().WithReminders().
			Order(ent.Asc(callforfunds.FieldDueOn), ent.Asc(callforfunds.FieldNumber)).
			All(ctx)
		if err != nil {
			return err
		}
		for _, c := range calls {
			overdue := int(today.Sub(*c.DueOn).Hours() / 24)
			stage := reachedStage(stages, overdue)
			if remindedSince(c.Edges.Reminders, stage) {
				continue
			}
			if err := remind(ctx, tx, c, stage, overdue); err != nil {
				return fmt.Errorf("reminder of %s: %w", c.Number, err)
			}
			sent++
		}
		return nil
	})
	return sent, err
}

// reachedStage is the highest stage overdue days have reached.
func reachedStage(stages []int, overdue int) int {
	reached := stages[0]
	for _, s := range stages {
		if overdue >= s {
			reached = s
		}
	}
	return reached
}

// remindedSince tells whether a reminder of stage or a later one was sent.
func remindedSince(reminders []*ent.PaymentReminder, stage int) bool {
	return slices.ContainsFunc(reminders, func(r *ent.PaymentReminder) bool { return r.StageDays >= stage })
}

// remind writes the reminder of call c to the member's administrators and
// records it.
func remind(ctx context.Context, tx *ent.Client, c *ent.CallForFunds, stage, overdue int) error {
	m := c.Edges.Member
	recipients, err := tx.Account.Query().
		Where(account.StatusEQ(account.StatusACTIVE), account.HasRoleAssignmentsWith(
			roleassignment.MemberID(m.ID), roleassignment.RoleEQ(roleassignment.RoleMemberAdmin))).
		Order(ent.Asc(account.FieldEmail)).
		Select(account.FieldEmail).Strings(ctx)
	if err != nil {
		return err
	}
	if len(recipients) == 0 && m.ContactEmail != nil {
		recipients = []string{*m.ContactEmail}
	}
	due := c.Total - c.Paid
	subject := fmt.Sprintf("Rappel : appel de fonds %s en retard de %d jours", c.Number, overdue)
	body := fmt.Sprintf("Bonjour,\n\nL'appel de fonds %s émis le %s pour %s, échu le %s, reste à régler pour %s.\n"+
		"Merci d'effectuer votre règlement en indiquant le numéro %s dans le libellé du virement.\n"+
		"Si vous l'avez déjà fait, ne tenez pas compte de ce message.\n",
		c.Number, frDate(c.IssuedOn), m.Name, frDate(*c.DueOn), money.French(due), c.Number)
	memberID := m.ID
	for _, to := range recipients {
		err := notify.Enqueue(ctx, tx, notify.Message{Kind: notification.KindPAYMENT_REMINDER,
			Recipient: to, Subject: subject, Body: body, MemberID: &memberID})
		if err != nil {
			return err
		}
	}
	return tx.PaymentReminder.Create().
		SetMemberID(m.ID).SetCallForFundsID(c.ID).SetStageDays(stage).SetDaysOverdue(overdue).
		SetAmountDue(due).SetRecipients(strings.Join(recipients, ", ")).
		Exec(ctx)
}

// ParseReminderDays reads the reminders' stages, "15,30,60".
func ParseReminderDays(s string) ([]int, error) {
	var days []int
	for _, part := range strings.Split(s, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("reminder days: %q is not a positive number of days", part)
		}
		days = append(days, d)
	}
	return days, nil
}
