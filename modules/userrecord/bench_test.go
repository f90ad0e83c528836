package userrecord

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"communs/ent"
	"communs/ent/member"
	"communs/ent/schema/pulid"
	"communs/internal/sealing"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
	"communs/modules/userrecord/serafin"
)

// BenchmarkMonthlyAggregate times the monthly activity aggregate of one
// member grouped by service code (Service.Aggregate, what the activity
// dashboards ask), over a generated user record: benchMembers members with
// benchEstablishmentsPerMember establishments each, COMMUNS_BENCH_PERSONS
// persons (one stay each) and COMMUNS_BENCH_ACTIVITIES activities spread
// evenly over the persons, the 12 months of 2026 and the most detailed
// SERAFIN-PH direct service codes. The target is under 200 ms per
// aggregate on PostgreSQL at 100,000 persons and 2,000,000 activities.
//
// The scale defaults to 2,000 persons and 40,000 activities, so that
// `go test -bench .` stays quick. The full scale, on PostgreSQL (each run
// gets a schema of its own in the database named, see storetest):
//
//	go test -c -o /tmp/userrecord.test ./modules/userrecord
//	COMMUNS_TEST_DATABASE_URL=postgres://root@127.0.0.1:5432/communs_urbench \
//	  COMMUNS_BENCH_PERSONS=100000 COMMUNS_BENCH_ACTIVITIES=2000000 \
//	  /tmp/userrecord.test -test.run XXX -test.bench MonthlyAggregate -test.benchtime 20x -test.timeout 60m
//
// and without COMMUNS_TEST_DATABASE_URL on SQLite. The data is generated
// once, by the parent benchmark (untimed, with raw multi-row INSERTs: the
// persons' audit events are not written; about 50 s on PostgreSQL and
// 2.5 min on SQLite at full scale on 2 CPUs), then the sub-benchmark times
// only the aggregate (about 4-5 ms on either at full scale). On
// PostgreSQL the activities are VACUUM ANALYZEd after generation, as
// autovacuum would do on a table that large, so that the planner has
// statistics and the index-only scan a visibility map.
//
// Every result is checked against counts kept during generation. Custom
// metrics: rows (groups answered), activities (rows aggregated) and gen-s
// (the generation, once).
func BenchmarkMonthlyAggregate(b *testing.B) {
	persons := benchEnvInt(b, "COMMUNS_BENCH_PERSONS", 2_000)
	activities := benchEnvInt(b, "COMMUNS_BENCH_ACTIVITIES", 40_000)
	db := storetest.Open(b)
	ctx := viewer.SystemContext(context.Background())
	start := time.Now()
	data, err := generateActivity(ctx, b, db.Client, db.Dialect, persons, activities)
	if err != nil {
		b.Fatal(err)
	}
	genTime := time.Since(start)
	b.Logf("generated %d members, %d persons, %d activities on %s in %s",
		len(data.members), persons, activities, db.Dialect, genTime.Round(time.Millisecond))
	if db.Dialect == dialect.Postgres {
		s := time.Now()
		if _, err := db.Client.ExecContext(ctx, "VACUUM (ANALYZE) userrecord_activities"); err != nil {
			b.Fatal(err)
		}
		b.Logf("VACUUM ANALYZE in %s", time.Since(s).Round(time.Millisecond))
	}

	keys, err := sealing.NewKeyring("k1", map[string][]byte{"k1": make([]byte, 32)})
	if err != nil {
		b.Fatal(err)
	}
	svc := New(db.Client, keys)
	in := AggregateInput{MemberID: data.members[0], From: benchMonth, To: benchMonth, GroupBy: []Dimension{ByServiceCode}}
	want := data.want

	b.Run("member_month_by_service", func(b *testing.B) {
		rows, err := svc.Aggregate(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		checkAggregate(b, rows, want)
		b.ReportAllocs()
		for b.Loop() {
			rows, err := svc.Aggregate(ctx, in)
			if err != nil {
				b.Fatal(err)
			}
			if len(rows) == 0 {
				b.Fatal("no rows")
			}
			n := 0
			for _, r := range rows {
				n += r.Activities
			}
			if n != want.activities {
				b.Fatalf("Σ activities = %d, want %d", n, want.activities)
			}
		}
		b.ReportMetric(float64(len(rows)), "rows")
		b.ReportMetric(float64(want.activities), "activities")
		b.ReportMetric(genTime.Seconds(), "gen-s")
	})
}

// The generated shape. The benchmark reads the first member's benchMonth.
const (
	benchMembers                 = 20
	benchEstablishmentsPerMember = 5
	benchMonth                   = "2026-03"
	benchYear                    = 2026
	// benchBatch rows per INSERT: 12 columns × 2,000 rows stay under both
	// SQLite's 32,766 and PostgreSQL's 65,535 parameters.
	benchBatch = 2_000
	// benchTxRows rows per transaction.
	benchTxRows = 100_000
)

// benchGroup is the expected aggregate of one service code.
type benchGroup struct {
	activities, minutes int
	persons             map[int]bool
}

// benchWant is the expected answer: its total and its groups by code.
type benchWant struct {
	activities, minutes int
	groups              map[string]*benchGroup
}

type benchData struct {
	members []pulid.ID
	want    benchWant
}

// generateActivity fills an empty database and counts, as it goes, the
// first member's activities of benchMonth by service code. The data only
// depends on the scale (fixed random seed).
func generateActivity(ctx context.Context, b *testing.B, client *ent.Client, dialectName string, nPersons, nActivities int) (*benchData, error) {
	workers := 1 // SQLite has one writer
	if dialectName == dialect.Postgres {
		workers = 2
	}
	now := time.Now().UTC()
	joined := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)

	memberCreates := make([]*ent.MemberCreate, benchMembers)
	for i := range memberCreates {
		memberCreates[i] = client.Member.Create().SetName(fmt.Sprintf("Association %02d", i)).
			SetCategory(member.CategoryACTIVE).SetJoinedOn(joined)
	}
	members, err := client.Member.CreateBulk(memberCreates...).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	data := &benchData{want: benchWant{groups: map[string]*benchGroup{}}}
	for _, m := range members {
		data.members = append(data.members, m.ID)
	}
	estCreates := make([]*ent.EstablishmentCreate, 0, benchMembers*benchEstablishmentsPerMember)
	for i, m := range members {
		for e := range benchEstablishmentsPerMember {
			estCreates = append(estCreates, client.Establishment.Create().SetMemberID(m.ID).
				SetName(fmt.Sprintf("Établissement %02d-%d", i, e)))
		}
	}
	ests, err := client.Establishment.CreateBulk(estCreates...).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("establishments: %w", err)
	}
	// ests[m*benchEstablishmentsPerMember+e] is establishment e of member m.
	estOf := func(p int) pulid.ID {
		m := p % benchMembers
		return ests[m*benchEstablishmentsPerMember+(p/benchMembers)%benchEstablishmentsPerMember].ID
	}

	// Persons and their stays. Person p belongs to member p % benchMembers.
	personIDs := make([]pulid.ID, nPersons)
	sexes := []string{"FEMALE", "MALE", "UNKNOWN"}
	receptions := []string{"RESIDENTIAL", "DAY", "TEMPORARY", "SEQUENTIAL", "HOME_BASED"}
	pw := newBenchWriter(ctx, client, dialectName, "userrecord_persons", []string{
		"id", "created_at", "updated_at", "member_id", "last_name", "first_names", "birth_name",
		"birth_date", "sex", "legal_protection",
	}, workers)
	for p := range nPersons {
		personIDs[p] = pulid.New("PRS")
		birth := time.Date(1950+p%60, time.Month(1+p%12), 1+p%28, 0, 0, 0, 0, time.UTC)
		pw.add(personIDs[p], now, now, data.members[p%benchMembers], fmt.Sprintf("NOM%06d", p), "Camille", "",
			birth, sexes[p%len(sexes)], "NONE")
	}
	if err := pw.close(); err != nil {
		return nil, fmt.Errorf("persons: %w", err)
	}
	// The stays once every person is written: they refer to them.
	sw := newBenchWriter(ctx, client, dialectName, "userrecord_stays", []string{
		"id", "created_at", "updated_at", "member_id", "person_id", "establishment_id",
		"admitted_on", "reception_type", "orientation_reference",
	}, workers)
	for p := range nPersons {
		admitted := time.Date(2020+p%6, time.Month(1+p%12), 1, 0, 0, 0, 0, time.UTC)
		sw.add(pulid.New("STY"), now, now, data.members[p%benchMembers], personIDs[p], estOf(p),
			admitted, receptions[p%len(receptions)], "")
	}
	if err := sw.close(); err != nil {
		return nil, fmt.Errorf("stays: %w", err)
	}
	b.Logf("%d persons and stays written", nPersons)

	var codes []string
	for _, e := range serafin.All(serafin.DirectService) {
		if len(serafin.Children(e.Code)) == 0 {
			codes = append(codes, e.Code)
		}
	}
	days := time.Date(benchYear+1, 1, 1, 0, 0, 0, 0, time.UTC).Sub(time.Date(benchYear, 1, 1, 0, 0, 0, 0, time.UTC)).Hours() / 24
	first := time.Date(benchYear, 1, 1, 0, 0, 0, 0, time.UTC)
	professionals := []string{"", "IDE", "AES", "Éducateur spécialisé", "Psychologue", "Ergothérapeute"}
	r := rand.New(rand.NewPCG(2026, 3))
	aw := newBenchWriter(ctx, client, dialectName, "userrecord_activities", []string{
		"id", "created_at", "updated_at", "member_id", "person_id", "establishment_id",
		"service_code", "performed_on", "month", "minutes", "professional", "recorded_by",
	}, workers)
	start, step := time.Now(), max(1, nActivities/10)
	for a := range nActivities {
		// Person by person (their IDs increase), each on random days:
		// the inserts then land in a few hot pages of every index instead
		// of all over them: twice as fast on SQLite, 2.5× on PostgreSQL.
		p := int(int64(a) * int64(nPersons) / int64(nActivities))
		code := codes[r.IntN(len(codes))]
		day := first.AddDate(0, 0, r.IntN(int(days)))
		month := day.Format("2006-01")
		minutes := 5 + r.IntN(116)
		aw.add(pulid.New("ACT"), now, now, data.members[p%benchMembers], personIDs[p], estOf(p),
			code, day, month, minutes, professionals[r.IntN(len(professionals))], "bench")
		if p%benchMembers == 0 && month == benchMonth {
			w := &data.want
			w.activities++
			w.minutes += minutes
			g := w.groups[code]
			if g == nil {
				g = &benchGroup{persons: map[int]bool{}}
				w.groups[code] = g
			}
			g.activities++
			g.minutes += minutes
			g.persons[p] = true
		}
		if (a+1)%step == 0 {
			b.Logf("%d/%d activities queued in %s", a+1, nActivities, time.Since(start).Round(time.Millisecond))
		}
	}
	if err := aw.close(); err != nil {
		return nil, fmt.Errorf("activities: %w", err)
	}
	b.Logf("%d activities (%d service codes) written in %s", nActivities, len(codes), time.Since(start).Round(time.Millisecond))
	return data, nil
}

