package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"communs/ent/processingrecord"
	"communs/ent/schema/pulid"
	"communs/ent/subjectrequest"
	"communs/internal/calendar"
	"communs/internal/viewer"
)

// aggregateShape is what the schema says of an entity's aggregate: its
// group fields (one bucket per date, the month) and a selection of its keys
// that shows every id.
type aggregateShape struct {
	field, list string
	typ         string // the entity: Charge
	groupBy     []string
	keys        string
}

// aggregateShapes reads every <entities>Aggregate root field from the
// schema, so that a new one is tested without a line here.
func aggregateShapes(t *testing.T, s *testServer) []aggregateShape {
	t.Helper()
	type typeRef struct {
		Name   string
		Kind   string
		OfType *typeRef
	}
	named := func(r typeRef) typeRef {
		for r.OfType != nil {
			r = *r.OfType
		}
		return r
	}
	var schema struct {
		Schema struct {
			QueryType struct {
				Fields []struct {
					Name string
					Type typeRef
				}
			}
		} `json:"__schema"`
	}
	s.data(t, `{ __schema { queryType { fields { name type { name kind ofType { name kind ofType { name kind ofType { name kind } } } } } } } }`, nil, &schema)
	var shapes []aggregateShape
	for _, f := range schema.Schema.QueryType.Fields {
		group, ok := strings.CutSuffix(named(f.Type).Name, "AggregateGroup")
		if !ok {
			continue
		}
		var types struct {
			Fields struct {
				EnumValues []struct{ Name string }
			}
			Keys struct {
				Fields []struct {
					Name string
					Type typeRef
				}
			}
		}
		s.data(t, `query($fields: String!, $keys: String!) {
			fields: __type(name: $fields) { enumValues { name } }
			keys: __type(name: $keys) { fields { name type { name kind ofType { name kind } } } } }`,
			map[string]any{"fields": group + "GroupField", "keys": group + "AggregateKeys"}, &types)
		shape := aggregateShape{field: f.Name, list: strings.TrimSuffix(f.Name, "Aggregate"), typ: group}
		for _, v := range types.Fields.EnumValues {
			if !strings.HasSuffix(v.Name, "_DAY") && !strings.HasSuffix(v.Name, "_QUARTER") && !strings.HasSuffix(v.Name, "_YEAR") {
				shape.groupBy = append(shape.groupBy, v.Name)
			}
		}
		var keys []string
		for _, k := range types.Keys.Fields {
			switch typ := named(k.Type); {
			case typ.Name == "TimeBucket":
				keys = append(keys, k.Name+" { label }")
			case typ.Kind == "OBJECT":
				keys = append(keys, k.Name+" { id }")
			default:
				keys = append(keys, k.Name)
			}
		}
		shape.keys = strings.Join(keys, " ")
		shapes = append(shapes, shape)
	}
	if len(shapes) < 13 {
		t.Fatalf("%d aggregate root fields in the schema, want the 13 of the dashboards at least", len(shapes))
	}
	return shapes
}

// aggregateCount runs field(where:, groupBy:) and returns the groups' rows
// added up, the answer (to look for leaks in) and the error code.
func (s *testServer) aggregateCount(t *testing.T, shape aggregateShape, where map[string]any, groupBy ...string) (int, json.RawMessage, string) {
	t.Helper()
	keys := ""
	if len(groupBy) > 0 {
		keys = "keys { " + shape.keys + " }"
	}
	q := fmt.Sprintf(`query($where: %sWhereInput, $groupBy: [%sGroupField!]) { groups: %s(where: $where, groupBy: $groupBy) { count %s } }`,
		shape.typ, shape.typ, shape.field, keys)
	resp := s.query(t, q, map[string]any{"where": where, "groupBy": groupBy})
	if len(resp.Errors) > 0 {
		return 0, nil, resp.code()
	}
	var got struct{ Groups []struct{ Count int } }
	if err := json.Unmarshal(resp.Data, &got); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, g := range got.Groups {
		total += g.Count
	}
	return total, resp.Data, ""
}

