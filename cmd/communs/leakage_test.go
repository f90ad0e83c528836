package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"communs/ent"
	"communs/ent/charge"
	"communs/ent/chargerun"
	"communs/ent/cpomaction"
	"communs/ent/cpomcontract"
	"communs/ent/cpomdialogue"
	"communs/ent/cpomindicator"
	"communs/ent/cpomindicatoryear"
	"communs/ent/cpommilestone"
	"communs/ent/cpomobjective"
	"communs/ent/member"
	"communs/ent/memberdocument"
	"communs/ent/memberprofilechange"
	"communs/ent/payment"
	"communs/ent/schema/pulid"
	"communs/ent/schema/schematype"
	"communs/ent/servicerequest"
	"communs/ent/subscription"
	"communs/ent/supportaccess"
	"communs/ent/trainingattendance"
	"communs/ent/trainingenrolment"
	"communs/ent/trainingsession"
	"communs/internal/viewer"
)

// Row isolation between members, end to end: the people of member A (Les
// Tilleuls de l'Yonne, ACTIVE) never see the rows of other members, whatever
// the shape of the query: root connections with filters aimed at another
// member, totalCount, node(id:) and nodes(ids:), nested edges reached
// through the shared catalogue, and filters that go through shared rows.
//
// What A must and must not see is not written by hand: the groupement's
// staff reads every row of every member-owned kind first, the rows are
// sorted into A's (and the common costs every member audits) and everyone
// else's, and any id of the second set anywhere in an answer to A is a leak.

// leakA is member A; leakOthers are the members B whose rows A must not see,
// chosen so that together they own a row of every member-owned kind of the
// demo data: Les Genêts du Morvan (a FOUNDER: subscriptions, a declaration
// with lines and a revision, a category change, an administrator's account
// and role, its audit trail; the charges and calls for funds the test adds),
// Solidarités Rhône-Alpes (direct costs and a service request) and L'Escale
// Jurassienne (a service request with time entries); the test gives Les
// Genêts a trainee enrolled in a demo session, with attendance.
const leakA = "Association Les Tilleuls de l'Yonne"

var leakOthers = []string{
	"Association Les Genêts du Morvan",
	"Fédération Solidarités Rhône-Alpes",
	"Association L'Escale Jurassienne",
}

// leakViewers are A's people the test runs as. Only member_admin may run
// the root fields accounts, roleAssignments and auditEvents (policy.csv).
var leakViewers = []struct {
	role, email string
	admin       bool
}{
	{"member_admin", "admin@tilleuls-yonne.example", true},
	{"member_staff", "staff@tilleuls-yonne.example", false},
}

// leakRow is a row of any member-owned kind, with what tells whose it is.
type leakRow struct {
	ID               string  `json:"id"`
	Name             string  `json:"name"`
	Email            string  `json:"email"`
	Amount           string  `json:"amount"`
	MemberID         *string `json:"memberID"`
	DeclarationID    string  `json:"declarationID"`
	ServiceRequestID string  `json:"serviceRequestID"`
	Declaration      *struct {
		MemberID string `json:"memberID"`
	} `json:"declaration"`
	ServiceRequest *struct {
		MemberID string `json:"memberID"`
	} `json:"serviceRequest"`
	RoleAssignments []struct {
		MemberID *string `json:"memberID"`
	} `json:"roleAssignments"`
}

// leakFilter is a where argument and the totalCount A must get with it.
type leakFilter struct {
	name  string
	where map[string]any
	want  int
}

// leakTarget is what filters aimed at member b are built from.
type leakTarget struct {
	a, b, bName string
	bRows       []leakRow // b's rows of the kind
	aOwned      []leakRow // A's own rows of the kind (common costs left out)
}

// leakKind is a member-owned kind, read through its root connection.
type leakKind struct {
	field, whereType string
	sel              string                        // selection that tells the owner, read by the groupement
	owners           func(r leakRow) []string      // members the row belongs to; none for the groupement's
	commonVisible    bool                          // rows of no member are every member's to see
	memberField      bool                          // where has memberID and memberIDIn
	memberEdge       bool                          // where has hasMemberWith
	adminOnly        bool                          // root field granted to member_admin only
	extra            func(leakTarget) []leakFilter // more filters aimed at b
}

func ownerMemberID(r leakRow) []string {
	if r.MemberID == nil {
		return nil
	}
	return []string{*r.MemberID}
}

func ownerItself(r leakRow) []string { return []string{r.ID} }

func ownerDeclaration(r leakRow) []string {
	if r.Declaration == nil {
		return nil
	}
	return []string{r.Declaration.MemberID}
}

func ownerServiceRequest(r leakRow) []string {
	if r.ServiceRequest == nil {
		return nil
	}
	return []string{r.ServiceRequest.MemberID}
}

func ownerRoles(r leakRow) []string {
	var owners []string
	for _, ra := range r.RoleAssignments {
		if ra.MemberID != nil && !slices.Contains(owners, *ra.MemberID) {
			owners = append(owners, *ra.MemberID)
		}
	}
	return owners
}

// leakFirst returns the first row's field, or "" without rows.
func leakFirst(rows []leakRow, field func(leakRow) string) string {
	if len(rows) == 0 {
		return ""
	}
	return field(rows[0])
}

