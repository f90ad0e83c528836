package graph

import (
	"fmt"
	"strings"
	"testing"
)

// Every string of every argument is checked before anything runs: valid
// UTF-8, no control character, at most validate.MaxText characters.
func TestTextInputsAreBounded(t *testing.T) {
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

// ids returns n member ids.
func ids(n int) []any {
	list := make([]any, n)
	for i := range list {
		list[i] = fmt.Sprintf("MBR%d", i)
	}
	return list
}

// Every list of every argument is bounded: 1,000 items (more for a few),
// 10,000 in all, before any statement.
func TestListInputsAreBounded(t *testing.T) {
	h := NewHandler(openClient(t), HandlerOptions{})
	const members = `query($ids: [ID!], $or: [MemberWhereInput!]) { members(first: 1, where: {idIn: $ids, or: $or}) { totalCount } }`
	or := make([]any, 11)
	for i := range or {
		or[i] = map[string]any{"idIn": ids(maxListItems)}
	}
	for _, tc := range []struct {
		name string
		vars map[string]any
		msg  string
	}{
		{"32,766 ids", map[string]any{"ids": ids(32_766)}, "idIn has 32766 items, more than the limit of 1000"},
		{"one more than the bound", map[string]any{"ids": ids(maxListItems + 1)}, "more than the limit of 1000"},
		{"lists in lists", map[string]any{"or": or}, "more than 10000 items in all"},
	} {
		res := post(t, h, members, tc.vars)
		if res.code() != "INVALID_INPUT" || !strings.Contains(res.Errors[0].Message, tc.msg) {
			t.Errorf("%s: %.300s", tc.name, res.Raw)
		}
	}
	if res := post(t, h, members, map[string]any{"ids": ids(maxListItems), "or": or[:8]}); len(res.Errors) > 0 {
		t.Errorf("lists within their bounds: %.300s", res.Raw)
	}
}

// Scalars are read strictly, from the variables as from the document.
func TestScalarsAreStrict(t *testing.T) {
	h := NewHandler(openClient(t), HandlerOptions{})
	const q = `query($first: Int) { members(first: $first) { totalCount } }`
	for _, first := range []any{"1", 1.5} {
		if res := post(t, h, q, map[string]any{"first": first}); len(res.Errors) == 0 {
			t.Errorf("first: %#v: %.300s", first, res.Raw)
		}
	}
	if res := post(t, h, q, map[string]any{"first": 1}); len(res.Errors) > 0 {
		t.Errorf("first: 1: %.300s", res.Raw)
	}
	for _, date := range []string{"0000-01-01", " 2026-01-01"} {
		res := post(t, h, `query($d: Date) { members(first: 1, where: {joinedOnGTE: $d}) { totalCount } }`, map[string]any{"d": date})
		if res.code() != "INVALID_INPUT" {
			t.Errorf("date %q: %.300s", date, res.Raw)
		}
	}
}
