package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"communs/ent/notification"
	"communs/internal/viewer"
	cilmodule "communs/modules/cil"
)

// The register a CIL keeps complete (issue "Fair charges and a complete
// register"), through the API as the groupement's CIL referent.

func TestProcessorRecordsCompletedAndFlaggedThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	cil := s.as(t, gsmCIL)
	var records struct {
		ProcessingRecords struct {
			Edges []struct {
				Node struct {
					ID            string
					MissingFields []string
				}
			}
		}
	}
	cil.data(t, `{ processingRecords(first: 1, where: {role: PROCESSOR, status: ACTIVE, derivedFromSubscriptionIDNotNil: true}) {
		edges { node { id missingFields } } } }`, nil, &records)
	if len(records.ProcessingRecords.Edges) != 1 {
		t.Fatal("the demo has no processor record derived from a subscription")
	}
	record := records.ProcessingRecords.Edges[0].Node
	if !slices.Contains(record.MissingFields, "security_measures") || !slices.Contains(record.MissingFields, "transfers") {
		t.Errorf("a derived processor record lacks %v", record.MissingFields)
	}
	type todo struct {
		CilTodo struct {
			IncompleteRecords []struct{ ID string }
			LateBreaches      []struct {
				HoursElapsed int
				Breach       struct{ ID string }
			}
		}
	}
	const readTodo = `{ cilTodo { incompleteRecords { id } lateBreaches { hoursElapsed breach { id } } } }`
	var before todo
	cil.data(t, readTodo, nil, &before)
	listed := func(td todo) bool {
		return slices.ContainsFunc(td.CilTodo.IncompleteRecords, func(r struct{ ID string }) bool { return r.ID == record.ID })
	}
	if !listed(before) {
		t.Error("cilTodo does not list the incomplete record")
	}

	// The CIL completes what the subscription does not own…
	const update = `mutation($id: ID!, $in: UpdateProcessingRecordInput!) { updateProcessingRecord(id: $id, input: $in) { missingFields securityMeasures } }`
	var updated struct {
		UpdateProcessingRecord struct{ MissingFields, SecurityMeasures []string }
	}
	cil.data(t, update, map[string]any{"id": record.ID, "in": map[string]any{
		"securityMeasures": []string{"chiffrement des sauvegardes"}, "transfers": []string{"aucun transfert hors UE"},
		"appendSecurityMeasures": []string{"journalisation des accès"}}}, &updated)
	if u := updated.UpdateProcessingRecord; len(u.MissingFields) != 0 || len(u.SecurityMeasures) != 2 {
		t.Errorf("completed record: %+v", u)
	}
	var after todo
	cil.data(t, readTodo, nil, &after)
	if listed(after) {
		t.Error("cilTodo still lists the completed record")
	}
	// …and not what it owns.
	resp := cil.query(t, update, map[string]any{"id": record.ID, "in": map[string]any{"name": "Autre nom"}})
	if resp.code() != "INVALID_INPUT" || resp.Errors[0].Extensions["field"] != "name" {
		t.Errorf("renaming a derived record: %+v", resp.Errors)
	}

	// A breach past 72 hours without notification is flagged with the hours elapsed.
	var recorded struct{ RecordBreach struct{ ID string } }
	detected := time.Now().Add(-100 * time.Hour).UTC().Format(time.RFC3339)
	cil.data(t, `mutation($at: Time!) { recordBreach(input: {detectedAt: $at, nature: "rançongiciel sur un poste"}) { id } }`,
		map[string]any{"at": detected}, &recorded)
	cil.data(t, readTodo, nil, &after)
	i := slices.IndexFunc(after.CilTodo.LateBreaches, func(b struct {
		HoursElapsed int
		Breach       struct{ ID string }
	}) bool {
		return b.Breach.ID == recorded.RecordBreach.ID
	})
	if i < 0 || after.CilTodo.LateBreaches[i].HoursElapsed < 100 {
		t.Errorf("late breaches: %+v", after.CilTodo.LateBreaches)
	}
	// The nightly job writes it to the groupement's CIL referent.
	sys := viewer.SystemContext(context.Background())
	if err := cilmodule.New(s.db.Client).Remind(sys); err != nil {
		t.Fatal(err)
	}
	sent := s.db.Client.Notification.Query().
		Where(notification.KindEQ(notification.KindCIL_TODO), notification.Recipient(gsmCIL)).AllX(sys)
	if len(sent) != 1 || !strings.Contains(sent[0].Body, "rançongiciel sur un poste") || !strings.Contains(sent[0].Body, "non notifiée") {
		t.Errorf("reminders: %+v", sent)
	}
}

func TestSectorTemplatesThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	cil := s.as(t, tilleulsCIL)
	var templates struct{ ProcessingTemplates []struct{ Code, Name string } }
	cil.data(t, `{ processingTemplates { code name } }`, nil, &templates)
	var codes []string
	for _, tpl := range templates.ProcessingTemplates {
		codes = append(codes, tpl.Code)
	}
	for _, want := range []string{"DOSSIER_USAGER", "RH_PAIE", "REMONTEES_ACTIVITE", "VIDEOPROTECTION", "MESSAGERIE"} {
		if !slices.Contains(codes, want) {
			t.Errorf("no template %s in %v", want, codes)
		}
	}
	tilleuls := memberOf(t, s.as(t, tilleulsAdmin))
	const create = `mutation($m: ID, $code: String!) { createProcessingRecordFromTemplate(input: {templateCode: $code, memberId: $m}) {
		id status templateCode controller missingFields } }`
	var created struct {
		CreateProcessingRecordFromTemplate struct {
			ID, Status, TemplateCode, Controller string
			MissingFields                        []string
		}
	}
	cil.data(t, create, map[string]any{"m": tilleuls, "code": "RH_PAIE"}, &created)
	c := created.CreateProcessingRecordFromTemplate
	if c.Status != "DRAFT" || c.TemplateCode != "RH_PAIE" || c.Controller != "Association Les Tilleuls de l'Yonne" || len(c.MissingFields) != 0 {
		t.Errorf("record from the template: %+v", c)
	}
	// The CIL edits it like any record.
	var updated struct{ UpdateProcessingRecord struct{ Retention []string } }
	cil.data(t, `mutation($id: ID!) { updateProcessingRecord(id: $id, input: {appendRetention: ["dossiers disciplinaires : 3 ans"]}) { retention } }`,
		map[string]any{"id": c.ID}, &updated)
	if n := len(updated.UpdateProcessingRecord.Retention); n != 3 {
		t.Errorf("retention after the edit: %v", updated.UpdateProcessingRecord.Retention)
	}
	// Another member's register is not the Tilleuls' CIL's to fill.
	genets := memberOf(t, s.as(t, "admin@genets-morvan.example"))
	if code := cil.query(t, create, map[string]any{"m": genets, "code": "RH_PAIE"}).code(); code != "FORBIDDEN" {
		t.Errorf("a template into another member's register: %s", code)
	}
	if resp := cil.query(t, create, map[string]any{"m": tilleuls, "code": "INCONNU"}); resp.code() != "INVALID_INPUT" {
		t.Errorf("an unknown template: %+v", resp.Errors)
	}
	// The demo's member register was started from the templates.
	var demo struct {
		ProcessingRecords struct{ TotalCount int }
	}
	s.as(t, gsmCIL).data(t, `{ processingRecords(first: 1, where: {templateCode: "DOSSIER_USAGER"}) { totalCount } }`, nil, &demo)
	if demo.ProcessingRecords.TotalCount == 0 {
		t.Error("the demo uses no template")
	}
}

