package cil

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func rulesDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestRulesCheckCriteria(t *testing.T) {
	for _, tc := range []struct {
		name     string
		criteria []string
		wantErr  string // "" when valid; else a part of the message
	}{
		{"none", nil, ""},
		{"empty", []string{}, ""},
		{"one", []string{"SENSITIVE_DATA"}, ""},
		{"all nine", append([]string(nil), DPIACriteria...), ""},
		{"unknown", []string{"SENSITIVE_DATA", "PROFILING"}, `"PROFILING"`},
		{"lower case is unknown", []string{"large_scale"}, `"large_scale"`},
		{"duplicated", []string{"LARGE_SCALE", "SENSITIVE_DATA", "LARGE_SCALE"}, `"LARGE_SCALE" is given twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckCriteria(tc.criteria)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("CheckCriteria(%q) = %v, want nil", tc.criteria, err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("CheckCriteria(%q) = nil, want an error naming %s", tc.criteria, tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("CheckCriteria(%q) = %q, want it to contain %s", tc.criteria, err, tc.wantErr)
			}
		})
	}
}

func TestDPIACriteriaHaveLabels(t *testing.T) {
	if len(DPIACriteria) != 9 {
		t.Fatalf("%d criteria, want the nine of WP248", len(DPIACriteria))
	}
	for _, c := range DPIACriteria {
		if DPIACriterionLabel(c) == c {
			t.Errorf("criterion %s has no French label", c)
		}
	}
}

func TestDPIARequired(t *testing.T) {
	for _, tc := range []struct {
		name     string
		criteria []string
		listed   bool
		want     bool
	}{
		{"no criterion", nil, false, false},
		{"one criterion", []string{"SENSITIVE_DATA"}, false, false},
		{"two criteria", []string{"SENSITIVE_DATA", "VULNERABLE_SUBJECTS"}, false, true},
		{"three criteria", []string{"SENSITIVE_DATA", "VULNERABLE_SUBJECTS", "LARGE_SCALE"}, false, true},
		{"one criterion twice is one", []string{"LARGE_SCALE", "LARGE_SCALE"}, false, false},
		{"on the CNIL's list, no criterion", nil, true, true},
		{"on the CNIL's list, one criterion", []string{"INNOVATIVE_USE"}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DPIARequired(tc.criteria, tc.listed); got != tc.want {
				t.Errorf("DPIARequired(%q, %v) = %v, want %v", tc.criteria, tc.listed, got, tc.want)
			}
		})
	}
}

func TestDueOn(t *testing.T) {
	for _, tc := range []struct {
		name     string
		received time.Time
		extended bool
		want     time.Time
	}{
		{"same date next month", rulesDay(2026, 3, 10), false, rulesDay(2026, 4, 10)},
		{"31 January → 28 February", rulesDay(2026, 1, 31), false, rulesDay(2026, 2, 28)},
		{"31 January of a leap year → 29 February", rulesDay(2028, 1, 31), false, rulesDay(2028, 2, 29)},
		{"30 January → 28 February", rulesDay(2027, 1, 30), false, rulesDay(2027, 2, 28)},
		{"31 March → 30 April", rulesDay(2026, 3, 31), false, rulesDay(2026, 4, 30)},
		{"28 February → 28 March", rulesDay(2026, 2, 28), false, rulesDay(2026, 3, 28)},
		{"December → January of the next year", rulesDay(2026, 12, 31), false, rulesDay(2027, 1, 31)},
		{"extended: three months", rulesDay(2026, 3, 10), true, rulesDay(2026, 6, 10)},
		{"extended from 31 January → 30 April, not 28 April", rulesDay(2026, 1, 31), true, rulesDay(2026, 4, 30)},
		{"extended from 30 November → 28 February", rulesDay(2026, 11, 30), true, rulesDay(2027, 2, 28)},
		{"extended from 30 November → 29 February in a leap year", rulesDay(2027, 11, 30), true, rulesDay(2028, 2, 29)},
		{"a time of day is dropped", time.Date(2026, 1, 31, 17, 45, 0, 0, time.UTC), false, rulesDay(2026, 2, 28)},
		{"the day is taken as given, not in UTC",
			time.Date(2026, 1, 31, 0, 30, 0, 0, time.FixedZone("CET", 3600)), false, rulesDay(2026, 2, 28)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := DueOn(tc.received, tc.extended)
			if !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("DueOn(%s, %v) = %s, want %s", tc.received, tc.extended, got, tc.want)
			}
		})
	}
}

func TestCheckBreachNotification(t *testing.T) {
	detected := time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := detected.Add(d); return &t }
	for _, tc := range []struct {
		name     string
		notified *time.Time
		reason   string
		wantErr  bool
	}{
		{"not notified yet", nil, "", false},
		{"at once", at(0), "", false},
		{"within 72 hours", at(30 * time.Hour), "", false},
		{"exactly 72 hours", at(72 * time.Hour), "", false},
		{"72 hours and 1 minute without reason", at(72*time.Hour + time.Minute), "", true},
		{"72 hours and 1 second without reason", at(72*time.Hour + time.Second), "", true},
		{"late with a blank reason", at(96 * time.Hour), "  \n\t", true},
		{"72 hours and 1 minute with a reason", at(72*time.Hour + time.Minute), "the host informed us on Friday evening", false},
		{"a week late with a reason", at(7 * 24 * time.Hour), "forensic analysis needed to know the scope", false},
		{"before the detection", at(-time.Hour), "", true},
		{"before the detection, even with a reason", at(-time.Minute), "typo", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBreachNotification(detected, tc.notified, tc.reason)
			if (err != nil) != tc.wantErr {
				t.Errorf("CheckBreachNotification(…, %v, %q) = %v, want error: %v", tc.notified, tc.reason, err, tc.wantErr)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	for _, tc := range []struct {
		name          string
		before, after map[string]any
		want          []Change
	}{
		{"both empty", map[string]any{}, map[string]any{}, nil},
		{"both nil", nil, nil, nil},
		{
			"equal slices of different Go types",
			map[string]any{"purposes": []string{"paie", "RH"}, "revision": 2},
			map[string]any{"purposes": []any{"paie", "RH"}, "revision": 2.0},
			nil,
		},
		{
			"changed slice",
			map[string]any{"purposes": []string{"paie"}},
			map[string]any{"purposes": []string{"paie", "RH"}},
			[]Change{{Field: "purposes", Before: []string{"paie"}, After: []string{"paie", "RH"}}},
		},
		{
			"reordered slice is a change",
			map[string]any{"recipients": []string{"a", "b"}},
			map[string]any{"recipients": []string{"b", "a"}},
			[]Change{{Field: "recipients", Before: []string{"a", "b"}, After: []string{"b", "a"}}},
		},
		{
			"added field",
			map[string]any{"name": "Paie"},
			map[string]any{"name": "Paie", "data_sources": []string{"salariés"}},
			[]Change{{Field: "data_sources", After: []string{"salariés"}}},
		},
		{
			"removed field",
			map[string]any{"name": "Paie", "joint_controllers": []string{"ADMR"}},
			map[string]any{"name": "Paie"},
			[]Change{{Field: "joint_controllers", Before: []string{"ADMR"}}},
		},
		{
			"nested values compared as JSON",
			map[string]any{"transfers": []map[string]string{{"country": "US", "recipient": "X", "safeguard": "SCC"}}},
			map[string]any{"transfers": []any{map[string]any{"country": "US", "recipient": "X", "safeguard": "SCC"}}},
			nil,
		},
		{
			"several changes sorted by field",
			map[string]any{"status": "DRAFT", "name": "Paie", "legal_basis": "c", "dpia_required": false},
			map[string]any{"status": "ACTIVE", "name": "Paie des salariés", "legal_basis": "c", "dpia_required": true},
			[]Change{
				{Field: "dpia_required", Before: false, After: true},
				{Field: "name", Before: "Paie", After: "Paie des salariés"},
				{Field: "status", Before: "DRAFT", After: "ACTIVE"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Diff(tc.before, tc.after)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Diff =\n%#v\nwant\n%#v", got, tc.want)
			}
		})
	}
}

// TestDiffLargeIntegers: integers beyond float64's precision still differ.
func TestDiffLargeIntegers(t *testing.T) {
	got := Diff(map[string]any{"n": int64(1) << 60}, map[string]any{"n": int64(1)<<60 + 1})
	if len(got) != 1 || got[0].Field != "n" {
		t.Errorf("Diff = %#v, want a change of n", got)
	}
}