// checkAggregate compares every group of rows with the counts of want.
func checkAggregate(b *testing.B, rows []AggregateRow, want benchWant) {
	b.Helper()
	if len(rows) != len(want.groups) {
		b.Fatalf("%d groups, want %d", len(rows), len(want.groups))
	}
	for _, r := range rows {
		if r.ServiceCode == nil {
			b.Fatalf("group without a service code: %+v", r)
		}
		g := want.groups[*r.ServiceCode]
		if g == nil {
			b.Fatalf("unexpected group %s", *r.ServiceCode)
		}
		if r.Activities != g.activities || r.Minutes != g.minutes || r.Persons != len(g.persons) {
			b.Fatalf("group %s: %d activities, %d minutes, %d persons; want %d, %d, %d",
				*r.ServiceCode, r.Activities, r.Minutes, r.Persons, g.activities, g.minutes, len(g.persons))
		}
	}
}

// benchWriter writes rows to table with multi-row INSERTs of benchBatch
// rows, on workers connections.
type benchWriter struct {
	ctx     context.Context
	client  *ent.Client
	dialect string
	table   string
	columns []string
	args    []any
	batches chan []any
	wg      sync.WaitGroup
	mu      sync.Mutex
	err     error
}

func newBenchWriter(ctx context.Context, client *ent.Client, dialectName, table string, columns []string, workers int) *benchWriter {
	w := &benchWriter{ctx: ctx, client: client, dialect: dialectName, table: table, columns: columns, batches: make(chan []any, workers)}
	for range workers {
		w.wg.Go(w.work)
	}
	return w
}

