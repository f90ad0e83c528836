package cil

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/processingrecord"
	"communs/ent/schema/pulid"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

// fullRecord is a controller record with every list holding one entry and
// a review date, so that clearing anything changes it.
func fullRecord(t *testing.T, s *Service, ctx context.Context) *ent.ProcessingRecord {
	t.Helper()
	one := []string{"initial"}
	review := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	r, err := s.CreateRecord(ctx, ent.CreateProcessingRecordInput{
		Role: processingrecord.RoleCONTROLLER, Name: "Paie", NextReviewOn: &review,
		JointControllers: one, Purposes: one, DataSubjects: one, DataCategories: one, SpecialCategories: one,
		Recipients: one, Transfers: one, Retention: one, SecurityMeasures: one, DataSources: one,
		ResourceCodes: one, Modules: one, DpiaCriteria: []string{"SENSITIVE_DATA"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sampleValue is a value of an update input's field that differs from
// fullRecord's.
func sampleValue(field reflect.StructField) reflect.Value {
	v := reflect.New(field.Type).Elem()
	switch x := v.Addr().Interface().(type) {
	case *bool:
		*x = true
	case **string:
		*x = ptr("nouvelle valeur")
	case **bool:
		*x = ptr(true)
	case **time.Time:
		*x = ptr(time.Date(2028, 6, 1, 0, 0, 0, 0, time.UTC))
	case **processingrecord.Status:
		*x = ptr(processingrecord.StatusACTIVE)
	case **processingrecord.DpiaStatus:
		*x = ptr(processingrecord.DpiaStatusDONE)
	case *[]string:
		*x = []string{"ajout"}
		if columnName(field.Name) == "dpia_criteria" || columnName(field.Name) == "append_dpia_criteria" {
			*x = []string{"LARGE_SCALE"}
		}
	case *[]pulid.ID:
		*x = []pulid.ID{"PRV01JAAAAAAAAAAAAAAAAAAAA"}
	}
	return v
}

func ptr[T any](v T) *T { return &v }

func TestEveryUpdateFieldChangesTheRecordOrIsRefused(t *testing.T) {
	t.Parallel()
	s := New(storetest.Open(t).Client)
	ctx := viewer.SystemContext(context.Background())
	typ := reflect.TypeFor[ent.UpdateProcessingRecordInput]()
	for i := range typ.NumField() {
		field := typ.Field(i)
		t.Run(field.Name, func(t *testing.T) {
			r := fullRecord(t, s, ctx)
			var in ent.UpdateProcessingRecordInput
			reflect.ValueOf(&in).Elem().Field(i).Set(sampleValue(field))
			if reflect.ValueOf(in).IsZero() {
				t.Fatalf("no sample value for a field of type %s", field.Type)
			}
			updated, err := s.UpdateRecord(ctx, r.ID, in)
			switch {
			case err != nil && communs.ErrorCode(err) != communs.EINVALID:
				t.Errorf("refused with %v, want INVALID_INPUT naming the field", err)
			case err == nil && updated.Revision != r.Revision+1:
				t.Errorf("accepted without changing the record (revision %d)", updated.Revision)
			}
		})
	}
}

func TestAppendFieldsAppend(t *testing.T) {
	t.Parallel()
	s := New(storetest.Open(t).Client)
	ctx := viewer.SystemContext(context.Background())
	r := fullRecord(t, s, ctx)
	updated, err := s.UpdateRecord(ctx, r.ID, ent.UpdateProcessingRecordInput{
		AppendRetention: []string{"bulletins de paie : 5 ans"},
		Purposes:        []string{"paie"}, AppendPurposes: []string{"déclarations sociales"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(updated.Retention, []string{"initial", "bulletins de paie : 5 ans"}) ||
		!slices.Equal(updated.Purposes, []string{"paie", "déclarations sociales"}) {
		t.Errorf("retention %q, purposes %q", updated.Retention, updated.Purposes)
	}
	b, err := s.RecordBreach(ctx, ent.CreateBreachInput{DetectedAt: time.Now(), Nature: "perte d'un ordinateur", DataCategories: []string{"identité"}})
	if err != nil {
		t.Fatal(err)
	}
	if b, err = s.UpdateBreach(ctx, b.ID, ent.UpdateBreachInput{AppendDataCategories: []string{"santé"}}); err != nil ||
		!slices.Equal(b.DataCategories, []string{"identité", "santé"}) {
		t.Errorf("breach data categories %q, %v", b.DataCategories, err)
	}
}

func TestMissingFields(t *testing.T) {
	t.Parallel()
	processor := &ent.ProcessingRecord{Role: processingrecord.RolePROCESSOR, Status: processingrecord.StatusACTIVE,
		Processor: "le groupement", Controller: "Association A", ProcessingCategories: "hébergement"}
	if got := MissingFields(processor); !slices.Equal(got, []string{"transfers", "security_measures"}) {
		t.Errorf("processor record derived from a subscription lacks %v", got)
	}
	processor.Transfers, processor.SecurityMeasures = []string{"aucun"}, []string{"chiffrement"}
	if got := MissingFields(processor); len(got) != 0 {
		t.Errorf("complete processor record lacks %v", got)
	}
	controller := &ent.ProcessingRecord{Role: processingrecord.RoleCONTROLLER, Status: processingrecord.StatusDRAFT,
		SpecialCategories: []string{"santé"}}
	if got := MissingFields(controller); len(got) != len(controllerFields)+1 || got[len(got)-1] != "special_category_condition" {
		t.Errorf("empty controller record lacks %v", got)
	}
	controller.Status = processingrecord.StatusARCHIVED
	if got := MissingFields(controller); len(got) != 0 {
		t.Errorf("archived record lacks %v", got)
	}
}
