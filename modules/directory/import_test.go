package directory

import (
	"context"
	"strings"
	"testing"
	"time"

	"communs/ent/member"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

// TestImportRejectsBadRowsAlone: a line the extract reader accepts but the
// directory cannot store (a SIRET with a wrong key) is rejected alone.
func TestImportRejectsBadRowsAlone(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	ctx := viewer.SystemContext(context.Background())
	m := client.Member.Create().SetName("Association").SetCategory(member.CategoryACTIVE).
		SetJoinedOn(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).SaveX(ctx)
	var file strings.Builder
	if err := WriteSyntheticExtract(&file, 3); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(file.String(), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "structureet;") {
			fields := strings.Split(l, ";")
			fields[22] = "1234567890123" // siret: 13 digits
			lines[i] = strings.Join(fields, ";")
			break
		}
	}
	report, err := New(client).Import(ctx, m.ID, strings.NewReader(strings.Join(lines, "\n")), nil)
	if err != nil {
		t.Fatal(err)
	}
	if report.Created != 2 || len(report.Rejected) != 1 || !strings.Contains(report.Rejected[0].Reason, "SIRET") {
		t.Errorf("report %+v", report)
	}
}
