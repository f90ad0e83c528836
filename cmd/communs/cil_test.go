package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"communs/ent/account"
	"communs/ent/member"
	"communs/ent/notification"
	"communs/ent/processingrecord"
	"communs/ent/roleassignment"
	"communs/ent/schema/pulid"
	"communs/ent/subjectrequest"
	"communs/internal/viewer"
	"communs/modules/cil"
)

const gsmCIL, tilleulsCIL = "cil@communs.example", "cil@tilleuls-yonne.example"

type recordPayload struct {
	ID, Status   string
	DpiaRequired bool
	Revision     int
}

func TestProcessingRegisterThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	keeper := s.as(t, gsmCIL)

	// A record of the groupement's register, screened for a DPIA.
	var created struct{ CreateProcessingRecord recordPayload }
	keeper.data(t, `mutation { createProcessingRecord(input: {role: CONTROLLER, name: "Annuaire des contacts",
		purposes: ["annuaire"], dpiaCriteria: ["LARGE_SCALE"]}) { id status dpiaRequired revision } }`, nil, &created)
	record := created.CreateProcessingRecord
	if record.DpiaRequired || record.Revision != 1 {
		t.Errorf("one criterion: %+v", record)
	}
	var updated struct{ UpdateProcessingRecord recordPayload }
	keeper.data(t, `mutation($id: ID!) { updateProcessingRecord(id: $id, input: {purposes: ["annuaire", "relances"],
		dpiaCriteria: ["LARGE_SCALE", "VULNERABLE_SUBJECTS"], status: ACTIVE}) { id status dpiaRequired revision } }`,
		map[string]any{"id": record.ID}, &updated)
	if u := updated.UpdateProcessingRecord; !u.DpiaRequired || u.Revision != 2 || u.Status != "ACTIVE" {
		t.Errorf("two criteria: %+v, want a DPIA required at revision 2", u)
	}
	if code := keeper.query(t, `mutation($id: ID!) { updateProcessingRecord(id: $id, input: {dpiaCriteria: ["HOROSCOPE"]}) { id } }`,
		map[string]any{"id": record.ID}).code(); code != "INVALID_INPUT" {
		t.Errorf("an unknown criterion: %s", code)
	}
	var diff struct {
		CompareProcessingRevisions []struct{ Field, Before, After string }
	}
	keeper.data(t, `query($id: ID!) { compareProcessingRevisions(recordId: $id, from: 1, to: 2) { field before after } }`,
		map[string]any{"id": record.ID}, &diff)
	fields := map[string]string{}
	for _, c := range diff.CompareProcessingRevisions {
		fields[c.Field] = c.After
	}
	if fields["purposes"] != `["annuaire","relances"]` || fields["status"] != `"ACTIVE"` || fields["dpia_required"] != "true" {
		t.Errorf("revision diff: %+v", diff.CompareProcessingRevisions)
	}

	// The staff reads the register but does not keep it.
	if code := s.as(t, gsmStaff).query(t, `mutation($id: ID!) { archiveProcessingRecord(id: $id) { id } }`,
		map[string]any{"id": record.ID}).code(); code != "FORBIDDEN" {
		t.Errorf("the staff archiving a record: %s", code)
	}
	var archived struct{ ArchiveProcessingRecord recordPayload }
	keeper.data(t, `mutation($id: ID!) { archiveProcessingRecord(id: $id) { id status revision } }`, map[string]any{"id": record.ID}, &archived)
	if a := archived.ArchiveProcessingRecord; a.Status != "ARCHIVED" || a.Revision != 3 {
		t.Errorf("archived: %+v", a)
	}

	// The CSV export has the columns of the CNIL's template.
	csv := download(t, keeper, "/exports/cil-register/register.csv", 200)
	header, _, _ := strings.Cut(strings.TrimPrefix(csv, "\uFEFF"), "\r\n")
	if header != strings.Join(cil.CSVColumns, ",") {
		t.Errorf("CSV header %q", header)
	}
	if html := download(t, keeper, "/exports/cil-register/register.html", 200); !strings.Contains(html, "Annuaire des contacts") {
		t.Error("the HTML register lacks the record")
	}
	download(t, &testServer{url: s.url}, "/exports/cil-register/register.json", 401)
}

