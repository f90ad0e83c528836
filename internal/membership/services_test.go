package membership

import (
	"context"
	"strings"
	"testing"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/member"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/servicerequest"
	"communs/ent/timeentry"
)

// serviceScene is two members, A and B, with their people, and a resource.
type serviceScene struct {
	*usageFixture
	staff, adminA, staffA, viewerA, adminB context.Context
	a, b                                   *ent.Member
	dui                                    *ent.Resource
}

func newServiceScene(t *testing.T) *serviceScene {
	t.Helper()
	f := newUsageFixture(t)
	s := &serviceScene{usageFixture: f}
	s.a = f.member(t, "Association A", member.CategoryACTIVE, "")
	s.b = f.member(t, "Association B", member.CategoryUSER, "")
	s.staff = f.as(t, "staff@gsm.example", "gsm_staff", nil)
	s.adminA = f.as(t, "admin@a.example", "member_admin", s.a)
	s.staffA = f.as(t, "staff@a.example", "member_staff", s.a)
	s.viewerA = f.as(t, "viewer@a.example", "member_viewer", s.a)
	s.adminB = f.as(t, "admin@b.example", "member_admin", s.b)
	s.dui = f.resource(t, "DUI", "Dossier de l'usager", resource.UsageUnitPLACES, resource.AllocationKeyPRO_RATA)
	return s
}

// estimated is a request of A of the given kind, estimated by the
// groupement.
func (s *serviceScene) estimated(t *testing.T, kind servicerequest.Kind, title string) *ent.ServiceRequest {
	t.Helper()
	sr, err := s.svc.ServiceRequests.Request(s.adminA, ServiceRequestInput{MemberID: s.a.ID, Kind: kind, Title: title})
	if err != nil {
		t.Fatal(err)
	}
	if sr, err = s.svc.ServiceRequests.Estimate(s.staff, sr.ID, 120, 9000); err != nil {
		t.Fatal(err)
	}
	return sr
}

// work is a time entry on the request id.
func work(id pulid.ID, staff string, on time.Time, minutes int, rate int64) TimeEntryInput {
	return TimeEntryInput{ServiceRequestID: id, StaffName: staff, WorkedOn: on, Minutes: minutes, HourlyRate: rate}
}

func expectServiceStatus(t *testing.T, sr *ent.ServiceRequest, err error, want servicerequest.Status) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if sr.Status != want {
		t.Fatalf("status %s, want %s", sr.Status, want)
	}
}