// runChargeCycle runs the four steps of 2026 as the groupement's staff.
func runChargeCycle(t *testing.T, s *testServer) {
	t.Helper()
	staff := s.as(t, gsmStaff)
	for _, step := range []string{"Q1", "Q2", "Q3", "YEAR_END"} {
		staff.data(t, runStep, map[string]any{"step": step}, &struct{}{})
	}
}

func TestAggregatesThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	runChargeCycle(t, s)
	staff, viewer := s.as(t, gsmStaff), s.as(t, "viewer@tilleuls-yonne.example")

	type groups []struct {
		Keys struct {
			Resource struct{ ID, Name string }
			Member   struct{ ID string }
			Category string
		}
		Sum   struct{ Amount string }
		Count int
	}
	const byResource = `{ chargesAggregate(where: {fiscalYear: 2026}, groupBy: [RESOURCE, MEMBER]) {
		keys { resource { id name } member { id } } sum { amount } count } }`

	// The groupement: per resource, what chargeBalance says was charged.
	var all struct{ ChargesAggregate groups }
	staff.data(t, `{ chargesAggregate(where: {fiscalYear: 2026}, groupBy: [RESOURCE]) { keys { resource { id name } } sum { amount } count } }`, nil, &all)
	var balance struct {
		ChargeBalance []struct{ ResourceID, Charged string }
	}
	staff.data(t, `{ chargeBalance(year: 2026) { resourceId charged } }`, nil, &balance)
	charged := map[string]string{}
	for _, b := range balance.ChargeBalance {
		if b.Charged != "0.00" {
			charged[b.ResourceID] = b.Charged
		}
	}
	if len(all.ChargesAggregate) != len(charged) || len(charged) < 5 {
		t.Errorf("%d groups, chargeBalance charges %d resources", len(all.ChargesAggregate), len(charged))
	}
	for _, g := range all.ChargesAggregate {
		if want := charged[g.Keys.Resource.ID]; g.Sum.Amount != want || g.Count == 0 {
			t.Errorf("%s: aggregate %s (%d lines), chargeBalance %s", g.Keys.Resource.Name, g.Sum.Amount, g.Count, want)
		}
	}

	// A member's viewer: its own charges only, the same as its list.
	tilleuls := memberOf(t, s.as(t, tilleulsAdmin))
	var own struct{ ChargesAggregate groups }
	viewer.data(t, byResource, nil, &own)
	var list struct {
		Charges struct {
			Edges []struct {
				Node struct {
					Amount   string
					Resource *struct{ ID string }
				}
			}
		}
	}
	viewer.data(t, `{ charges(first: 100, where: {fiscalYear: 2026}) { edges { node { amount resource { id } } } } }`, nil, &list)
	perResource := map[string]int64{}
	for _, e := range list.Charges.Edges {
		perResource[e.Node.Resource.ID] += cents(t, e.Node.Amount)
	}
	if len(own.ChargesAggregate) != len(perResource) || len(perResource) == 0 {
		t.Errorf("Tilleuls: %d groups, its list has %d resources", len(own.ChargesAggregate), len(perResource))
	}
	for _, g := range own.ChargesAggregate {
		if g.Keys.Member.ID != tilleuls || cents(t, g.Sum.Amount) != perResource[g.Keys.Resource.ID] {
			t.Errorf("Tilleuls sees %+v, its list sums %d cents", g, perResource[g.Keys.Resource.ID])
		}
	}

	// Members by category: the demo's 3 founders, 17 active and 31 users.
	var members struct{ MembersAggregate groups }
	staff.data(t, `{ membersAggregate(groupBy: [CATEGORY]) { keys { category } count } }`, nil, &members)
	byCategory := map[string]int{}
	for _, g := range members.MembersAggregate {
		byCategory[g.Keys.Category] = g.Count
	}
	if want := map[string]int{"FOUNDER": 3, "ACTIVE": 17, "USER": 31}; !maps.Equal(byCategory, want) {
		t.Errorf("members by category: %v, want %v", byCategory, want)
	}
}