func TestMemberRegisterAndDelegation(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	groupementCIL, memberCIL, admin := s.as(t, gsmCIL), s.as(t, tilleulsCIL), s.as(t, tilleulsAdmin)
	tilleuls := memberOf(t, admin)
	const create = `mutation($m: ID!) { createProcessingRecord(input: {memberID: $m, role: CONTROLLER, name: "Paie"}) { id } }`
	vars := map[string]any{"m": tilleuls}
	var own struct{ CreateProcessingRecord struct{ ID string } }
	memberCIL.data(t, create, vars, &own)
	// The member's CIL keeps its register: changes, archives.
	memberCIL.data(t, `mutation($id: ID!) { updateProcessingRecord(id: $id, input: {purposes: ["paie"]}) { id } }`,
		map[string]any{"id": own.CreateProcessingRecord.ID}, &struct{}{})
	memberCIL.data(t, `mutation($m: ID!) { logSubjectRequest(input: {memberID: $m, type: ACCESS, requester: "M. Secret", receivedOn: "2026-11-02"}) { id } }`,
		vars, &struct{}{})
	// The member's viewer reads the register, not the requests naming people.
	viewerJSON := download(t, s.as(t, "viewer@tilleuls-yonne.example"), "/exports/cil-register/register.json?member="+tilleuls, 200)
	if !strings.Contains(viewerJSON, "Paie") || strings.Contains(viewerJSON, "M. Secret") {
		t.Errorf("the viewer's export:\n%s", viewerJSON)
	}
	if cilJSON := download(t, memberCIL, "/exports/cil-register/register.json?member="+tilleuls, 200); !strings.Contains(cilJSON, "M. Secret") {
		t.Errorf("the member CIL's export lacks the request:\n%s", cilJSON)
	}
	if code := groupementCIL.query(t, create, vars).code(); code != "FORBIDDEN" {
		t.Errorf("the groupement's CIL keeping an undelegated register: %s", code)
	}
	admin.data(t, `mutation($m: ID!) { delegateRegister(memberId: $m) { id } }`, vars, &struct{}{})
	groupementCIL.data(t, create, vars, &struct{}{})
	// A delegated register's to-do goes to the groupement's CIL referent too.
	groupementCIL.data(t, `mutation($m: ID!) { logSubjectRequest(input: {memberID: $m, type: ERASURE, requester: "M. R.", receivedOn: "2026-01-05"}) { id } }`,
		vars, &struct{}{})
	sys := viewer.SystemContext(context.Background())
	if err := cil.New(s.db.Client).Remind(sys); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{gsmCIL, tilleulsCIL} {
		n := s.db.Client.Notification.Query().Where(notification.KindEQ(notification.KindCIL_TODO),
			notification.Recipient(to), notification.MemberID(pulid.ID(tilleuls))).CountX(sys)
		if n != 1 {
			t.Errorf("%d reminders of the delegated register to %s, want 1", n, to)
		}
	}
	admin.data(t, `mutation($m: ID!) { revokeRegisterDelegation(memberId: $m) { revokedAt } }`, vars, &struct{}{})
	if code := groupementCIL.query(t, create, vars).code(); code != "FORBIDDEN" {
		t.Errorf("after the revocation: %s", code)
	}
	var page struct{ ProcessingRecords struct{ TotalCount int } }
	s.as(t, "admin@genets-morvan.example").data(t, `query($m: ID!) { processingRecords(first: 10, where: {memberID: $m}) { totalCount } }`, vars, &page)
	if page.ProcessingRecords.TotalCount != 0 {
		t.Errorf("another member reads %d records of Les Tilleuls", page.ProcessingRecords.TotalCount)
	}
	s.as(t, "viewer@tilleuls-yonne.example").data(t, `query($m: ID!) { processingRecords(first: 10, where: {memberID: $m}) { totalCount } }`, vars, &page)
	if page.ProcessingRecords.TotalCount != 2 {
		t.Errorf("the member's viewer reads %d records, want 2", page.ProcessingRecords.TotalCount)
	}
}