func TestServiceStartupPath(t *testing.T) {
	t.Parallel()
	s := newServiceScene(t)

	sr, err := s.svc.ServiceRequests.Request(s.staffA, ServiceRequestInput{
		MemberID: s.a.ID, ResourceID: &s.dui.ID, Kind: servicerequest.KindSTARTUP,
		Title: "  Installation du DUI ", Description: " Paramétrage et formation des équipes. ",
	})
	expectServiceStatus(t, sr, err, servicerequest.StatusREQUESTED)
	if sr.Title != "Installation du DUI" || sr.Description != "Paramétrage et formation des équipes." ||
		sr.MemberID != s.a.ID || sr.ResourceID == nil || *sr.ResourceID != s.dui.ID ||
		sr.EstimatedMinutes != nil || sr.AgreedAt != nil {
		t.Fatalf("requested: %+v", sr)
	}

	// Nothing is recorded, nor agreed, before the estimate.
	_, err = s.svc.ServiceRequests.RecordTime(s.staff, work(sr.ID, "Paul", onDay(2026, 3, 2), 60, 4500))
	expectCode(t, err, communs.ECONFLICT)
	_, err = s.svc.ServiceRequests.Agree(s.adminA, sr.ID, estimateOf(sr))
	expectCode(t, err, communs.ECONFLICT)

	_, err = s.svc.ServiceRequests.Estimate(s.staff, sr.ID, 0, 45000)
	expectField(t, err, "minutes")
	_, err = s.svc.ServiceRequests.Estimate(s.staff, sr.ID, -60, 45000)
	expectField(t, err, "minutes")
	_, err = s.svc.ServiceRequests.Estimate(s.staff, sr.ID, 600, -1)
	expectField(t, err, "amount")
	sr, err = s.svc.ServiceRequests.Estimate(s.staff, sr.ID, 600, 45000)
	expectServiceStatus(t, sr, err, servicerequest.StatusESTIMATED)
	sr, err = s.svc.ServiceRequests.Estimate(s.staff, sr.ID, 540, 40500) // estimated again
	expectServiceStatus(t, sr, err, servicerequest.StatusESTIMATED)
	if *sr.EstimatedMinutes != 540 || *sr.EstimatedAmount != 40500 {
		t.Fatalf("estimate: %d min, %d c", *sr.EstimatedMinutes, *sr.EstimatedAmount)
	}

	// A startup service needs no agreement: time is recorded on the estimate.
	te, err := s.svc.ServiceRequests.RecordTime(s.staff, TimeEntryInput{
		ServiceRequestID: sr.ID, StaffName: " Paul Durand ", WorkedOn: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC),
		Minutes: 90, HourlyRate: 4500, Note: " installation ",
	})
	if err != nil {
		t.Fatal(err)
	}
	if te.ServiceRequestID != sr.ID || te.StaffName != "Paul Durand" || !te.WorkedOn.Equal(onDay(2026, 3, 2)) ||
		te.Minutes != 90 || te.HourlyRate != 4500 || te.Note != "installation" {
		t.Fatalf("time entry: %+v", te)
	}
	if sr = s.client.ServiceRequest.GetX(s.sys, sr.ID); sr.Status != servicerequest.StatusIN_PROGRESS {
		t.Fatalf("after recording time: %s", sr.Status)
	}
	_, err = s.svc.ServiceRequests.Agree(s.adminA, sr.ID, estimateOf(sr))
	expectCode(t, err, communs.ECONFLICT)
	_, err = s.svc.ServiceRequests.Estimate(s.staff, sr.ID, 600, 45000)
	expectCode(t, err, communs.ECONFLICT)
	// Two minutes at 1.00 €/h, one by one: 200/60 = 3.33 c on the total
	// (rounding each entry would give 2 + 2).
	for _, name := range []string{"Léa", "Marc"} {
		if _, err := s.svc.ServiceRequests.RecordTime(s.staff, work(sr.ID, name, onDay(2026, 2, 27), 1, 100)); err != nil {
			t.Fatal(err)
		}
	}

	// Time was spent: the request is completed, not cancelled.
	_, err = s.svc.ServiceRequests.Cancel(s.staff, sr.ID, "finalement inutile")
	expectCode(t, err, communs.ECONFLICT)
	sr, err = s.svc.ServiceRequests.Complete(s.staff, sr.ID)
	expectServiceStatus(t, sr, err, servicerequest.StatusDONE)
	_, err = s.svc.ServiceRequests.Complete(s.staff, sr.ID)
	expectCode(t, err, communs.ECONFLICT)
	_, err = s.svc.ServiceRequests.RecordTime(s.staff, work(sr.ID, "Paul", onDay(2026, 3, 2), 30, 4500))
	expectCode(t, err, communs.ECONFLICT)
	_, err = s.svc.ServiceRequests.Cancel(s.staff, sr.ID, "")
	expectCode(t, err, communs.ECONFLICT)

	// 90 × 4500 + 2 × 100 = 405200 → 6753.33 c.
	other := s.estimated(t, servicerequest.KindSTARTUP, "Formation")
	unknown := pulid.ID("SRQ01JZZZZZZZZZZZZZZZZZZZZZ")
	ids := []pulid.ID{sr.ID, other.ID, unknown, sr.ID}
	want := ServiceActual{Minutes: 92, Amount: 6753}
	for _, ctx := range []context.Context{s.staff, s.adminA, s.viewerA} {
		got, err := s.svc.ServiceRequests.Actuals(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[sr.ID] != want || got[other.ID] != (ServiceActual{}) || got[unknown] != (ServiceActual{}) {
			t.Fatalf("actuals: %+v", got)
		}
	}
	// Another member sees none of A's time.
	got, err := s.svc.ServiceRequests.Actuals(s.adminB, ids)
	if err != nil || got[sr.ID] != (ServiceActual{}) {
		t.Fatalf("actuals seen by B: %v %+v", err, got)
	}
	if got, err := s.svc.ServiceRequests.Actuals(s.adminA, nil); err != nil || len(got) != 0 {
		t.Fatalf("no ids: %v %+v", err, got)
	}
}

