package directory

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"communs/ent/member"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

// BenchmarkImport imports a generated FINESS extract into an empty
// directory, then imports it again (nothing changes). The size is
// COMMUNS_BENCH_ESTABLISHMENTS (default 40,000, the national order of
// magnitude); COMMUNS_TEST_DATABASE_URL selects PostgreSQL:
//
//	go test ./modules/directory -run XXX -bench Import -benchtime 1x
func BenchmarkImport(b *testing.B) {
	n := 40_000
	if v := os.Getenv("COMMUNS_BENCH_ESTABLISHMENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("COMMUNS_BENCH_ESTABLISHMENTS=%q: want a positive integer", v)
		}
	}
	var file bytes.Buffer
	if err := WriteSyntheticExtract(&file, n); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		client := storetest.Open(b).Client
		ctx := viewer.SystemContext(context.Background())
		m := client.Member.Create().SetName("Fédération").SetCategory(member.CategoryACTIVE).
			SetJoinedOn(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).SaveX(ctx)
		svc := New(client)
		b.StartTimer()
		report, err := svc.Import(ctx, m.ID, bytes.NewReader(file.Bytes()), nil)
		if err != nil || report.Created != n {
			b.Fatalf("import: %+v, %v", report, err)
		}
		b.StopTimer()
		start := time.Now()
		again, err := svc.Import(ctx, m.ID, bytes.NewReader(file.Bytes()), nil)
		if err != nil || again.Unchanged != n {
			b.Fatalf("second import: %+v, %v", again, err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "reimport-s")
	}
}