func TestBreachesAndRequests(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	keeper := s.as(t, gsmCIL)
	const breach = `mutation($reason: String) { recordBreach(input: {detectedAt: "2026-03-02T08:00:00Z", nature: "perte d'un ordinateur portable",
		authorityNotifiedAt: "2026-03-05T09:00:00Z", lateNotificationReason: $reason}) { id } }`
	resp := keeper.query(t, breach, nil)
	if resp.code() != "INVALID_INPUT" || resp.Errors[0].Extensions["field"] != "lateNotificationReason" {
		t.Errorf("notified after 72 hours without a reason: %+v", resp.Errors)
	}
	keeper.data(t, breach, map[string]any{"reason": "ampleur établie le 5 mars"}, &struct{}{})

	var logged struct{ LogSubjectRequest struct{ ID, DueOn string } }
	keeper.data(t, `mutation { logSubjectRequest(input: {type: ACCESS, requester: "Mme D.", receivedOn: "2026-01-31"}) { id dueOn } }`, nil, &logged)
	if logged.LogSubjectRequest.DueOn != "2026-02-28" {
		t.Errorf("due on %s, want 2026-02-28 (one month)", logged.LogSubjectRequest.DueOn)
	}
	var todo struct {
		CilTodo struct{ OverdueRequests []struct{ ID string } }
	}
	keeper.data(t, `{ cilTodo { overdueRequests { id } } }`, nil, &todo)
	if len(todo.CilTodo.OverdueRequests) != 1 || todo.CilTodo.OverdueRequests[0].ID != logged.LogSubjectRequest.ID {
		t.Errorf("overdue: %+v", todo.CilTodo)
	}
	// The nightly job writes the to-do to the groupement's CIL referent.
	sys := viewer.SystemContext(context.Background())
	if err := cil.New(s.db.Client).Remind(sys); err != nil {
		t.Fatal(err)
	}
	sent := s.db.Client.Notification.Query().
		Where(notification.KindEQ(notification.KindCIL_TODO), notification.Recipient(gsmCIL)).AllX(sys)
	if len(sent) != 1 || !strings.Contains(sent[0].Body, "Mme D.") {
		t.Errorf("reminders: %+v", sent)
	}
	var extended struct{ ExtendSubjectRequest struct{ DueOn string } }
	keeper.data(t, `mutation($id: ID!) { extendSubjectRequest(id: $id, reason: "demande complexe") { dueOn } }`,
		map[string]any{"id": logged.LogSubjectRequest.ID}, &extended)
	if extended.ExtendSubjectRequest.DueOn != "2026-04-30" {
		t.Errorf("extended to %s, want 2026-04-30", extended.ExtendSubjectRequest.DueOn)
	}
	keeper.data(t, `mutation($id: ID!) { answerSubjectRequest(id: $id, status: ANSWERED, answeredOn: "2026-05-02") { status } }`,
		map[string]any{"id": logged.LogSubjectRequest.ID}, &struct{}{})
	keeper.data(t, `{ cilTodo { overdueRequests { id } } }`, nil, &todo)
	if len(todo.CilTodo.OverdueRequests) != 0 {
		t.Errorf("an answered request is still overdue: %+v", todo.CilTodo)
	}
}