// cents reads a Money value ("-1234.05").
func cents(t *testing.T, money string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.Replace(money, ".", "", 1), 10, 64)
	if err != nil || !strings.Contains(money, ".") || len(money)-strings.Index(money, ".") != 3 {
		t.Fatalf("money %q: %v", money, err)
	}
	return n
}

// Every aggregate counts exactly the rows its list shows, for each viewer
// and grouped by each of its fields; a viewer refused the list is refused
// the aggregate. Activities have their own rule (TestActivityStatistics).
func TestAggregatesSeeWhatListsSee(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	runChargeCycle(t, s)
	shapes := aggregateShapes(t, s.as(t, gsmStaff))
	compared := 0
	for _, name := range []string{"gsm_staff", "gsm_cil", "member_admin", "member_viewer", "founder_admin", "user_admin"} {
		c := s.as(t, matrixViewers[name])
		for _, shape := range shapes {
			if shape.field == "activitiesAggregate" {
				continue
			}
			var list struct{ List struct{ TotalCount int } }
			resp := c.query(t, fmt.Sprintf(`{ list: %s(first: 1) { totalCount } }`, shape.list), nil)
			total, _, code := c.aggregateCount(t, shape, nil)
			if resp.code() != "" || code != "" {
				if resp.code() != code {
					t.Errorf("%s as %s: the list answers %q, the aggregate %q", shape.field, name, resp.code(), code)
				}
				continue
			}
			decode(t, resp, &list)
			compared++
			if total != list.List.TotalCount {
				t.Errorf("%s as %s: counts %d rows, the list %d", shape.field, name, total, list.List.TotalCount)
			}
			for _, field := range shape.groupBy {
				if n, _, code := c.aggregateCount(t, shape, nil, field); n != total || code != "" {
					t.Errorf("%s(groupBy: [%s]) as %s: %d rows (%s), want %d", shape.field, field, name, n, code, total)
				}
			}
		}
	}
	if compared < 50 {
		t.Errorf("only %d aggregates compared with their lists: the test is nearly vacuous", compared)
	}
	t.Logf("%d aggregates compared with their lists, each grouped by every field", compared)
}

// Activities are statistics: the groupement counts every member's in
// groups of at least 10 persons; a member counts its own (its
// administrators all of them, its other people those of the establishments
// they are assigned to), like activityAggregate; nobody filters on persons.
func TestActivityStatistics(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	type totals struct {
		Count, CountDistinct int
		Sum                  struct{ Minutes int }
	}
	type group struct {
		Keys struct {
			EstablishmentMember struct{ ID string }
			Establishment       struct{ ID string }
			ServiceCode         string
		}
		totals
	}
	const statistics = `query($groupBy: [ActivityGroupField!]) { activitiesAggregate(groupBy: $groupBy) {
		keys { establishmentMember { id } establishment { id } serviceCode } count countDistinct(field: PERSON) sum { minutes } } }`
	read := func(c *testServer, groupBy ...string) []group {
		var got struct{ ActivitiesAggregate []group }
		c.data(t, statistics, map[string]any{"groupBy": groupBy}, &got)
		return got.ActivitiesAggregate
	}
	legacy := func(c *testServer, member string) totals {
		var got struct {
			ActivityAggregate []struct{ Activities, Minutes, Persons int }
		}
		c.data(t, `query($m: ID!) { activityAggregate(input: {memberId: $m, from: "2000-01", to: "2099-12", groupBy: []}) {
			activities minutes persons } }`, map[string]any{"m": member}, &got)
		var tot totals
		if len(got.ActivityAggregate) == 1 {
			r := got.ActivityAggregate[0]
			tot.Count, tot.CountDistinct, tot.Sum.Minutes = r.Activities, r.Persons, r.Minutes
		}
		return tot
	}

	staff := s.as(t, gsmStaff)
	perMember := read(staff, "ESTABLISHMENT_MEMBER")
	if len(perMember) != 4 {
		t.Fatalf("the groupement sees the activity of %d members, want the demo's 4", len(perMember))
	}
	for _, g := range perMember {
		if g.CountDistinct < 10 {
			t.Errorf("a group of %d persons reaches the groupement", g.CountDistinct)
		}
	}
	for _, g := range read(staff, "ESTABLISHMENT", "SERVICE_CODE") {
		if g.CountDistinct < 10 {
			t.Errorf("%+v: a group of fewer than 10 persons reaches the groupement", g)
		}
	}

	for _, email := range []string{tilleulsAdmin, "staff@tilleuls-yonne.example"} {
		c := s.as(t, email)
		tilleuls := memberOf(t, s.as(t, tilleulsAdmin))
		var whole totals
		for _, g := range read(c, "ESTABLISHMENT_MEMBER") {
			if g.Keys.EstablishmentMember.ID != tilleuls {
				t.Errorf("%s counts another member's activities: %+v", email, g)
			}
			whole = g.totals
		}
		if want := legacy(c, tilleuls); whole != want || whole.Count == 0 {
			t.Errorf("%s: activitiesAggregate %+v, activityAggregate %+v", email, whole, want)
		}
		small := slices.ContainsFunc(read(c, "ESTABLISHMENT", "SERVICE_CODE"), func(g group) bool { return g.CountDistinct < 10 })
		if !small {
			t.Errorf("%s sees no group under 10 persons: the groupement's floor would be untested", email)
		}
		if email == tilleulsAdmin {
			for _, g := range perMember {
				if g.Keys.EstablishmentMember.ID == tilleuls && g.totals != whole {
					t.Errorf("the groupement counts Tilleuls %+v, Tilleuls itself %+v", g.totals, whole)
				}
			}
		}
	}

	for _, c := range []*testServer{staff, s.as(t, tilleulsAdmin)} {
		resp := c.query(t, `{ activitiesAggregate(where: {and: [{hasPersonWith: {lastName: "Martin"}}]}) { count } }`, nil)
		if resp.code() != "INVALID_INPUT" {
			t.Errorf("a filter on persons: %+v, want INVALID_INPUT", resp.Errors)
		}
	}
}