func TestSubjectRequestsActOnThePersonsFileThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	cil, staff := s.as(t, tilleulsCIL), s.as(t, tilleulsStaff)
	var persons struct {
		Persons struct {
			Edges []struct {
				Node struct {
					ID    string
					Stays []struct{ ID string }
				}
			}
		}
	}
	staff.data(t, `{ persons(first: 1) { edges { node { id stays { id } } } } }`, nil, &persons)
	if len(persons.Persons.Edges) == 0 {
		t.Fatal("Les Tilleuls have no person's file")
	}
	person := persons.Persons.Edges[0].Node
	tilleuls := memberOf(t, s.as(t, tilleulsAdmin))
	logRequest := func(kind string) string {
		var logged struct{ LogSubjectRequest struct{ ID string } }
		cil.data(t, `mutation($m: ID!, $p: ID!, $type: SubjectRequestType!, $on: Date!) { logSubjectRequest(input: {memberID: $m, personID: $p,
			type: $type, requester: "la personne", receivedOn: $on}) { id } }`,
			map[string]any{"m": tilleuls, "p": person.ID, "type": kind, "on": time.Now().Format(time.DateOnly)}, &logged)
		return logged.LogSubjectRequest.ID
	}
	const fulfil = `mutation($id: ID!) { fulfilSubjectRequest(id: $id) { exportPath request { status fulfilment fulfilledAt } } }`
	type fulfilled struct {
		FulfilSubjectRequest struct {
			ExportPath *string
			Request    struct {
				Status      string
				Fulfilment  *string
				FulfilledAt *string
			}
		}
	}

	// Access: the Art. 15 export, recorded on the request; not by the
	// groupement's CIL, to whom Les Tilleuls did not delegate its register.
	accessID := logRequest("ACCESS")
	if code := s.as(t, gsmCIL).query(t, fulfil, map[string]any{"id": accessID}).code(); code != "FORBIDDEN" {
		t.Errorf("the groupement's CIL fulfilling a member's request without delegation: %s", code)
	}
	var access fulfilled
	cil.data(t, fulfil, map[string]any{"id": accessID}, &access)
	a := access.FulfilSubjectRequest
	if a.Request.Status != "ANSWERED" || a.Request.Fulfilment == nil || *a.Request.Fulfilment != "ACCESS_EXPORT" ||
		a.Request.FulfilledAt == nil || a.ExportPath == nil {
		t.Fatalf("access request fulfilled: %+v", a)
	}
	download(t, cil, *a.ExportPath+".json", 200)
	if logged := accessLog(t, s, person.ID); logged["export"] == 0 {
		t.Errorf("the export is not in the access log: %v", logged)
	}

	// Erasure: refused while the person is supported, then done.
	erasure := logRequest("ERASURE")
	if code := cil.query(t, fulfil, map[string]any{"id": erasure}).code(); code != "CONFLICT" {
		t.Errorf("erasing a person still supported: %s", code)
	}
	for _, stay := range person.Stays {
		staff.data(t, `mutation($s: ID!) { dischargePerson(stayId: $s, dischargedOn: "2026-04-30") { id } }`, map[string]any{"s": stay.ID}, &struct{}{})
	}
	var erased fulfilled
	cil.data(t, fulfil, map[string]any{"id": erasure}, &erased)
	if e := erased.FulfilSubjectRequest; e.Request.Fulfilment == nil || *e.Request.Fulfilment != "ERASURE" || e.ExportPath != nil {
		t.Errorf("erasure request fulfilled: %+v", e)
	}
	if code := cil.query(t, fulfil, map[string]any{"id": erasure}).code(); code != "CONFLICT" {
		t.Errorf("fulfilling twice: %s", code)
	}
}

func TestSubjectRequestsWithoutTheUserRecord(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(c *serveConfig) { c.modules = "cil" })
	resp := s.as(t, tilleulsCIL).query(t, `mutation { fulfilSubjectRequest(id: "DSR01JAAAAAAAAAAAAAAAAAAAA") { exportPath } }`, nil)
	if resp.code() != "MODULE_DISABLED" {
		t.Errorf("fulfilling with the user record off: %+v", resp.Errors)
	}
}