func TestProcessorRecordsFollowSubscriptions(t *testing.T) {
	t.Parallel()
	for _, modules := range []string{"all", "directory"} {
		t.Run(modules, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, func(c *serveConfig) { c.modules = modules })
			staff, admin := s.as(t, gsmStaff), s.as(t, tilleulsAdmin)
			var res struct {
				Resources struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			staff.data(t, `{ resources(first: 1, where: {code: "GESTETAB"}) { edges { node { id } } } }`, nil, &res)
			var requested struct {
				RequestSubscription struct{ Subscription struct{ ID string } }
			}
			admin.data(t, `mutation($m: ID!, $r: ID!) { requestSubscription(input: {memberId: $m, resourceId: $r}) { subscription { id } } }`,
				map[string]any{"m": memberOf(t, admin), "r": res.Resources.Edges[0].Node.ID}, &requested)
			sub := requested.RequestSubscription.Subscription.ID
			staff.data(t, `mutation($id: ID!) { activateSubscription(input: {id: $id, startsOn: "2026-04-01", conventionSignedOn: "2026-03-20", projectLeadName: "M. P."}) { subscription { id } } }`,
				map[string]any{"id": sub}, &struct{}{})
			derived := func() []processingrecord.Status {
				t.Helper()
				rows := s.db.Client.ProcessingRecord.Query().
					Where(processingrecord.DerivedFromSubscriptionID(pulid.ID(sub))).AllX(viewer.SystemContext(context.Background()))
				out := make([]processingrecord.Status, len(rows))
				for i, r := range rows {
					out[i] = r.Status
				}
				return out
			}
			if modules == "directory" {
				if n := len(derived()); n != 0 {
					t.Errorf("the CIL module is off, yet %d processor record was written", n)
				}
				if code := s.as(t, gsmCIL).query(t, `{ processingRecords(first: 1) { totalCount } }`, nil).code(); code != "MODULE_DISABLED" {
					t.Errorf("processingRecords with the module off: %s", code)
				}
				return
			}
			if got := derived(); len(got) != 1 || got[0] != processingrecord.StatusACTIVE {
				t.Fatalf("after the activation: %+v", got)
			}
			record := s.db.Client.ProcessingRecord.Query().
				Where(processingrecord.DerivedFromSubscriptionID(pulid.ID(sub))).OnlyX(viewer.SystemContext(context.Background()))
			if code := s.as(t, gsmCIL).query(t, `mutation($id: ID!) { archiveProcessingRecord(id: $id) { id } }`,
				map[string]any{"id": record.ID}).code(); code != "CONFLICT" {
				t.Errorf("archiving a derived record by hand: %s", code)
			}
			staff.data(t, `mutation($id: ID!) { endSubscription(input: {id: $id, endsOn: "2026-10-31"}) { subscription { id } } }`,
				map[string]any{"id": sub}, &struct{}{})
			if got := derived(); len(got) != 1 || got[0] != processingrecord.StatusARCHIVED {
				t.Errorf("after the end: %+v", got)
			}
		})
	}
}

// TestCILRightsPerMember: an account administering one member and staff of
// another acts as an administrator only in the first.
func TestCILRightsPerMember(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	sys := viewer.SystemContext(context.Background())
	genets := s.db.Client.Member.Query().Where(member.NameContains("Genêts du Morvan")).OnlyX(sys)
	admin := s.db.Client.Account.Query().Where(account.Email(tilleulsAdmin)).OnlyX(sys)
	s.db.Client.RoleAssignment.Create().SetAccountID(admin.ID).SetMemberID(genets.ID).
		SetRole(roleassignment.RoleMemberStaff).ExecX(sys)
	c := s.as(t, tilleulsAdmin)
	if code := c.query(t, `mutation($m: ID!) { delegateRegister(memberId: $m) { id } }`,
		map[string]any{"m": string(genets.ID)}).code(); code != "FORBIDDEN" {
		t.Errorf("a staff member of Genêts delegating its register: %s", code)
	}
	s.db.Client.SubjectRequest.Create().SetMemberID(genets.ID).SetType(subjectrequest.TypeACCESS).
		SetRequester("Mme G.").SetReceivedOn(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)).
		SetDueOn(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)).ExecX(sys)
	var page struct{ SubjectRequests struct{ TotalCount int } }
	c.data(t, `query($m: ID!) { subjectRequests(first: 5, where: {memberID: $m}) { totalCount } }`,
		map[string]any{"m": string(genets.ID)}, &page)
	if page.SubjectRequests.TotalCount != 0 {
		t.Errorf("a staff member of Genêts reads %d of its data-subject requests", page.SubjectRequests.TotalCount)
	}
}

