package graph

import (
	"reflect"
	"testing"

	"communs/ent"
	"communs/internal/viewer"
)

func TestNarrowFilters(t *testing.T) {
	member := &viewer.Viewer{Roles: []viewer.Role{{Name: "member_admin", MemberID: "MBR1"}}}
	cil := &viewer.Viewer{Roles: []viewer.Role{{Name: "gsm_cil"}}}
	staff := &viewer.Viewer{Roles: []viewer.Role{{Name: "gsm_staff"}}}
	for _, tc := range []struct {
		name     string
		viewer   *viewer.Viewer
		where    func() (root any, nested *[]*ent.SubscriptionWhereInput)
		narrowed bool
	}{
		{"a member filtering through subscriptions", member, throughSubscriptions, true},
		{"inside or", member, func() (any, *[]*ent.SubscriptionWhereInput) {
			inner, nested := throughSubscriptions()
			return &ent.ResourceWhereInput{Or: []*ent.ResourceWhereInput{inner.(*ent.ResourceWhereInput)}}, nested
		}, true},
		{"inside not", member, func() (any, *[]*ent.SubscriptionWhereInput) {
			inner, nested := throughSubscriptions()
			return &ent.ResourceWhereInput{Not: inner.(*ent.ResourceWhereInput)}, nested
		}, true},
		{"the CIL sees every subscription", cil, throughSubscriptions, false},
		{"the staff too", staff, throughSubscriptions, false},
	} {
		root, nested := tc.where()
		narrow(tc.viewer, reflect.ValueOf(root))
		if got := len((*nested)[0].Predicates) > 0; got != tc.narrowed {
			t.Errorf("%s: narrowed = %v, want %v", tc.name, got, tc.narrowed)
		}
	}

	// Through the catalogue, nothing is narrowed: it is read whole.
	catalogue := &ent.SubscriptionWhereInput{HasResourceWith: []*ent.ResourceWhereInput{{}}}
	narrow(member, reflect.ValueOf(catalogue))
	if len(catalogue.HasResourceWith[0].Predicates) != 0 {
		t.Error("a filter through the catalogue was narrowed")
	}
	narrow(member, reflect.ValueOf((*ent.ResourceWhereInput)(nil))) // no where: nothing to do, no panic
}

func throughSubscriptions() (any, *[]*ent.SubscriptionWhereInput) {
	w := &ent.ResourceWhereInput{HasSubscriptionsWith: []*ent.SubscriptionWhereInput{{}}}
	return w, &w.HasSubscriptionsWith
}

func TestNarrowHasFlags(t *testing.T) {
	member := &viewer.Viewer{Roles: []viewer.Role{{Name: "member_admin", MemberID: "MBR1"}}}
	yes, no := true, false
	for _, flag := range []*bool{&yes, &no} {
		w := &ent.ResourceWhereInput{HasSubscriptions: flag}
		narrow(member, reflect.ValueOf(w))
		if w.HasSubscriptions != nil || len(w.And) != 1 {
			t.Fatalf("hasSubscriptions: %v was not rewritten: %+v", *flag, w)
		}
		exists := w.And[0]
		if !*flag {
			exists = w.And[0].Not
		}
		if len(exists.HasSubscriptionsWith) != 1 || len(exists.HasSubscriptionsWith[0].Predicates) == 0 {
			t.Errorf("hasSubscriptions: %v: the rewritten filter is not narrowed: %+v", *flag, exists)
		}
	}
	staff := &viewer.Viewer{Roles: []viewer.Role{{Name: "gsm_staff"}}}
	w := &ent.ResourceWhereInput{HasSubscriptions: &yes}
	if narrow(staff, reflect.ValueOf(w)); w.HasSubscriptions == nil {
		t.Error("a filter of a viewer who sees every subscription was rewritten")
	}
}