func TestServiceSupplementaryAgreement(t *testing.T) {
	t.Parallel()
	s := newServiceScene(t)
	sr := s.estimated(t, servicerequest.KindSUPPLEMENTARY, "Développement d'un export")

	// No time before the member's agreement.
	_, err := s.svc.ServiceRequests.RecordTime(s.staff, work(sr.ID, "Paul", onDay(2026, 3, 2), 60, 4500))
	expectCode(t, err, communs.ECONFLICT)

	// The agreement is the member's, given by one of its administrators.
	_, err = s.svc.ServiceRequests.Agree(s.staff, sr.ID, estimateOf(sr))
	expectCode(t, err, communs.EFORBIDDEN)
	_, err = s.svc.ServiceRequests.Agree(s.staffA, sr.ID, estimateOf(sr))
	expectCode(t, err, communs.EFORBIDDEN)
	_, err = s.svc.ServiceRequests.Agree(s.viewerA, sr.ID, estimateOf(sr))
	expectCode(t, err, communs.EFORBIDDEN)
	_, err = s.svc.ServiceRequests.Agree(s.adminB, sr.ID, estimateOf(sr)) // A's request is hidden from B
	expectCode(t, err, communs.ENOTFOUND)
	_, err = s.svc.ServiceRequests.Agree(s.sys, sr.ID, estimateOf(sr))
	expectCode(t, err, communs.EFORBIDDEN)

	// The agreement names the amount the member read: a changed estimate
	// is refused.
	_, err = s.svc.ServiceRequests.Agree(s.adminA, sr.ID, *sr.EstimatedAmount+1)
	expectCode(t, err, communs.ECONFLICT)

	// 23:30 UTC on 2 March is 00:30 on 3 March in Paris: the agreement's day.
	s.clock = time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC)
	sr, err = s.svc.ServiceRequests.Agree(s.adminA, sr.ID, estimateOf(sr))
	expectServiceStatus(t, sr, err, servicerequest.StatusAGREED)
	if !sr.AgreedAt.Equal(s.clock) || *sr.AgreedBy != "admin@a.example" {
		t.Fatalf("agreed: %v by %v", sr.AgreedAt, *sr.AgreedBy)
	}
	_, err = s.svc.ServiceRequests.Agree(s.adminA, sr.ID, estimateOf(sr))
	expectCode(t, err, communs.ECONFLICT)
	_, err = s.svc.ServiceRequests.Estimate(s.staff, sr.ID, 60, 4500) // agreed on its estimate
	expectCode(t, err, communs.ECONFLICT)

	_, err = s.svc.ServiceRequests.RecordTime(s.staff, work(sr.ID, "Paul", onDay(2026, 3, 2), 60, 4500))
	expectField(t, err, "workedOn") // the day before the agreement
	_, err = s.svc.ServiceRequests.RecordTime(s.staff, work(sr.ID, "Paul", onDay(2026, 3, 4), 60, 4500))
	expectField(t, err, "workedOn") // tomorrow
	if _, err := s.svc.ServiceRequests.RecordTime(s.staff, work(sr.ID, "Paul", onDay(2026, 3, 3), 60, 4500)); err != nil {
		t.Fatal(err)
	}
	if sr = s.client.ServiceRequest.GetX(s.sys, sr.ID); sr.Status != servicerequest.StatusIN_PROGRESS {
		t.Fatalf("after recording time: %s", sr.Status)
	}
	s.clock = s.clock.AddDate(0, 0, 2)
	if _, err := s.svc.ServiceRequests.RecordTime(s.staff, work(sr.ID, "Léa", onDay(2026, 3, 5), 30, 6000)); err != nil {
		t.Fatal(err)
	}
	got, err := s.svc.ServiceRequests.Actuals(s.adminA, []pulid.ID{sr.ID})
	if err != nil || got[sr.ID] != (ServiceActual{Minutes: 90, Amount: 7500}) {
		t.Fatalf("actuals: %v %+v", err, got)
	}

	// Agreed, and time spent: the member no longer cancels, nor does the
	// groupement.
	_, err = s.svc.ServiceRequests.Cancel(s.adminA, sr.ID, "")
	expectCode(t, err, communs.ECONFLICT)
	_, err = s.svc.ServiceRequests.Cancel(s.staff, sr.ID, "")
	expectCode(t, err, communs.ECONFLICT)
	sr, err = s.svc.ServiceRequests.Complete(s.staff, sr.ID)
	expectServiceStatus(t, sr, err, servicerequest.StatusDONE)
}