// leakKinds are every member-owned kind with a root connection.
var leakKinds = []leakKind{
	{field: "members", whereType: "MemberWhereInput", sel: "id name", owners: ownerItself,
		extra: func(x leakTarget) []leakFilter {
			return []leakFilter{
				{"name", map[string]any{"name": x.bName}, 0},
				{"nameContainsFold", map[string]any{"nameContainsFold": strings.Fields(x.bName)[len(strings.Fields(x.bName))-1]}, 0},
				{"hasSubscriptionsWith memberID", map[string]any{"hasSubscriptionsWith": []any{map[string]any{"memberID": x.b}}}, 0},
				{"hasDirectCostsWith memberID", map[string]any{"hasDirectCostsWith": []any{map[string]any{"memberID": x.b}}}, 0},
				{"hasRoleAssignmentsWith memberID", map[string]any{"hasRoleAssignmentsWith": []any{map[string]any{"memberID": x.b}}}, 0},
				{"idIn with own", map[string]any{"idIn": []string{x.a, x.b}}, 1},
			}
		}},
	{field: "subscriptions", whereType: "SubscriptionWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true},
	{field: "usageDeclarations", whereType: "UsageDeclarationWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true},
	{field: "usageDeclarationLines", whereType: "UsageDeclarationLineWhereInput",
		sel: "id declarationID declaration { memberID }", owners: ownerDeclaration, extra: declarationFilters},
	{field: "usageDeclarationRevisions", whereType: "UsageDeclarationRevisionWhereInput",
		sel: "id declarationID declaration { memberID }", owners: ownerDeclaration, extra: declarationFilters},
	{field: "costEntries", whereType: "CostEntryWhereInput", sel: "id memberID amount", owners: ownerMemberID,
		commonVisible: true, memberField: true, memberEdge: true,
		extra: func(x leakTarget) []leakFilter {
			return []leakFilter{{"memberIDNotNil", map[string]any{"memberIDNotNil": true}, len(x.aOwned)}}
		}},
	{field: "serviceRequests", whereType: "ServiceRequestWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true},
	{field: "timeEntries", whereType: "TimeEntryWhereInput",
		sel: "id serviceRequestID serviceRequest { memberID }", owners: ownerServiceRequest,
		extra: func(x leakTarget) []leakFilter {
			filters := []leakFilter{
				{"hasServiceRequestWith memberID", map[string]any{"hasServiceRequestWith": []any{map[string]any{"memberID": x.b}}}, 0},
				{"hasServiceRequestWith hasMemberWith", map[string]any{"hasServiceRequestWith": []any{
					map[string]any{"hasMemberWith": []any{map[string]any{"id": x.b}}}}}, 0},
			}
			if sr := leakFirst(x.bRows, func(r leakRow) string { return r.ServiceRequestID }); sr != "" {
				filters = append(filters, leakFilter{"serviceRequestID", map[string]any{"serviceRequestID": sr}, 0})
			}
			return filters
		}},
	{field: "charges", whereType: "ChargeWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true},
	{field: "callsForFunds", whereType: "CallForFundsWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true},
	{field: "memberCategoryChanges", whereType: "MemberCategoryChangeWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true},
	{field: "memberProfileChanges", whereType: "MemberProfileChangeWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true},
	{field: "payments", whereType: "PaymentWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true},
	{field: "paymentAllocations", whereType: "PaymentAllocationWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true},
	{field: "paymentReminders", whereType: "PaymentReminderWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true},
	{field: "memberDocuments", whereType: "MemberDocumentWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true},
	{field: "trainees", whereType: "TraineeWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true},
	{field: "trainingEnrolments", whereType: "TrainingEnrolmentWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true, extra: func(x leakTarget) []leakFilter {
			return []leakFilter{{"hasTraineeWith memberID", map[string]any{"hasTraineeWith": []any{map[string]any{"memberID": x.b}}}, 0}}
		}},
	{field: "trainingAttendances", whereType: "TrainingAttendanceWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true, extra: func(x leakTarget) []leakFilter {
			return []leakFilter{
				{"hasEnrolmentWith memberID", map[string]any{"hasEnrolmentWith": []any{map[string]any{"memberID": x.b}}}, 0},
				{"hasTraineeWith hasMemberWith", map[string]any{"hasTraineeWith": []any{
					map[string]any{"hasMemberWith": []any{map[string]any{"id": x.b}}}}}, 0},
			}
		}},
	{field: "roleAssignments", whereType: "RoleAssignmentWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, memberEdge: true, adminOnly: true,
		extra: func(x leakTarget) []leakFilter {
			return []leakFilter{
				{"memberIDNotNil", map[string]any{"memberIDNotNil": true}, len(x.aOwned)},
				{"hasAccountWith hasRoleAssignmentsWith", map[string]any{"hasAccountWith": []any{
					map[string]any{"hasRoleAssignmentsWith": []any{map[string]any{"memberID": x.b}}}}}, 0},
			}
		}},
	{field: "accounts", whereType: "AccountWhereInput", sel: "id email roleAssignments { memberID }", owners: ownerRoles,
		adminOnly: true,
		extra: func(x leakTarget) []leakFilter {
			filters := []leakFilter{
				{"hasRoleAssignmentsWith memberID", map[string]any{"hasRoleAssignmentsWith": []any{map[string]any{"memberID": x.b}}}, 0},
				{"hasRoleAssignmentsWith hasMemberWith", map[string]any{"hasRoleAssignmentsWith": []any{
					map[string]any{"hasMemberWith": []any{map[string]any{"id": x.b}}}}}, 0},
			}
			if email := leakFirst(x.bRows, func(r leakRow) string { return r.Email }); email != "" {
				filters = append(filters, leakFilter{"email", map[string]any{"email": email}, 0})
			}
			return filters
		}},
	{field: "auditEvents", whereType: "AuditEventWhereInput", sel: "id memberID", owners: ownerMemberID,
		memberField: true, adminOnly: true,
		extra: func(x leakTarget) []leakFilter {
			return []leakFilter{{"entityID", map[string]any{"entityID": x.b}, 0}}
		}},
}

func declarationFilters(x leakTarget) []leakFilter {
	filters := []leakFilter{
		{"hasDeclarationWith memberID", map[string]any{"hasDeclarationWith": []any{map[string]any{"memberID": x.b}}}, 0},
		{"hasDeclarationWith hasMemberWith", map[string]any{"hasDeclarationWith": []any{
			map[string]any{"hasMemberWith": []any{map[string]any{"id": x.b}}}}}, 0},
	}
	if d := leakFirst(x.bRows, func(r leakRow) string { return r.DeclarationID }); d != "" {
		filters = append(filters, leakFilter{"declarationID", map[string]any{"declarationID": d}, 0})
	}
	return filters
}

// filters returns the where arguments aimed at x.b, and what A must count
// with each: 0, or A's own rows when the filter names A too.
func (k leakKind) filters(x leakTarget, aVisible []string) []leakFilter {
	var filters []leakFilter
	if k.memberField {
		filters = append(filters,
			leakFilter{"memberID", map[string]any{"memberID": x.b}, 0},
			leakFilter{"memberIDIn", map[string]any{"memberIDIn": []string{x.b}}, 0},
			leakFilter{"memberIDIn with own", map[string]any{"memberIDIn": []string{x.a, x.b}}, len(x.aOwned)},
			leakFilter{"or with own", map[string]any{"or": []any{
				map[string]any{"memberID": x.a}, map[string]any{"memberID": x.b}}}, len(x.aOwned)},
			leakFilter{"not own", map[string]any{"not": map[string]any{"memberID": x.a}}, 0},
		)
	}
	if k.memberEdge {
		filters = append(filters,
			leakFilter{"hasMemberWith id", map[string]any{"hasMemberWith": []any{map[string]any{"id": x.b}}}, 0},
			leakFilter{"hasMemberWith name", map[string]any{"hasMemberWith": []any{map[string]any{"name": x.bName}}}, 0},
		)
	}
	if len(x.bRows) > 0 {
		bIDs := leakIDs(x.bRows)
		own := aVisible[:min(len(aVisible), 50)]
		filters = append(filters,
			leakFilter{"id", map[string]any{"id": bIDs[0]}, 0},
			leakFilter{"idIn", map[string]any{"idIn": bIDs[:min(len(bIDs), 100)]}, 0},
			leakFilter{"idIn with own", map[string]any{"idIn": slices.Concat(own, bIDs[:min(len(bIDs), 50)])}, len(own)},
		)
	}
	if k.extra != nil {
		filters = append(filters, k.extra(x)...)
	}
	return filters
}

func leakIDs(rows []leakRow) []string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

// leakList runs a root connection with where, following every page, and
// returns the rows, totalCount, and the error code when it is refused.
func (s *testServer) leakList(t *testing.T, field, whereType, sel string, where map[string]any) (rows []leakRow, total int, code string) {
	t.Helper()
	q := fmt.Sprintf(`query($after: Cursor, $where: %s) {
		conn: %s(first: 100, after: $after, where: $where) {
			totalCount pageInfo { hasNextPage endCursor } edges { node { %s } } } }`, whereType, field, sel)
	var after any
	for page := 0; ; page++ {
		resp := s.query(t, q, map[string]any{"after": after, "where": where})
		if len(resp.Errors) > 0 {
			if code = resp.code(); code == "" {
				code = "no code: " + resp.Errors[0].Message
			}
			return rows, total, code
		}
		var out struct {
			Conn struct {
				TotalCount int `json:"totalCount"`
				PageInfo   struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
				Edges []struct {
					Node leakRow `json:"node"`
				} `json:"edges"`
			} `json:"conn"`
		}
		if err := json.Unmarshal(resp.Data, &out); err != nil {
			t.Fatal(err)
		}
		total = out.Conn.TotalCount
		for _, e := range out.Conn.Edges {
			rows = append(rows, e.Node)
		}
		if !out.Conn.PageInfo.HasNextPage {
			return rows, total, ""
		}
		if page > 100 {
			t.Fatalf("%s: paging does not end", field)
		}
		after = out.Conn.PageInfo.EndCursor
	}
}

// leakStrings returns every string anywhere in a JSON document.
func leakStrings(data json.RawMessage) []string {
	var v any
	if len(data) == 0 || json.Unmarshal(data, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// addLeakFixtures adds, as the platform, what the demo data lacks: a charge
// run with a call for funds and a charge for A and for b (the demo has no
// charges yet), and a service request of A with a time entry (so that A has
// rows of every kind to see). It returns the charge run's id.
func addLeakFixtures(t *testing.T, db *ent.Client, a, b pulid.ID) pulid.ID {
	t.Helper()
	ctx := viewer.SystemContext(t.Context())
	fail := func(what string, err error) {
		if err != nil {
			t.Fatalf("fixture %s: %v", what, err)
		}
	}
	run, err := db.ChargeRun.Create().SetFiscalYear(2026).SetStep(chargerun.StepQ1).
		SetStatus(chargerun.StatusCOMPLETED).SetStartedBy("leakage test").Save(ctx)
	fail("charge run", err)
	for i, m := range []pulid.ID{a, b} {
		sub, err := db.Subscription.Query().Where(subscription.MemberID(m)).First(ctx)
		fail("subscription", err)
		cff, err := db.CallForFunds.Create().SetMemberID(m).SetChargeRunID(run.ID).SetFiscalYear(2026).
			SetSequence(i + 1).SetNumber(fmt.Sprintf("AF-2026-%04d", i+1)).
			SetIssuedOn(time.Date(2026, time.April, 1, 0, 0, 0, 0, time.UTC)).SetTotal(1_234_56).Save(ctx)
		fail("call for funds", err)
		err = db.Charge.Create().SetMemberID(m).SetResourceID(sub.ResourceID).SetChargeRunID(run.ID).
			SetCallForFundsID(cff.ID).SetKind(charge.KindPROVISION).SetFiscalYear(2026).
			SetPeriod(charge.PeriodQ1).SetAmount(1_234_56).SetLabel("Provision du premier trimestre").
			SetBasis(schematype.ChargeBasis{Note: "leakage test"}).
			SetIdempotencyKey("leakage-test-" + string(m)).Exec(ctx)
		fail("charge", err)
		pay, err := db.Payment.Create().SetMemberID(m).SetAmount(1_234_56).SetMeans(payment.MeansTRANSFER).
			SetReceivedOn(time.Date(2026, time.April, 20, 0, 0, 0, 0, time.UTC)).Save(ctx)
		fail("payment", err)
		err = db.PaymentAllocation.Create().SetMemberID(m).SetPaymentID(pay.ID).SetCallForFundsID(cff.ID).
			SetAmount(1_234_56).Exec(ctx)
		fail("allocation", err)
		err = db.PaymentReminder.Create().SetMemberID(m).SetCallForFundsID(cff.ID).SetStageDays(15).
			SetDaysOverdue(16).SetAmountDue(1_234_56).SetRecipients("tresorier@example.org").Exec(ctx)
		fail("reminder", err)
		err = db.MemberProfileChange.Create().SetMemberID(m).SetStatus(memberprofilechange.StatusAPPLIED).
			SetChanges([]schematype.FieldChange{{Field: "city", From: "", To: "Auxerre"}}).Exec(ctx)
		fail("profile change", err)
		err = db.MemberDocument.Create().SetMemberID(m).SetKind(memberdocument.KindSTATUTES).SetFileName("statuts.pdf").
			SetContentType("application/pdf").SetSize(4).SetSha256(strings.Repeat("0", 64)).SetContent([]byte("%PDF")).Exec(ctx)
		fail("document", err)
	}
	addTrainingFixture(t, db, b)
	sr, err := db.ServiceRequest.Create().SetMemberID(a).SetKind(servicerequest.KindSUPPLEMENTARY).
		SetTitle("Export des présences vers la paie").SetStatus(servicerequest.StatusAGREED).Save(ctx)
	fail("service request", err)
	err = db.TimeEntry.Create().SetServiceRequestID(sr.ID).SetStaffName("Camille Roux").
		SetWorkedOn(time.Date(2026, time.March, 10, 0, 0, 0, 0, time.UTC)).SetMinutes(90).
		SetHourlyRate(7_250).Exec(ctx)
	fail("time entry", err)
	return run.ID
}

func TestNoLeakBetweenMembers(t *testing.T) {
	t.Parallel()
	// The shapes below nest lists in lists on purpose, far past the
	// complexity a client may ask for: what is tested here is which rows
	// they show, whatever the limits.
	srv := newTestServer(t, func(c *serveConfig) { c.limits.complexity = 1 << 40 })
	db := srv.db.Client

	memberIDs := map[string]string{} // by name
	sys := viewer.SystemContext(t.Context())
	for _, name := range append([]string{leakA}, leakOthers...) {
		id, err := db.Member.Query().Where(member.Name(name)).OnlyID(sys)
		if err != nil {
			t.Fatalf("demo member %q: %v", name, err)
		}
		memberIDs[name] = string(id)
	}
	a := memberIDs[leakA]
	runID := string(addLeakFixtures(t, db, pulid.ID(a), pulid.ID(memberIDs[leakOthers[0]])))

	// Log everyone in before reading the truth: logging in writes rows.
	clients := map[string]*testServer{}
	for _, v := range leakViewers {
		clients[v.role] = srv.as(t, v.email)
	}
	gsm := srv.as(t, gsmStaff)
	gsmAdmin := srv.as(t, "admin@communs.example") // the audit trail is gsm_admin's only

	shapes := map[string]aggregateShape{}
	for _, shape := range aggregateShapes(t, gsm) {
		shapes[shape.field] = shape
	}

	// The truth, as the groupement reads it.
	names := map[string]string{} // member names by id
	visible := map[string][]string{}
	aOwned := map[string][]leakRow{}
	byMember := map[string]map[string][]leakRow{} // kind → member → rows
	forbidden := map[string]string{runID: "a charge run (the groupement's)"}
	for _, k := range leakKinds { // members first: their names describe the other rows
		reader := gsm
		if k.field == "auditEvents" {
			reader = gsmAdmin
		}
		rows, total, code := reader.leakList(t, k.field, k.whereType, k.sel, nil)
		if code != "" || total != len(rows) {
			t.Fatalf("the groupement reading %s: code %q, %d rows of %d", k.field, code, len(rows), total)
		}
		byMember[k.field] = map[string][]leakRow{}
		for _, r := range rows {
			if k.field == "members" {
				names[r.ID] = r.Name
			}
			owners := k.owners(r)
			for _, o := range owners {
				byMember[k.field][o] = append(byMember[k.field][o], r)
			}
			if slices.Contains(owners, a) {
				aOwned[k.field] = append(aOwned[k.field], r)
			}
			if slices.Contains(owners, a) || (k.commonVisible && len(owners) == 0) {
				visible[k.field] = append(visible[k.field], r.ID)
			} else {
				forbidden[r.ID] = k.field + " row of " + ownerNames(owners, names)
			}
		}
	}
	// Not vacuous: the other members own rows of every kind, A too.
	for _, k := range leakKinds {
		n := 0
		for _, name := range leakOthers {
			n += len(byMember[k.field][memberIDs[name]])
		}
		if n == 0 {
			t.Fatalf("no %s row of %v: the test would pass vacuously", k.field, leakOthers)
		}
		if len(visible[k.field]) == 0 || (k.field != "costEntries" && len(aOwned[k.field]) == 0) {
			t.Fatalf("no %s row of A: the positive control would be vacuous", k.field)
		}
	}
	t.Logf("%d rows A must not see; of A's: %d subscriptions, %d declaration lines, %d cost entries (common), %d audit events",
		len(forbidden), len(visible["subscriptions"]), len(visible["usageDeclarationLines"]), len(visible["costEntries"]), len(visible["auditEvents"]))

	// leaks reports every id of another member's row in an answer.
	leaks := func(t *testing.T, what string, data json.RawMessage) {
		t.Helper()
		seen := map[string]bool{}
		for _, s := range leakStrings(data) {
			if desc, ok := forbidden[s]; ok && !seen[s] {
				seen[s] = true
				t.Errorf("LEAK: %s shows %s (%s)", what, s, desc)
			}
		}
	}

	for _, v := range leakViewers {
		c := clients[v.role]
		refused := func(k leakKind) bool { return k.adminOnly && !v.admin }

		t.Run(v.role, func(t *testing.T) {
			t.Run("own rows", func(t *testing.T) {
				for _, k := range leakKinds {
					rows, total, code := c.leakList(t, k.field, k.whereType, "id", nil)
					if refused(k) {
						if code != "FORBIDDEN" {
							t.Errorf("%s: code %q, %d rows, want FORBIDDEN", k.field, code, len(rows))
						}
						continue
					}
					if code != "" {
						t.Errorf("%s: refused with %s", k.field, code)
						continue
					}
					got := leakIDs(rows)
					for _, id := range got {
						if desc, ok := forbidden[id]; ok {
							t.Errorf("LEAK: %s lists %s (%s)", k.field, id, desc)
						}
					}
					slices.Sort(got)
					want := slices.Sorted(slices.Values(visible[k.field]))
					if !slices.Equal(got, want) {
						t.Errorf("%s: A sees %d rows, want exactly its %d", k.field, len(got), len(want))
					}
					if total != len(want) {
						t.Errorf("%s: totalCount %d, want %d", k.field, total, len(want))
					}
				}
			})

			t.Run("filters aimed at other members", func(t *testing.T) {
				for _, k := range leakKinds {
					for _, name := range leakOthers {
						b := memberIDs[name]
						x := leakTarget{a: a, b: b, bName: name, bRows: byMember[k.field][b], aOwned: aOwned[k.field]}
						for _, f := range k.filters(x, visible[k.field]) {
							what := fmt.Sprintf("%s(where: %s) aimed at %s", k.field, mustJSON(f.where), name)
							rows, total, code := c.leakList(t, k.field, k.whereType, "id", f.where)
							for _, r := range rows {
								if desc, ok := forbidden[r.ID]; ok {
									t.Errorf("LEAK: %s returns %s (%s)", what, r.ID, desc)
								}
							}
							switch {
							case refused(k):
								if code != "FORBIDDEN" {
									t.Errorf("%s: code %q, want FORBIDDEN", what, code)
								}
							case code == "FORBIDDEN":
								// Refusing the filter shows nothing either.
							case code != "":
								t.Errorf("%s: refused with %s", what, code)
							case total != f.want || len(rows) != f.want:
								t.Errorf("%s: totalCount %d, %d rows, want %d", what, total, len(rows), f.want)
							}
						}
					}
				}
			})

			t.Run("aggregates", func(t *testing.T) {
				for _, k := range leakKinds {
					shape, ok := shapes[k.field+"Aggregate"]
					if !ok {
						continue
					}
					for _, field := range append([]string{""}, shape.groupBy...) {
						groupBy := []string{field}[:min(len(field), 1)]
						n, data, code := c.aggregateCount(t, shape, nil, groupBy...)
						leaks(t, fmt.Sprintf("%s(groupBy: %v)", shape.field, groupBy), data)
						if code != "" || n != len(visible[k.field]) {
							t.Errorf("%s(groupBy: %v): %d rows (%s), want A's %d", shape.field, groupBy, n, code, len(visible[k.field]))
						}
					}
					for _, name := range leakOthers {
						b := memberIDs[name]
						x := leakTarget{a: a, b: b, bName: name, bRows: byMember[k.field][b], aOwned: aOwned[k.field]}
						for _, f := range k.filters(x, visible[k.field]) {
							what := fmt.Sprintf("%s(where: %s) aimed at %s", shape.field, mustJSON(f.where), name)
							n, data, code := c.aggregateCount(t, shape, f.where, shape.groupBy[0])
							leaks(t, what, data)
							if code != "FORBIDDEN" && (code != "" || n != f.want) {
								t.Errorf("%s: %d rows (%s), want %d", what, n, code, f.want)
							}
						}
					}
				}
			})

			t.Run("node and nodes", func(t *testing.T) {
				// node(id:) with the first row of each kind of each other member.
				ids := []string{runID}
				for _, k := range leakKinds {
					for _, name := range leakOthers {
						if rows := byMember[k.field][memberIDs[name]]; len(rows) > 0 {
							ids = append(ids, rows[0].ID)
						}
					}
				}
				for _, id := range ids {
					resp := c.query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
					leaks(t, fmt.Sprintf("node(id: %q)", id), resp.Data)
					if code := resp.code(); code != "NOT_FOUND" && code != "FORBIDDEN" {
						t.Errorf("node(id: %q) (%s): code %q, want NOT_FOUND or FORBIDDEN", id, forbidden[id], code)
					}
				}

				// nodes(ids:) with every row A must not see, a page at a time.
				all := make([]string, 0, len(forbidden))
				for id := range forbidden {
					all = append(all, id)
				}
				slices.Sort(all)
				for chunk := range slices.Chunk(all, 100) {
					resp := c.query(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": chunk})
					leaks(t, fmt.Sprintf("nodes(ids: [%s …])", chunk[0]), resp.Data)
					for _, e := range resp.Errors {
						if code, _ := e.Extensions["code"].(string); code != "NOT_FOUND" && code != "FORBIDDEN" {
							t.Errorf("nodes(ids:): error %q (code %q), want NOT_FOUND or FORBIDDEN", e.Message, code)
						}
					}
					if len(resp.Errors) < len(chunk) {
						t.Errorf("nodes(ids:) with %d ids A must not see: %d errors, want one per id", len(chunk), len(resp.Errors))
					}
				}

				// Positive control: A's own rows, and a mix of A's and B's.
				var own []string
				for _, k := range leakKinds {
					if !k.adminOnly {
						own = append(own, visible[k.field][:min(len(visible[k.field]), 5)]...)
					}
				}
				var got struct {
					Nodes []*struct {
						ID string `json:"id"`
					} `json:"nodes"`
				}
				c.data(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": own}, &got)
				for i, n := range got.Nodes {
					if n == nil || n.ID != own[i] {
						t.Errorf("nodes(ids:): A's own %s is missing", own[i])
					}
				}
				b := memberIDs[leakOthers[0]]
				resp := c.query(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Member { name } } }`,
					map[string]any{"ids": []string{a, b}})
				leaks(t, "nodes(ids: [A, B])", resp.Data)
				var mixed struct {
					Nodes []*struct {
						ID string `json:"id"`
					} `json:"nodes"`
				}
				if err := json.Unmarshal(resp.Data, &mixed); err != nil || len(mixed.Nodes) != 2 ||
					mixed.Nodes[0] == nil || mixed.Nodes[0].ID != a || mixed.Nodes[1] != nil {
					t.Errorf("nodes(ids: [A, B]) = %s, want [A, null]", resp.Data)
				}
			})

			t.Run("nested edges", func(t *testing.T) {
				var catalogue []string
				var res struct {
					Resources struct {
						Edges []struct {
							Node struct {
								ID string `json:"id"`
							} `json:"node"`
						} `json:"edges"`
					} `json:"resources"`
					ResourceCategories struct {
						Edges []struct {
							Node struct {
								ID string `json:"id"`
							} `json:"node"`
						} `json:"edges"`
					} `json:"resourceCategories"`
				}
				c.data(t, `{ resources(first: 100) { edges { node { id } } } resourceCategories(first: 100) { edges { node { id } } } }`, nil, &res)
				for _, e := range res.Resources.Edges {
					catalogue = append(catalogue, e.Node.ID)
				}
				for _, e := range res.ResourceCategories.Edges {
					catalogue = append(catalogue, e.Node.ID)
				}
				if len(catalogue) < 20 {
					t.Fatalf("catalogue of %d rows: the demo catalogue is missing", len(catalogue))
				}

				for _, n := range []struct {
					name, query string
					vars        map[string]any
					adminOnly   bool
					mustSee     []string // kinds whose every row visible to A must show
				}{
					{name: "resources → subscriptions, cost entries → member",
						query: `{ resources(first: 100) { totalCount edges { node { id
							subscriptions { id memberID member { id name } }
							costEntries { id memberID member { id name } } } } } }`,
						mustSee: []string{"subscriptions", "costEntries"}},
					{name: "resourceCategories → resources → subscriptions, cost entries",
						query: `{ resourceCategories(first: 100) { edges { node { id
							resources { id subscriptions { id memberID member { id } } costEntries { id memberID } }
							children { resources { subscriptions { id member { id } } costEntries { id memberID } } } } } } }`,
						mustSee: []string{"subscriptions", "costEntries"}},
					{name: "nodes(catalogue) → subscriptions, cost entries",
						query: `query($ids: [ID!]!) { nodes(ids: $ids) { id
							... on Resource { subscriptions { id memberID member { id } } costEntries { id memberID } }
							... on ResourceCategory { resources { subscriptions { id memberID } costEntries { id memberID } } } } }`,
						vars: map[string]any{"ids": catalogue}, mustSee: []string{"subscriptions", "costEntries"}},
					{name: "own subscriptions → resource → everyone's subscriptions",
						query: `{ subscriptions(first: 100) { edges { node { id resource {
							subscriptions { id memberID member { id } } costEntries { id memberID }
							category { resources { subscriptions { id memberID } costEntries { id } } } } } } } }`,
						mustSee: []string{"subscriptions"}},
					{name: "declaration lines → resource, declaration → revisions → author",
						query: `{ usageDeclarationLines(first: 100) { edges { node { id
							resource { subscriptions { id memberID } costEntries { id memberID } }
							declaration { id member { id } lines { id } revisions { id author { id roleAssignments { id memberID } } } } } } }
							usageDeclarationRevisions(first: 100) { edges { node { id declaration { id lines { resource { subscriptions { id } } } } } } } }`,
						mustSee: []string{"usageDeclarationLines", "usageDeclarationRevisions", "usageDeclarations"}},
					{name: "cost entries → resource → subscriptions, cost entries",
						query: `{ costEntries(first: 100) { edges { node { id memberID member { id }
							resource { subscriptions { id member { id } } costEntries { id memberID member { id } } } } } } }`,
						mustSee: []string{"costEntries"}},
					{name: "me → roles → member → every edge",
						query: `{ me { id roleAssignments { id member { id
							subscriptions { id resource { subscriptions { id memberID } costEntries { id memberID } } }
							directCosts { id } serviceRequests { id timeEntries { id } } charges { id }
							callsForFunds { id charges { id } allocations { id payment { id reverses { id } } } } categoryChanges { id }
							usageDeclarations { id lines { id } revisions { id } }
							roleAssignments { id memberID } application { id } } } } }`,
						mustSee: []string{"subscriptions", "serviceRequests", "timeEntries", "charges", "callsForFunds",
							"memberCategoryChanges", "usageDeclarations", "usageDeclarationLines", "usageDeclarationRevisions"}},
					{name: "members → every edge",
						query: `{ members(first: 100) { totalCount edges { node { id
							subscriptions { id resource { subscriptions { id memberID } } }
							directCosts { id } serviceRequests { id timeEntries { id } } charges { id } callsForFunds { id }
							categoryChanges { id } profileChanges { id decides { id } decision { id } }
							payments { id reversal { id } allocations { id callForFunds { id charges { id } reminders { id } } } }
							paymentAllocations { id } paymentReminders { id callForFunds { id } }
							usageDeclarations { id } roleAssignments { id } application { id } documents { id member { id } } } } } }`,
						mustSee: []string{"members", "subscriptions", "serviceRequests", "charges", "callsForFunds", "memberCategoryChanges",
							"memberProfileChanges", "payments", "paymentAllocations", "paymentReminders", "memberDocuments"}},
					{name: "charges, calls for funds → charge run → its charges",
						query: `{ charges(first: 100) { totalCount edges { node { id member { id }
							chargeRun { id charges { id memberID } callsForFunds { id memberID } }
							callForFunds { id charges { id memberID } } resource { subscriptions { id } } } } }
							callsForFunds(first: 100) { totalCount edges { node { id chargeRun { id charges { id } } charges { id } } } } }`,
						mustSee: []string{"charges", "callsForFunds"}},
					{name: "service requests → time entries, resource",
						query: `{ serviceRequests(first: 100) { edges { node { id timeEntries { id }
							resource { subscriptions { id } costEntries { id memberID } } } } }
							timeEntries(first: 100) { edges { node { id serviceRequest { id memberID member { id } } } } } }`,
						mustSee: []string{"serviceRequests", "timeEntries"}},
					{name: "resources → subscriptionsConnection; members → chargesConnection, subscriptionsConnection, callsForFundsConnection",
						query: `{ resources(first: 20) { edges { node { id subscriptionsConnection(first: 20) { totalCount edges { node { id memberID } } } } } }
							members(first: 5) { edges { node { id
								chargesConnection(first: 30) { totalCount edges { node { id memberID } } }
								subscriptionsConnection(first: 20) { edges { node { id resource { subscriptionsConnection(first: 5) { edges { node { id } } } } } } }
								callsForFundsConnection(first: 20) { edges { node { id charges { id } } } } } } } }`,
						mustSee: []string{"subscriptions", "charges", "callsForFunds"}},
					{name: "accounts, roles → member, account", adminOnly: true,
						query: `{ accounts(first: 100) { totalCount edges { node { id roleAssignments { id memberID member { id subscriptions { id } } } } } }
							roleAssignments(first: 100) { totalCount edges { node { id account { id roleAssignments { id memberID } } member { id } } } } }`,
						mustSee: []string{"accounts", "roleAssignments"}},
				} {
					resp := c.query(t, n.query, n.vars)
					leaks(t, n.name, resp.Data)
					if n.adminOnly && !v.admin {
						if resp.code() != "FORBIDDEN" {
							t.Errorf("%s: code %q, want FORBIDDEN", n.name, resp.code())
						}
						continue
					}
					if len(resp.Errors) > 0 {
						t.Errorf("%s: %+v", n.name, resp.Errors)
						continue
					}
					seen := map[string]bool{}
					for _, s := range leakStrings(resp.Data) {
						seen[s] = true
					}
					for _, kind := range n.mustSee {
						for _, id := range visible[kind] {
							if !seen[id] {
								t.Errorf("%s: A's own %s row %s is missing", n.name, kind, id)
							}
						}
					}
				}
			})

			// A filter may not test other members' rows either: a catalogue
			// row, or A's own row, selected because of another member's row
			// tells A that row exists, and, narrowed field by field, what
			// it holds. As if the other members' rows were not there, A
			// must count 0 with each of these, or be refused (FORBIDDEN);
			// the groupement's count shows that the other member's rows
			// would match.
			t.Run("filters through shared rows", func(t *testing.T) {
				type oracle struct {
					name, field, whereType string
					where                  func(b string) map[string]any
				}
				with := func(edge string, inner map[string]any) map[string]any {
					return map[string]any{edge: []any{inner}}
				}
				oracles := []oracle{
					{"resources with a subscription of B", "resources", "ResourceWhereInput",
						func(b string) map[string]any { return with("hasSubscriptionsWith", map[string]any{"memberID": b}) }},
					{"resources with a direct cost of B", "resources", "ResourceWhereInput",
						func(b string) map[string]any { return with("hasCostEntriesWith", map[string]any{"memberID": b}) }},
					{"resources with a direct cost of B of this exact amount", "resources", "ResourceWhereInput",
						func(b string) map[string]any {
							rows := byMember["costEntries"][b]
							if len(rows) == 0 {
								return nil
							}
							return with("hasCostEntriesWith", map[string]any{"memberID": b, "amount": rows[0].Amount})
						}},
					{"resource categories with a resource B subscribes to", "resourceCategories", "ResourceCategoryWhereInput",
						func(b string) map[string]any {
							return with("hasResourcesWith", with("hasSubscriptionsWith", map[string]any{"memberID": b}))
						}},
					{"common costs of resources B subscribes to", "costEntries", "CostEntryWhereInput",
						func(b string) map[string]any {
							return with("hasResourceWith", with("hasSubscriptionsWith", map[string]any{"memberID": b}))
						}},
					{"A's subscriptions to resources B subscribes to", "subscriptions", "SubscriptionWhereInput",
						func(b string) map[string]any {
							return with("hasResourceWith", with("hasSubscriptionsWith", map[string]any{"memberID": b}))
						}},
					{"A's declaration lines for resources B subscribes to", "usageDeclarationLines", "UsageDeclarationLineWhereInput",
						func(b string) map[string]any {
							return with("hasResourceWith", with("hasSubscriptionsWith", map[string]any{"memberID": b}))
						}},
					{"A itself if it shares a resource with B", "members", "MemberWhereInput",
						func(b string) map[string]any {
							return with("hasSubscriptionsWith", with("hasResourceWith", with("hasSubscriptionsWith", map[string]any{"memberID": b})))
						}},
				}
				// The same filter on a nested connection: A's own subscriptions,
				// from its member row.
				const nested = `query($where: SubscriptionWhereInput) { members(first: 1) { edges { node {
					subscriptionsConnection(first: 100, where: $where) { totalCount } } } } }`
				nestedCount := func(c *testServer, member string, where map[string]any) int {
					var got struct {
						Members struct {
							Edges []struct {
								Node struct{ SubscriptionsConnection struct{ TotalCount int } }
							}
						}
					}
					q := strings.Replace(nested, "members(first: 1)", fmt.Sprintf("members(first: 1, where: {id: %q})", member), 1)
					c.data(t, q, map[string]any{"where": where}, &got)
					if len(got.Members.Edges) != 1 {
						t.Fatalf("member %s: %d rows", member, len(got.Members.Edges))
					}
					return got.Members.Edges[0].Node.SubscriptionsConnection.TotalCount
				}
				for _, name := range leakOthers {
					where := with("hasResourceWith", with("hasSubscriptionsWith", map[string]any{"memberID": memberIDs[name]}))
					if nestedCount(gsm, a, where) > 0 {
						if n := nestedCount(c, a, where); n != 0 {
							t.Errorf("LEAK: subscriptionsConnection(where: %s) gives A %d, want 0", mustJSON(where), n)
						}
					}
				}

				for _, o := range oracles {
					meaningful := false
					for _, name := range leakOthers {
						where := o.where(memberIDs[name])
						if where == nil {
							continue
						}
						_, truth, code := gsm.leakList(t, o.field, o.whereType, "id", where)
						if code != "" {
							t.Fatalf("the groupement: %s: %s", o.name, code)
						}
						if truth == 0 {
							continue // B's rows match nothing here: nothing to learn
						}
						meaningful = true
						rows, total, code := c.leakList(t, o.field, o.whereType, "id", where)
						what := fmt.Sprintf("%s(where: %s), B = %s", o.field, mustJSON(where), name)
						switch {
						case code == "FORBIDDEN":
							// Refusing the filter shows nothing either.
						case code != "":
							t.Errorf("%s: refused with %s", what, code)
						case total != 0:
							ids := leakIDs(rows)
							if len(ids) > 5 {
								ids = append(ids[:5], "…")
							}
							t.Errorf("LEAK (%s): %s gives A totalCount %d, rows %s, want 0: the answer depends on B's rows",
								o.name, what, total, strings.Join(ids, " "))
						}
					}
					if !meaningful {
						t.Errorf("%s: no other member's rows match: the check is vacuous", o.name)
					}
				}
			})
		})
	}
}

func ownerNames(owners []string, names map[string]string) string {
	if len(owners) == 0 {
		return "the groupement"
	}
	out := make([]string, len(owners))
	for i, o := range owners {
		if n, ok := names[o]; ok {
			out[i] = n
		} else {
			out[i] = o
		}
	}
	return strings.Join(out, ", ")
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// addTrainingFixture gives member m, which takes no course in the demo, a
// trainee enrolled in the first demo session with a half-day attended.
func addTrainingFixture(t *testing.T, db *ent.Client, m pulid.ID) {
	t.Helper()
	ctx := viewer.SystemContext(t.Context())
	session := db.TrainingSession.Query().Order(ent.Asc(trainingsession.FieldStartsOn)).FirstX(ctx)
	trainee := db.Trainee.Create().SetMemberID(m).SetLastName("Garnier").SetFirstNames("Lucie").SaveX(ctx)
	e := db.TrainingEnrolment.Create().SetMemberID(m).SetSessionID(session.ID).SetTraineeID(trainee.ID).
		SetStatus(trainingenrolment.StatusENROLLED).SaveX(ctx)
	db.TrainingAttendance.Create().SetMemberID(m).SetEnrolmentID(e.ID).SetTraineeID(trainee.ID).
		SetCourseID(session.CourseID).SetDay(session.StartsOn).SetHalfDay(trainingattendance.HalfDayMORNING).
		SetYear(session.StartsOn.Year()).SetHours(3.5).ExecX(ctx)
}

// cpomLists are the CPOM's root lists, with the ids of a member's rows
// of each, read by the platform.
var cpomLists = map[string]func(ctx context.Context, db *ent.Client, m pulid.ID) []pulid.ID{
	"cpomContracts": func(ctx context.Context, db *ent.Client, m pulid.ID) []pulid.ID {
		return db.CpomContract.Query().Where(cpomcontract.MemberID(m)).IDsX(ctx)
	},
	"cpomObjectives": func(ctx context.Context, db *ent.Client, m pulid.ID) []pulid.ID {
		return db.CpomObjective.Query().Where(cpomobjective.MemberID(m)).IDsX(ctx)
	},
	"cpomActions": func(ctx context.Context, db *ent.Client, m pulid.ID) []pulid.ID {
		return db.CpomAction.Query().Where(cpomaction.MemberID(m)).IDsX(ctx)
	},
	"cpomIndicators": func(ctx context.Context, db *ent.Client, m pulid.ID) []pulid.ID {
		return db.CpomIndicator.Query().Where(cpomindicator.MemberID(m)).IDsX(ctx)
	},
	"cpomIndicatorYears": func(ctx context.Context, db *ent.Client, m pulid.ID) []pulid.ID {
		return db.CpomIndicatorYear.Query().Where(cpomindicatoryear.MemberID(m)).IDsX(ctx)
	},
	"cpomMilestones": func(ctx context.Context, db *ent.Client, m pulid.ID) []pulid.ID {
		return db.CpomMilestone.Query().Where(cpommilestone.MemberID(m)).IDsX(ctx)
	},
	"cpomDialogues": func(ctx context.Context, db *ent.Client, m pulid.ID) []pulid.ID {
		return db.CpomDialogue.Query().Where(cpomdialogue.MemberID(m)).IDsX(ctx)
	},
}

// cpomSeen returns the ids each CPOM list shows c.
func cpomSeen(t *testing.T, c *testServer) map[string][]string {
	t.Helper()
	seen := map[string][]string{}
	for field := range cpomLists {
		var page map[string]struct {
			Edges []struct{ Node struct{ ID string } }
		}
		c.data(t, fmt.Sprintf(`{ %s(first: 100) { edges { node { id } } } }`, field), nil, &page)
		for _, e := range page[field].Edges {
			seen[field] = append(seen[field], e.Node.ID)
		}
		slices.Sort(seen[field])
	}
	return seen
}

// cpomRows returns the ids of member m's CPOM rows, by list.
func cpomRows(t *testing.T, db *ent.Client, m pulid.ID) map[string][]string {
	t.Helper()
	rows := map[string][]string{}
	for field, ids := range cpomLists {
		for _, id := range ids(viewer.SystemContext(t.Context()), db, m) {
			rows[field] = append(rows[field], string(id))
		}
		if len(rows[field]) == 0 {
			t.Fatalf("member %s has no %s: the test would pass vacuously", m, field)
		}
		slices.Sort(rows[field])
	}
	return rows
}

// TestCPOMNoLeak: a member's people see their member's CPOM and nothing
// of another's — by list, node(id:), a filter aimed at the other member
// or its to-do; the groupement's staff sees nothing without a support
// access, the granting member's CPOM with one, and nothing again at once
// when it is revoked or expires.
func TestCPOMNoLeak(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	db, sys := s.db.Client, viewer.SystemContext(t.Context())
	a := db.Member.Query().Where(member.Name(leakA)).OnlyIDX(sys)
	b := db.Member.Query().Where(member.Name("Association Les Genêts du Morvan")).OnlyIDX(sys)
	own, others := cpomRows(t, db, a), cpomRows(t, db, b)
	viewerA, gsm := s.as(t, "viewer@tilleuls-yonne.example"), s.as(t, gsmStaff)

	if got := cpomSeen(t, viewerA); !maps.EqualFunc(got, own, slices.Equal) {
		t.Errorf("A's viewer sees %v, want its member's %v", got, own)
	}
	nodeHidden := func(c *testServer, id string) bool {
		var got struct{ Node *struct{ ID string } }
		resp := c.query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
		_ = json.Unmarshal(resp.Data, &got)
		return got.Node == nil
	}
	for field, ids := range others {
		for _, id := range ids {
			if !nodeHidden(viewerA, id) {
				t.Errorf("LEAK: node(id:) shows A another member's %s %s", field, id)
			}
		}
	}
	var aimed struct {
		Contracts, Actions struct{ TotalCount int }
		Todo               struct {
			LateActions, LateMilestones []struct{ ID string }
			OffTargetIndicators         []struct{ Year int }
		}
	}
	viewerA.data(t, `query($b: ID!) {
		contracts: cpomContracts(first: 10, where: {memberID: $b}) { totalCount }
		actions: cpomActions(first: 10, where: {hasObjectiveWith: {hasContractWith: {memberID: $b}}}) { totalCount }
		todo: cpomTodo(memberId: $b, on: "2026-07-01") { lateActions { id } lateMilestones { id } offTargetIndicators { year } } }`,
		map[string]any{"b": b}, &aimed)
	if aimed.Contracts.TotalCount+aimed.Actions.TotalCount+len(aimed.Todo.LateActions)+
		len(aimed.Todo.LateMilestones)+len(aimed.Todo.OffTargetIndicators) != 0 {
		t.Errorf("LEAK: filters aimed at another member answer %+v", aimed)
	}

	nothing := func(when string) {
		t.Helper()
		for field, ids := range cpomSeen(t, gsm) {
			if len(ids) > 0 {
				t.Errorf("LEAK: %s, the groupement's staff sees %d %s", when, len(ids), field)
			}
		}
		if !nodeHidden(gsm, own["cpomContracts"][0]) {
			t.Errorf("LEAK: %s, node(id:) shows the groupement's staff a contract", when)
		}
	}
	nothing("without a support access")
	var me struct{ Me struct{ ID string } }
	gsm.data(t, `{ me { id } }`, nil, &me)
	var granted struct{ GrantCpomSupportAccess struct{ ID, Scope string } }
	s.as(t, "admin@tilleuls-yonne.example").data(t, `mutation($m: ID!, $a: ID!) { grantCpomSupportAccess(input: {memberId: $m,
		accountId: $a, reason: "revue annuelle", hours: 2}) { id scope } }`, map[string]any{"m": a, "a": me.Me.ID}, &granted)
	if got := cpomSeen(t, gsm); !maps.EqualFunc(got, own, slices.Equal) || granted.GrantCpomSupportAccess.Scope != "CPOM" {
		t.Errorf("under a CPOM support access the staff sees %v, want A's %v (scope %s)", got, own, granted.GrantCpomSupportAccess.Scope)
	}
	var persons struct{ Persons struct{ TotalCount int } }
	if gsm.data(t, `{ persons(first: 1) { totalCount } }`, nil, &persons); persons.Persons.TotalCount != 0 {
		t.Errorf("LEAK: a CPOM support access opens %d persons' files", persons.Persons.TotalCount)
	}
	s.as(t, "admin@tilleuls-yonne.example").data(t, `mutation($id: ID!) { revokeCpomSupportAccess(id: $id) { revokedAt } }`,
		map[string]any{"id": granted.GrantCpomSupportAccess.ID}, &struct{}{})
	nothing("once the support access is revoked")
	db.SupportAccess.Create().SetMemberID(a).SetAccountID(pulid.ID(me.Me.ID)).SetScope(supportaccess.ScopeCPOM).
		SetReason("expirée").SetExpiresAt(time.Now().Add(-time.Second)).ExecX(sys)
	nothing("once the support access expired")
	db.SupportAccess.Create().SetMemberID(a).SetAccountID(pulid.ID(me.Me.ID)).
		SetReason("dossiers").SetExpiresAt(time.Now().Add(time.Hour)).ExecX(sys)
	nothing("under a support access to the user record only")
}