// The views over time agree with the rows they summarise: today's
// membership with the members by category, the year's resources with
// chargeBalance, the charges per category and quarter with the charges.
func TestViewsOverTime(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	runChargeCycle(t, s)
	staff := s.as(t, gsmStaff)
	var views struct {
		MembershipByCategory []struct {
			Date                         string
			Founder, Active, User, Total int
		}
		ResourceYears []struct {
			Resource                                  struct{ ID string }
			Year                                      int
			Budgeted, Actual, Difference, CostPerUnit string
			DeclaredQuantity                          int64
		}
		ChargesByMemberCategory []struct {
			Quarter  int
			Category string
			Amount   string
			Members  int
		}
		MembersAggregate []struct {
			Keys  struct{ Category string }
			Count int
		}
		ChargesAggregate []struct{ Sum struct{ Amount string } }
		ChargeBalance    []struct{ ResourceID, Budgeted, Actual string }
	}
	today := time.Now().In(calendar.Paris).Format(time.DateOnly)
	staff.data(t, `query($today: Date!) {
		membershipByCategory(from: "2015-01-01", to: $today, every: YEAR) { date founder active user total }
		resourceYears(fromYear: 2026, toYear: 2026) { resource { id } year budgeted actual difference declaredQuantity costPerUnit }
		chargesByMemberCategory(year: 2026) { quarter category amount members }
		membersAggregate(where: {leftOnIsNil: true}, groupBy: [CATEGORY]) { keys { category } count }
		chargesAggregate(where: {fiscalYear: 2026}) { sum { amount } }
		chargeBalance(year: 2026) { resourceId budgeted actual } }`, map[string]any{"today": today}, &views)

	points := views.MembershipByCategory
	if len(points) < 10 || points[0].Date != "2015-01-01" {
		t.Fatalf("membership series: %+v", points)
	}
	last, now := points[len(points)-1], map[string]int{}
	for _, g := range views.MembersAggregate {
		now[g.Keys.Category] = g.Count
	}
	if last.Founder != now["FOUNDER"] || last.Active != now["ACTIVE"] || last.User != now["USER"] ||
		last.Total != last.Founder+last.Active+last.User {
		t.Errorf("membership on %s: %+v, the members by category today: %v", last.Date, last, now)
	}
	if points[0].Total >= last.Total {
		t.Errorf("the demo's groupement grew since 2015: %d members then, %d now", points[0].Total, last.Total)
	}

	balance := map[string][2]string{}
	for _, b := range views.ChargeBalance {
		balance[b.ResourceID] = [2]string{b.Budgeted, b.Actual}
	}
	for _, r := range views.ResourceYears {
		if b := balance[r.Resource.ID]; r.Budgeted != b[0] || r.Actual != b[1] {
			t.Errorf("resource %s: budget %s, actual %s; chargeBalance says %v", r.Resource.ID, r.Budgeted, r.Actual, b)
		}
		if cents(t, r.Difference) != cents(t, r.Actual)-cents(t, r.Budgeted) {
			t.Errorf("resource %s: difference %s", r.Resource.ID, r.Difference)
		}
		if r.DeclaredQuantity > 0 && r.CostPerUnit == "" {
			t.Errorf("resource %s: %d units declared but no cost per unit", r.Resource.ID, r.DeclaredQuantity)
		}
	}
	if len(views.ResourceYears) < 5 {
		t.Errorf("%d resources in 2026", len(views.ResourceYears))
	}

	var total int64
	quarters := map[int]bool{}
	for _, q := range views.ChargesByMemberCategory {
		total += cents(t, q.Amount)
		quarters[q.Quarter] = true
	}
	if want := cents(t, views.ChargesAggregate[0].Sum.Amount); total != want || len(quarters) != 4 {
		t.Errorf("charges per category and quarter add up to %d cents over %d quarters, the charges to %d", total, len(quarters), want)
	}
}