// add queues one row, its values in the order of the columns.
func (w *benchWriter) add(values ...any) {
	if w.args == nil {
		w.args = make([]any, 0, benchBatch*len(w.columns))
	}
	w.args = append(w.args, values...)
	if len(w.args) == benchBatch*len(w.columns) {
		w.batches <- w.args
		w.args = nil
	}
}

// close writes the rows left and waits for the workers.
func (w *benchWriter) close() error {
	if len(w.args) > 0 {
		w.batches <- w.args
		w.args = nil
	}
	close(w.batches)
	w.wg.Wait()
	return w.err
}

// work inserts the batches queued, benchTxRows rows per transaction:
// committing each batch alone rewrites the same index pages again and
// again (SQLite's WAL grew by 50 GB for 2,000,000 activities).
func (w *benchWriter) work() {
	var tx *ent.Tx
	rows := 0
	for args := range w.batches {
		if w.failed() {
			continue // drain
		}
		var err error
		if tx == nil {
			if tx, err = w.client.Tx(w.ctx); err != nil {
				w.fail(err)
				continue
			}
		}
		if err = w.insert(tx, args); err != nil {
			w.fail(errors.Join(err, tx.Rollback()))
			tx = nil
			continue
		}
		if rows += len(args) / len(w.columns); rows >= benchTxRows {
			err, tx, rows = tx.Commit(), nil, 0
			if err != nil {
				w.fail(err)
			}
		}
	}
	if tx != nil {
		if err := tx.Commit(); err != nil {
			w.fail(err)
		}
	}
}

func (w *benchWriter) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

func (w *benchWriter) failed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err != nil
}

func (w *benchWriter) insert(tx *ent.Tx, args []any) error {
	var q strings.Builder
	q.WriteString("INSERT INTO " + w.table + " (" + strings.Join(w.columns, ", ") + ") VALUES ")
	n := len(w.columns)
	for i := 0; i < len(args); i += n {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for j := range n {
			if j > 0 {
				q.WriteString(", ")
			}
			// SQLite numbers "$N" parameters by looking each name up in
			// the list of those seen so far: quadratic, seconds for a
			// batch. "?" is positional.
			if w.dialect == dialect.SQLite {
				q.WriteByte('?')
			} else {
				q.WriteString("$" + strconv.Itoa(i+j+1))
			}
		}
		q.WriteByte(')')
	}
	_, err := tx.ExecContext(w.ctx, q.String(), args...)
	return err
}

func benchEnvInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}
