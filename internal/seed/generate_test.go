package seed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"communs"
	"communs/ent"
	"communs/ent/costentry"
	"communs/ent/usagedeclaration"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

func TestGenerate(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	ctx := t.Context() // no viewer: Generate acts as the system itself
	// 25 resources (2 DIRECT: R0009, R0019), 1500 members so that members,
	// subscriptions and lines take more than one batch.
	sc := Scale{Members: 1500, Resources: 25, PerMember: 2, Year: 2026}
	last := map[string][2]int{}
	var stages []string
	counts, err := Generate(ctx, client, sc, func(stage string, done, total int) {
		if prev, ok := last[stage]; !ok {
			stages = append(stages, stage)
		} else if done <= prev[0] || total != prev[1] {
			t.Errorf("%s: progress %d/%d after %d/%d", stage, done, total, prev[0], prev[1])
		}
		last[stage] = [2]int{done, total}
	})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	want := GeneratedCounts{Members: 1500, Resources: 25, Subscriptions: 3000, DeclarationLines: 3000}
	if counts.Members != want.Members || counts.Resources != want.Resources ||
		counts.Subscriptions != want.Subscriptions || counts.DeclarationLines != want.DeclarationLines {
		t.Errorf("counts = %+v, want %+v", counts, want)
	}
	wantStages := []string{"resources", "members", "subscriptions", "declarations", "declaration lines", "cost entries"}
	if len(stages) != len(wantStages) {
		t.Errorf("stages = %q, want %q", stages, wantStages)
	}
	for i, s := range wantStages {
		if i < len(stages) && stages[i] != s {
			t.Errorf("stage %d = %q, want %q", i, stages[i], s)
		}
		if p := last[s]; p[0] != p[1] {
			t.Errorf("%s: last progress %d/%d", s, p[0], p[1])
		}
	}

	sys := viewer.SystemContext(context.Background())
	for name, got := range map[string][2]int{
		"members":           {client.Member.Query().CountX(sys), counts.Members},
		"resources":         {client.Resource.Query().CountX(sys), counts.Resources},
		"subscriptions":     {client.Subscription.Query().CountX(sys), counts.Subscriptions},
		"declarations":      {client.UsageDeclaration.Query().Where(usagedeclaration.Year(2026), usagedeclaration.StatusEQ(usagedeclaration.StatusVALIDATED)).CountX(sys), counts.Members},
		"declaration lines": {client.UsageDeclarationLine.Query().CountX(sys), counts.DeclarationLines},
		"cost entries":      {client.CostEntry.Query().Where(costentry.FiscalYear(2026)).CountX(sys), counts.CostEntries},
	} {
		if got[0] != got[1] {
			t.Errorf("%s: %d in the database, %d counted", name, got[0], got[1])
		}
	}
	// 23 shared resources × 4 common entries, and 2 per DIRECT subscription.
	direct := client.CostEntry.Query().Where(costentry.MemberIDNotNil()).CountX(sys)
	if common := counts.CostEntries - direct; common != 23*4 || direct%2 != 0 || direct == 0 {
		t.Errorf("%d common and %d direct cost entries, want 92 and an even number", common, direct)
	}

	if _, err := Generate(ctx, client, Scale{Members: 1, Resources: 1, Year: 2026}, nil); communs.ErrorCode(err) != communs.ECONFLICT {
		t.Errorf("Generate on a database with members: %v, want CONFLICT", err)
	}
	if n := client.Member.Query().CountX(sys); n != 1500 {
		t.Errorf("%d members after the refused run", n)
	}
}

func TestGenerateDefaultsAndDeterminism(t *testing.T) {
	t.Parallel()
	var rows [2][]string
	for i := range rows {
		client := storetest.Open(t).Client
		counts, err := Generate(t.Context(), client, Scale{Members: 3, Resources: 12, PerMember: 0, Year: 2030}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if counts.Subscriptions != 36 { // PerMember defaults to min(20, Resources)
			t.Errorf("%d subscriptions, want 3 × 12", counts.Subscriptions)
		}
		sys := viewer.SystemContext(t.Context())
		for _, c := range client.CostEntry.Query().WithResource().WithMember().AllX(sys) {
			who := "common"
			if c.Edges.Member != nil {
				who = c.Edges.Member.Name
			}
			rows[i] = append(rows[i], fmt.Sprintf("%s %s %s %s %d", c.Edges.Resource.Code, who, c.Basis, c.CostType, c.Amount))
		}
		for _, d := range client.UsageDeclarationLine.Query().WithDeclaration(func(q *ent.UsageDeclarationQuery) { q.WithMember() }).WithResource().AllX(sys) {
			rows[i] = append(rows[i], fmt.Sprintf("%s %s %d", d.Edges.Declaration.Edges.Member.Name, d.Edges.Resource.Code, d.Quantity))
		}
		slices.Sort(rows[i])
	}
	if len(rows[0]) == 0 || !slices.Equal(rows[0], rows[1]) {
		t.Errorf("two generations differ:\n%s\n%s", strings.Join(rows[0], "\n"), strings.Join(rows[1], "\n"))
	}
}

func TestGenerateRefusesABadScale(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	for _, tc := range []struct {
		sc    Scale
		field string
	}{
		{Scale{Members: 0, Resources: 5, Year: 2026}, "members"},
		{Scale{Members: 5, Resources: 0, Year: 2026}, "resources"},
		{Scale{Members: 5, Resources: 5, PerMember: 6, Year: 2026}, "perMember"},
		{Scale{Members: 5, Resources: 5, PerMember: -1, Year: 2026}, "perMember"},
		{Scale{Members: 5, Resources: 5, Year: 1999}, "year"},
		{Scale{Members: 5, Resources: 5, Year: 2101}, "year"},
	} {
		_, err := Generate(t.Context(), client, tc.sc, nil)
		var e *communs.Error
		if !errors.As(err, &e) || e.Code != communs.EINVALID || e.Field != tc.field {
			t.Errorf("Generate(%+v) = %v, want INVALID_INPUT on %s", tc.sc, err, tc.field)
		}
	}
	if n := client.Member.Query().CountX(viewer.SystemContext(t.Context())); n != 0 {
		t.Errorf("%d members written by refused runs", n)
	}
}
