package payments

import (
	"testing"
	"time"

	"communs/ent/member"
	"communs/ent/notification"
	"communs/ent/paymentreminder"
	"communs/ent/roleassignment"
)

func TestRemindersOncePerStage(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	admin, err := l.client.Account.Create().SetEmail("tresorier@tilleuls.example").SetStatus("ACTIVE").Save(l.sys)
	if err != nil {
		t.Fatal(err)
	}
	err = l.client.RoleAssignment.Create().SetAccountID(admin.ID).SetMemberID(l.member.ID).
		SetRole(roleassignment.RoleMemberAdmin).Exec(l.sys)
	if err != nil {
		t.Fatal(err)
	}
	other := l.newMember(t, "Les Genêts")
	late := l.issue(t, l.member, 100_00, day(2026, 3, 31)) // due 30 April
	l.issue(t, other, 100_00, day(2026, 5, 20))            // due 19 June
	l.issue(t, other, 50_00, day(2026, 3, 31))             // due 30 April, paid
	l.pay(t, other, 50_00, day(2026, 4, 2))
	l.wantMember(t, l.member, 0, member.PaymentStatusDUE) // as issued

	at := func(y int, m time.Month, d int) {
		l.svc.now = func() time.Time { return time.Date(y, m, d, 10, 0, 0, 0, time.UTC) }
	}
	days := []int{60, 15, 30}
	at(2026, 5, 10) // 10 days overdue: nothing yet
	if n, err := l.svc.Nightly(l.sys, days); err != nil || n != 0 {
		t.Fatalf("10 days overdue: %d reminders (%v)", n, err)
	}
	at(2026, 6, 1) // 32 days: the 30-day reminder only
	if n, err := l.svc.Nightly(l.sys, days); err != nil || n != 1 {
		t.Fatalf("32 days overdue: %d reminders (%v)", n, err)
	}
	at(2026, 6, 2)
	if n, err := l.svc.Nightly(l.sys, days); err != nil || n != 0 {
		t.Fatalf("the day after: %d reminders (%v), want none", n, err)
	}
	at(2026, 6, 30) // 61 days; the other member's call is 11 days overdue
	if n, err := l.svc.Nightly(l.sys, days); err != nil || n != 1 {
		t.Fatalf("61 days overdue: %d reminders (%v)", n, err)
	}
	l.wantMember(t, other, 0, member.PaymentStatusOVERDUE) // the nightly refresh

	reminders, err := l.client.PaymentReminder.Query().Order(paymentreminder.ByStageDays()).All(l.staff)
	if err != nil || len(reminders) != 2 {
		t.Fatalf("reminders %v (%v)", reminders, err)
	}
	if r := reminders[0]; r.CallForFundsID != late.ID || r.StageDays != 30 || r.DaysOverdue != 32 ||
		r.AmountDue != 100_00 || r.Recipients != "tresorier@tilleuls.example" {
		t.Errorf("first reminder: %+v", r)
	}
	sent, err := l.client.Notification.Query().Where(notification.KindEQ(notification.KindPAYMENT_REMINDER)).All(l.sys)
	if err != nil || len(sent) != 2 || sent[0].Recipient != "tresorier@tilleuls.example" {
		t.Errorf("notifications: %v (%v)", sent, err)
	}
	if _, err := ParseReminderDays("15, 30,x"); err == nil {
		t.Error("bad reminder days accepted")
	}
}