func TestServiceInvalidInputs(t *testing.T) {
	t.Parallel()
	s := newServiceScene(t)
	in := func(title string) ServiceRequestInput {
		return ServiceRequestInput{MemberID: s.a.ID, Kind: servicerequest.KindSUPPLEMENTARY, Title: title}
	}

	_, err := s.svc.ServiceRequests.Request(s.adminA, in("   "))
	expectField(t, err, "title")
	_, err = s.svc.ServiceRequests.Request(s.adminA, in(strings.Repeat("a", 301)))
	expectField(t, err, "title")
	_, err = s.svc.ServiceRequests.Request(s.adminA, in(strings.Repeat("é", 151))) // 302 bytes
	expectField(t, err, "title")
	if _, err := s.svc.ServiceRequests.Request(s.adminA, in(strings.Repeat("é", 150))); err != nil {
		t.Fatal(err)
	}
	bad := in("Étude")
	bad.Kind = "TRAINING"
	_, err = s.svc.ServiceRequests.Request(s.adminA, bad)
	expectField(t, err, "kind")
	bad = in("Étude")
	bad.ResourceID = ref(pulid.ID("RES01JZZZZZZZZZZZZZZZZZZZZZ"))
	_, err = s.svc.ServiceRequests.Request(s.adminA, bad)
	expectField(t, err, "resourceId")

	// A member's administrators and staff request for their own member;
	// the groupement's staff for any.
	_, err = s.svc.ServiceRequests.Request(s.viewerA, in("Étude"))
	expectCode(t, err, communs.EFORBIDDEN)
	_, err = s.svc.ServiceRequests.Request(s.adminB, in("Étude"))
	expectCode(t, err, communs.EFORBIDDEN)
	onB := in("Étude")
	onB.MemberID = s.b.ID
	if sr, err := s.svc.ServiceRequests.Request(s.staff, onB); err != nil || sr.MemberID != s.b.ID {
		t.Fatalf("staff request: %v %+v", err, sr)
	}
	onB.MemberID = "MEM01JZZZZZZZZZZZZZZZZZZZZZ"
	_, err = s.svc.ServiceRequests.Request(s.staff, onB)
	expectCode(t, err, communs.ENOTFOUND)
	_, err = s.svc.ServiceRequests.Estimate(s.staff, "SRQ01JZZZZZZZZZZZZZZZZZZZZZ", 60, 0)
	expectCode(t, err, communs.ENOTFOUND)

	// Time entries.
	sr := s.estimated(t, servicerequest.KindSTARTUP, "Installation")
	for _, c := range []struct {
		field string
		in    TimeEntryInput
	}{
		{"staffName", work(sr.ID, "  ", onDay(2026, 3, 2), 60, 4500)},
		{"staffName", work(sr.ID, strings.Repeat("x", 201), onDay(2026, 3, 2), 60, 4500)},
		{"workedOn", work(sr.ID, "Paul", time.Time{}, 60, 4500)},
		{"workedOn", work(sr.ID, "Paul", onDay(2026, 3, 3), 60, 4500)},
		{"minutes", work(sr.ID, "Paul", onDay(2026, 3, 2), 0, 4500)},
		{"minutes", work(sr.ID, "Paul", onDay(2026, 3, 2), -30, 4500)},
		{"minutes", work(sr.ID, "Paul", onDay(2026, 3, 2), 1441, 4500)},
		{"hourlyRate", work(sr.ID, "Paul", onDay(2026, 3, 2), 60, -1)},
	} {
		_, err := s.svc.ServiceRequests.RecordTime(s.staff, c.in)
		expectField(t, err, c.field)
	}
	if n := s.client.TimeEntry.Query().CountX(s.sys); n != 0 {
		t.Fatalf("%d time entries recorded", n)
	}
	if _, err := s.svc.ServiceRequests.RecordTime(s.staff, work(sr.ID, "Paul", onDay(2026, 3, 2), 1440, 0)); err != nil {
		t.Fatal(err)
	}
	_, err = s.svc.ServiceRequests.RecordTime(s.staff, work("SRQ01JZZZZZZZZZZZZZZZZZZZZZ", "Paul", onDay(2026, 3, 2), 60, 4500))
	expectCode(t, err, communs.ENOTFOUND)

	// A suspended member requests no service.
	if err := s.client.Member.UpdateOneID(s.a.ID).SetStatus(member.StatusSUSPENDED).Exec(s.sys); err != nil {
		t.Fatal(err)
	}
	_, err = s.svc.ServiceRequests.Request(s.adminA, in("Étude"))
	expectCode(t, err, communs.ECONFLICT)
}

