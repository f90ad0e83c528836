package graph

import (
	"strings"
	"testing"
)

// Every string of every argument is checked before anything runs: valid
// UTF-8, no control character, at most validate.MaxText characters.
func TestTextInputsAreChecked(t *testing.T) {
	h := NewHandler(openClient(t), HandlerOptions{})
	const request = `mutation($title: String!, $description: String) { requestService(input: {memberId: "MBR0", kind: STARTUP,
		title: $title, description: $description}) { id } }`
	for _, tc := range []struct {
		name  string
		query string
		vars  map[string]any
		field string
	}{
		{"a description of 900,000 characters", request, map[string]any{"title": "t", "description": strings.Repeat("é", 900_000)}, "description"},
		{"a NUL in a title", request, map[string]any{"title": "Install\x00ation"}, "title"},
		{"an escape character", request, map[string]any{"title": "\x1b[31m"}, "title"},
		{"a NUL in a nested filter", `{ members(first: 1) { edges { node { subscriptionsConnection(first: 1, where: {hasResourceWith: {nameContainsFold: "a\u0000"}}) { totalCount } } } } }`, nil, "nameContainsFold"},
		{"a NUL in a list", `{ nodes(ids: ["MBR0", "MBR\u0000"]) { id } }`, nil, "ids"},
		{"through a fragment", `{ ...F } fragment F on Query { members(first: 1, where: {nameContains: "\u0000"}) { totalCount } }`, nil, "nameContains"},
	} {
		res := post(t, h, tc.query, tc.vars)
		if res.code() != "INVALID_INPUT" || res.field() != tc.field {
			t.Errorf("%s: %.300s", tc.name, res.Raw)
		}
	}
	// The longest text, with its tabs and line breaks, passes the check.
	res := post(t, h, request, map[string]any{"title": "a\tb\r\nc", "description": strings.Repeat("é", 10_000)})
	if res.field() == "title" || res.field() == "description" {
		t.Errorf("a text within the bounds: %.300s", res.Raw)
	}
}