func TestBreachNotificationCleared(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	keeper := s.as(t, gsmCIL)
	var b struct{ RecordBreach struct{ ID string } }
	keeper.data(t, `mutation { recordBreach(input: {detectedAt: "2026-03-02T08:00:00Z", nature: "erreur d'envoi",
		authorityNotifiedAt: "2026-03-06T09:00:00Z", lateNotificationReason: "analyse"}) { id } }`, nil, &b)
	// Cleared together: no notification, so no reason is needed.
	var cleared struct {
		UpdateBreach struct{ AuthorityNotifiedAt *string }
	}
	keeper.data(t, `mutation($id: ID!) { updateBreach(id: $id, input: {clearAuthorityNotifiedAt: true, lateNotificationReason: ""}) { authorityNotifiedAt } }`,
		map[string]any{"id": b.RecordBreach.ID}, &cleared)
	if cleared.UpdateBreach.AuthorityNotifiedAt != nil {
		t.Errorf("notification not cleared: %v", *cleared.UpdateBreach.AuthorityNotifiedAt)
	}
}

// A member's CIL may name in its breaches and requests only records it
// reads: not another member's, nor ids of no record.
func TestBreachesAndRequestsNameReadableRecords(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	memberCIL := s.as(t, tilleulsCIL)
	tilleuls := memberOf(t, s.as(t, tilleulsAdmin))
	var own struct{ CreateProcessingRecord struct{ ID string } }
	memberCIL.data(t, `mutation($m: ID!) { createProcessingRecord(input: {memberID: $m, role: CONTROLLER, name: "Paie"}) { id } }`,
		map[string]any{"m": tilleuls}, &own)
	sys := viewer.SystemContext(context.Background())
	others, err := s.db.Client.ProcessingRecord.Query().
		Where(processingrecord.MemberIDNotNil(), processingrecord.MemberIDNEQ(pulid.ID(tilleuls))).First(sys)
	if err != nil {
		t.Fatal(err)
	}
	const (
		request = `mutation($m: ID!, $r: ID!) { logSubjectRequest(input: {memberID: $m, type: ACCESS, requester: "M. D.", receivedOn: "2026-01-31", recordID: $r}) { id } }`
		breach  = `mutation($m: ID!, $r: String!) { recordBreach(input: {memberID: $m, detectedAt: "2026-03-02T08:00:00Z", nature: "perte", recordIds: [$r]}) { id } }`
		update  = `mutation($b: ID!, $r: String!) { updateBreach(id: $b, input: {appendRecordIds: [$r]}) { id } }`
	)
	var recorded struct{ RecordBreach struct{ ID string } }
	memberCIL.data(t, breach, map[string]any{"m": tilleuls, "r": own.CreateProcessingRecord.ID}, &recorded)
	memberCIL.data(t, request, map[string]any{"m": tilleuls, "r": own.CreateProcessingRecord.ID}, &struct{}{})
	for _, record := range []string{string(others.ID), "PRC01NOSUCHRECORD000000000000"} {
		for name, tc := range map[string]struct {
			query string
			vars  map[string]any
			field string
		}{
			"request": {request, map[string]any{"m": tilleuls, "r": record}, "recordID"},
			"breach":  {breach, map[string]any{"m": tilleuls, "r": record}, "recordIds"},
			"update":  {update, map[string]any{"b": recorded.RecordBreach.ID, "r": record}, "recordIds"},
		} {
			res := memberCIL.query(t, tc.query, tc.vars)
			if res.code() != "INVALID_INPUT" || res.Errors[0].Extensions["field"] != tc.field {
				t.Errorf("a %s naming %s: %+v", name, record, res.Errors)
			}
		}
	}
}