// The groupement's sums of charges read the running totals (ChargeTotal)
// when they need no more detail than the totals keep: the answers equal
// those read from the ledger's lines (a filter on the member, true of every
// line, sends the same query to the lines), and emptying the totals shows
// they were read.
func TestChargeTotalsAnswerAsTheLedger(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	runChargeCycle(t, s)
	staff := s.as(t, gsmStaff)
	const aggregates = `count countDistinct(field: PERIOD) sum { amount } avg { amount } min { amount } max { amount }`
	queries := []struct{ args, keys string }{
		{`where: {fiscalYear: 2026}, groupBy: [RESOURCE, CREATED_AT_QUARTER]`, `resource { id name } createdAt { label }`},
		{`where: {kindIn: [PROVISION, REGULARIZATION], periodNEQ: Q1}, groupBy: [KIND, PERIOD, CREATED_AT_DAY],
			having: [{aggregate: COUNT, gt: "1"}], orderBy: [{aggregate: SUM, field: AMOUNT, direction: DESC}], first: 5`,
			`kind period createdAt { label }`},
		{`groupBy: [FISCAL_YEAR, CREATED_AT_MONTH], orderBy: [{aggregate: MAX, field: AMOUNT}]`, `fiscalYear createdAt { label }`},
		{`where: {fiscalYear: 2026}`, ``},
	}
	answer := func(args, keys, through string) string {
		if through != "" {
			if strings.Contains(args, "where: {") {
				args = strings.Replace(args, "where: {", "where: {"+through+", ", 1)
			} else {
				args = "where: {" + through + "}, " + args
			}
		}
		if keys != "" {
			keys = "keys { " + keys + " }"
		}
		resp := staff.query(t, fmt.Sprintf(`{ chargesAggregate(%s) { %s %s } }`, args, keys, aggregates), nil)
		if len(resp.Errors) > 0 {
			t.Fatalf("chargesAggregate(%s): %s", args, resp.code())
		}
		return string(resp.Data)
	}
	for _, q := range queries {
		totals, lines := answer(q.args, q.keys, ""), answer(q.args, q.keys, "hasMember: true")
		if totals != lines || !strings.Contains(totals, `"count"`) {
			t.Errorf("chargesAggregate(%s):\nfrom the totals %s\nfrom the lines  %s", q.args, totals, lines)
		}
	}

	s.db.Client.ChargeTotal.Delete().ExecX(viewer.SystemContext(t.Context()))
	if got := answer(queries[0].args, queries[0].keys, ""); got != `{"chargesAggregate":[]}` {
		t.Errorf("with the totals emptied, %s: the lines were read", got)
	}
}

