package schema_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"communs/ent"
	"communs/ent/charge"
	"communs/ent/member"
	"communs/ent/schema/schematype"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

func newMember(t *testing.T, client *ent.Client, ctx context.Context) *ent.Member {
	t.Helper()
	m, err := client.Member.Create().SetName("Association Test").SetCategory(member.CategoryACTIVE).
		SetJoinedOn(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSchemaValidation(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	ctx := viewer.SystemContext(context.Background())
	joined := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		create *ent.MemberCreate
		want   string
	}{
		{"SIREN check digit", client.Member.Create().SetName("A").SetCategory(member.CategoryUSER).SetJoinedOn(joined).SetSiren("732829321"), "siren"},
		{"VAT share above 100 %", client.Member.Create().SetName("A").SetCategory(member.CategoryUSER).SetJoinedOn(joined).SetVatSubjectPercent(120), "vat_subject_percent"},
		{"left before joining", client.Member.Create().SetName("A").SetCategory(member.CategoryUSER).SetJoinedOn(joined).SetLeftOn(joined.AddDate(-1, 0, 0)), "member_left_after_joining"},
		{"empty name", client.Member.Create().SetName("").SetCategory(member.CategoryUSER).SetJoinedOn(joined), "name"},
	} {
		_, err := tc.create.Save(ctx)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one about %s", tc.name, err, tc.want)
		}
	}
	m := newMember(t, client, ctx)
	_, err := client.CostEntry.Create().SetResourceID("RES01JAAAAAAAAAAAAAAAAAAAA").SetFiscalYear(2026).
		SetCostType("USAGE").SetBasis("ACTUAL").SetAmount(-1).SetLabel("x").SetMemberID(m.ID).Save(ctx)
	if err == nil || !strings.Contains(err.Error(), "amount") {
		t.Errorf("a negative cost: %v", err)
	}
}

func TestLedgerAndAuditTrailAreAppendOnly(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	ctx := viewer.SystemContext(context.Background())
	m := newMember(t, client, ctx)
	line, err := client.Charge.Create().SetMemberID(m.ID).SetKind(charge.KindMEMBERSHIP_FEE).
		SetFiscalYear(2026).SetPeriod(charge.PeriodFEES).SetAmount(50000).SetLabel("Cotisation 2026").
		SetBasis(schematype.ChargeBasis{Note: "cotisation annuelle"}).
		SetIdempotencyKey("2026/FEES/" + string(m.ID)).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Not even the platform itself may change a ledger line or an audit event.
	// Every field is immutable: only updated_at could be set, and is refused.
	if err := client.Charge.UpdateOne(line).Exec(ctx); err == nil {
		t.Error("a charge line was updated")
	}
	if _, err := client.Charge.Update().Save(ctx); err == nil {
		t.Error("charge lines were updated")
	}
	if err := client.Charge.DeleteOne(line).Exec(ctx); err == nil {
		t.Error("a charge line was deleted")
	}
	if _, err := client.AuditEvent.Delete().Exec(ctx); err == nil {
		t.Error("audit events were deleted")
	}
	if _, err := client.AuditEvent.Update().Save(ctx); err == nil {
		t.Error("audit events were rewritten")
	}
	events, err := client.AuditEvent.Query().All(ctx)
	if err != nil || len(events) != 1 { // the member; a ledger line is its own record
		t.Errorf("audit events: %d, %v", len(events), err)
	}
}

func TestRowIsolation(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	sys := viewer.SystemContext(context.Background())
	a, b := newMember(t, client, sys), newMember(t, client, sys)
	for _, m := range []*ent.Member{a, b} {
		err := client.UsageDeclaration.Create().SetMemberID(m.ID).SetYear(2026).Exec(sys)
		if err != nil {
			t.Fatal(err)
		}
	}
	asA := viewer.NewContext(context.Background(), &viewer.Viewer{AccountID: "ACC1",
		Roles: []viewer.Role{{Name: "member_admin", MemberID: a.ID, MemberCategory: "ACTIVE"}}})

	if n := client.UsageDeclaration.Query().CountX(asA); n != 1 {
		t.Errorf("A counts %d declarations, want 1", n)
	}
	if _, err := client.Member.Get(asA, b.ID); !ent.IsNotFound(err) {
		t.Errorf("A reads member B: %v", err)
	}
	// Writes: A may not create rows for B, nor change B's rows.
	if err := client.UsageDeclaration.Create().SetMemberID(b.ID).SetYear(2027).Exec(asA); err == nil {
		t.Error("A created a declaration for B")
	}
	n, err := client.UsageDeclaration.Update().SetStatus("SUBMITTED").Save(asA)
	if err != nil || n != 1 {
		t.Errorf("A's bulk update touched %d declarations (%v), want only its own", n, err)
	}
	if _, err := client.Member.Query().Count(context.Background()); err == nil {
		t.Error("an anonymous query was answered")
	}
}