func TestServiceCancel(t *testing.T) {
	t.Parallel()
	s := newServiceScene(t)

	// The member's administrator cancels before agreeing, with a reason or
	// without; its staff do not, nor does another member.
	requested, err := s.svc.ServiceRequests.Request(s.staffA, ServiceRequestInput{
		MemberID: s.a.ID, Kind: servicerequest.KindSUPPLEMENTARY, Title: "Étude", Description: "Étude RGPD",
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.svc.ServiceRequests.Cancel(s.staffA, requested.ID, "")
	expectCode(t, err, communs.EFORBIDDEN)
	_, err = s.svc.ServiceRequests.Cancel(s.adminB, requested.ID, "")
	expectCode(t, err, communs.ENOTFOUND)
	cancelled, err := s.svc.ServiceRequests.Cancel(s.adminA, requested.ID, "  faite en interne ")
	expectServiceStatus(t, cancelled, err, servicerequest.StatusCANCELLED)
	if cancelled.Description != "Étude RGPD\n\nAnnulée : faite en interne" {
		t.Fatalf("description: %q", cancelled.Description)
	}
	_, err = s.svc.ServiceRequests.Cancel(s.adminA, requested.ID, "")
	expectCode(t, err, communs.ECONFLICT)
	_, err = s.svc.ServiceRequests.Cancel(s.staff, requested.ID, "")
	expectCode(t, err, communs.ECONFLICT)
	_, err = s.svc.ServiceRequests.Estimate(s.staff, requested.ID, 60, 4500)
	expectCode(t, err, communs.ECONFLICT)

	estimated := s.estimated(t, servicerequest.KindSUPPLEMENTARY, "Conseil")
	cancelled, err = s.svc.ServiceRequests.Cancel(s.adminA, estimated.ID, " ")
	expectServiceStatus(t, cancelled, err, servicerequest.StatusCANCELLED)
	if cancelled.Description != "" {
		t.Fatalf("description: %q", cancelled.Description)
	}
	_, err = s.svc.ServiceRequests.Agree(s.adminA, estimated.ID, estimateOf(estimated))
	expectCode(t, err, communs.ECONFLICT)

	// Once agreed, only the groupement cancels, as long as no time was spent.
	agreed := s.estimated(t, servicerequest.KindSUPPLEMENTARY, "Développement")
	if _, err := s.svc.ServiceRequests.Agree(s.adminA, agreed.ID, estimateOf(agreed)); err != nil {
		t.Fatal(err)
	}
	_, err = s.svc.ServiceRequests.Cancel(s.adminA, agreed.ID, "")
	expectCode(t, err, communs.ECONFLICT)
	cancelled, err = s.svc.ServiceRequests.Cancel(s.staff, agreed.ID, "abandonné")
	expectServiceStatus(t, cancelled, err, servicerequest.StatusCANCELLED)
	if cancelled.Description != "Annulée : abandonné" || cancelled.AgreedAt == nil {
		t.Fatalf("cancelled: %+v", cancelled)
	}
	_, err = s.svc.ServiceRequests.RecordTime(s.staff, work(agreed.ID, "Paul", onDay(2026, 3, 2), 60, 4500))
	expectCode(t, err, communs.ECONFLICT)
}

func TestServiceConcurrentTime(t *testing.T) {
	t.Parallel()
	s := newServiceScene(t)
	sr := s.estimated(t, servicerequest.KindSTARTUP, "Installation")

	const n = 8
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		go func() {
			<-start
			_, err := s.svc.ServiceRequests.RecordTime(s.staff, work(sr.ID, "Paul", onDay(2026, 3, 2), 30, 6000))
			errs <- err
		}()
	}
	close(start)
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if count := s.client.TimeEntry.Query().Where(timeentry.ServiceRequestID(sr.ID)).CountX(s.sys); count != n {
		t.Fatalf("%d time entries, want %d", count, n)
	}
	got, err := s.svc.ServiceRequests.Actuals(s.staff, []pulid.ID{sr.ID})
	if err != nil || got[sr.ID] != (ServiceActual{Minutes: n * 30, Amount: n * 3000}) {
		t.Fatalf("actuals: %v %+v", err, got)
	}
	if sr = s.client.ServiceRequest.GetX(s.sys, sr.ID); sr.Status != servicerequest.StatusIN_PROGRESS {
		t.Fatalf("status %s", sr.Status)
	}
}

// estimateOf is the amount the member agrees to: the request's estimate.
func estimateOf(sr *ent.ServiceRequest) int64 {
	if sr.EstimatedAmount == nil {
		return 0
	}
	return *sr.EstimatedAmount
}
