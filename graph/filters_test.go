package graph

import (
	"reflect"
	"testing"

	"communs/ent"
	"communs/internal/viewer"
)

func TestHiddenKind(t *testing.T) {
	member := &viewer.Viewer{Roles: []viewer.Role{{Name: "member_admin", MemberID: "MBR1"}}}
	cil := &viewer.Viewer{Roles: []viewer.Role{{Name: "gsm_cil"}}}
	staff := &viewer.Viewer{Roles: []viewer.Role{{Name: "gsm_staff"}}}
	throughSubscriptions := &ent.ResourceWhereInput{HasSubscriptionsWith: []*ent.SubscriptionWhereInput{{}}}
	for _, tc := range []struct {
		name   string
		viewer *viewer.Viewer
		where  any
		want   string
	}{
		{"a member filters on its own fields", member, &ent.SubscriptionWhereInput{}, ""},
		{"a member filters through the catalogue", member,
			&ent.SubscriptionWhereInput{HasResourceWith: []*ent.ResourceWhereInput{{HasCategoryWith: []*ent.ResourceCategoryWhereInput{{}}}}}, ""},
		{"a member filters through others' subscriptions", member, throughSubscriptions, "Subscription"},
		{"hidden inside or", member, &ent.ResourceWhereInput{Or: []*ent.ResourceWhereInput{throughSubscriptions}}, "Subscription"},
		{"hidden inside not", member, &ent.ResourceWhereInput{Not: throughSubscriptions}, "Subscription"},
		{"the CIL sees every subscription", cil, throughSubscriptions, ""},
		{"but not every charge", cil, &ent.MemberWhereInput{HasChargesWith: []*ent.ChargeWhereInput{{}}}, "Charge"},
		{"staff sees every charge", staff, &ent.MemberWhereInput{HasChargesWith: []*ent.ChargeWhereInput{{}}}, ""},
		{"nil where", member, (*ent.ResourceWhereInput)(nil), ""},
	} {
		if got := hiddenKind(tc.viewer, reflect.ValueOf(tc.where)); got != tc.want {
			t.Errorf("%s: hiddenKind = %q, want %q", tc.name, got, tc.want)
		}
	}
}