// The modules' aggregates, filtered by a member's people on another
// member's rows, count none of them and name none of them: a filter
// narrows what the viewer reads, never widens it (the core's entities are
// in the leakage test).
func TestModuleAggregatesIgnoreOtherMembers(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	gsm := []*testServer{s.as(t, gsmStaff), s.as(t, matrixViewers["gsm_cil"])}
	// The demo's register is not spread over members enough.
	system := viewer.SystemContext(t.Context())
	for _, admin := range []string{tilleulsAdmin, matrixViewers["founder_admin"]} {
		member := pulid.ID(memberOf(t, s.as(t, admin)))
		s.db.Client.Breach.Create().SetMemberID(member).SetDetectedAt(time.Now()).SetNature("perte d'une clé USB").ExecX(system)
		s.db.Client.ProcessingRecord.Create().SetMemberID(member).SetRole(processingrecord.RoleCONTROLLER).
			SetName("Paie").ExecX(system)
		s.db.Client.SubjectRequest.Create().SetMemberID(member).SetType(subjectrequest.TypeACCESS).SetRequester("M. B.").
			SetReceivedOn(calendar.DayInParis(time.Now())).SetDueOn(calendar.DayInParis(time.Now()).AddDate(0, 1, 0)).ExecX(system)
	}
	checked := 0
	for _, shape := range aggregateShapes(t, gsm[0]) {
		if !slices.Contains([]string{"establishmentsAggregate", "processingRecordsAggregate",
			"subjectRequestsAggregate", "breachesAggregate", "trainingEnrolmentsAggregate",
			"trainingAttendancesAggregate"}, shape.field) {
			continue
		}
		owners := membersWithRows(t, gsm, shape)
		for _, name := range everyMember {
			c := s.as(t, matrixViewers[name])
			own, ownData, code := c.aggregateCount(t, shape, nil, "MEMBER")
			if code != "" {
				continue // refused the aggregate as the list: TestAggregatesSeeWhatListsSee
			}
			a := memberOf(t, c)
			for _, b := range owners {
				if b == a {
					continue
				}
				filters := []struct {
					where map[string]any
					want  int
				}{
					{map[string]any{"memberID": b}, 0},
					{map[string]any{"hasMemberWith": []any{map[string]any{"id": b}}}, 0},
					{map[string]any{"memberIDIn": []string{a, b}}, own},
					{map[string]any{"or": []any{map[string]any{"memberID": b}, map[string]any{"memberID": a}}}, own},
				}
				for _, f := range filters {
					n, data, code := c.aggregateCount(t, shape, f.where, "MEMBER")
					if code != "" || n != f.want || strings.Contains(string(data), b) {
						t.Errorf("%s(where: %v) as %s: %d rows (%s), want %d; answer %s", shape.field, f.where, name, n, code, f.want, data)
					}
					checked++
				}
			}
			if strings.Count(string(ownData), `"id"`) > 1 {
				t.Errorf("%s as %s groups rows of several members: %s", shape.field, name, ownData)
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d filters checked: the test is nearly vacuous", checked)
	}
}

// membersWithRows are the members that own rows of the aggregate's entity,
// as the first of the groupement's viewers allowed reads them.
func membersWithRows(t *testing.T, gsm []*testServer, shape aggregateShape) []string {
	t.Helper()
	var got struct {
		Groups []struct {
			Keys struct{ Member *struct{ ID string } }
		}
	}
	for _, c := range gsm {
		resp := c.query(t, fmt.Sprintf(`{ groups: %s(groupBy: [MEMBER]) { keys { member { id } } } }`, shape.field), nil)
		if resp.code() == "" {
			decode(t, resp, &got)
			break
		}
	}
	var ids []string
	for _, g := range got.Groups {
		if g.Keys.Member != nil {
			ids = append(ids, g.Keys.Member.ID)
		}
	}
	if len(ids) < 2 {
		t.Fatalf("%s: rows of %d members, want several", shape.field, len(ids))
	}
	return ids
}
