// Package bench measures the read path: each workload is a GraphQL query
// sent to the API over HTTP, and the same answer from a hand-written
// service running one SQL statement through pgx (the floor), side by side
// at several levels of concurrency on the same PostgreSQL data.
package bench

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"entgo.io/contrib/entgql"
	"github.com/jackc/pgx/v5/pgxpool"

	"communs/ent/schema/pulid"
)

// Workload is one kind of request.
type Workload struct {
	Name, Description string
	// Query and Variables are the GraphQL request.
	Query     string
	Variables map[string]any
	// Floor is the SQL statement that answers the same data as JSON, and
	// its arguments.
	Floor string
	Args  []any
}

// money is the SQL of an amount in cents as the API writes Money.
func money(column string) string {
	return fmt.Sprintf("to_char(%s / 100.0, 'FM999999999999999990.00')", column)
}

// memberPage is a page of 50 members after an id, with their
// subscriptions and the resources' names.
const memberPageQuery = `query($after: Cursor) { members(first: 50, after: $after) { edges { node {
	id name category subscriptions { id status resource { id name } } } } } }`

const memberPageFloor = `SELECT json_build_object('members', json_build_object('edges', COALESCE(json_agg(
	json_build_object('node', json_build_object('id', m.id, 'name', m.name, 'category', m.category,
		'subscriptions', (SELECT COALESCE(json_agg(json_build_object('id', s.id, 'status', s.status,
			'resource', json_build_object('id', r.id, 'name', r.name))), '[]')
			FROM subscriptions s JOIN resources r ON r.id = s.resource_id WHERE s.member_id = m.id)))
	ORDER BY m.id), '[]')))
	FROM (SELECT id, name, category FROM members WHERE id > $1 ORDER BY id LIMIT 50) m`

// Workloads returns the workloads over the data in pool, for fiscal year:
// the member of W3 and the cursor of W4 are read from it.
func Workloads(ctx context.Context, pool *pgxpool.Pool, year int) ([]Workload, error) {
	var one, page20 string
	if err := pool.QueryRow(ctx, `SELECT id FROM members ORDER BY id LIMIT 1`).Scan(&one); err != nil {
		return nil, fmt.Errorf("bench: no member: %w", err)
	}
	if err := pool.QueryRow(ctx, `SELECT id FROM members ORDER BY id OFFSET 949 LIMIT 1`).Scan(&page20); err != nil {
		return nil, fmt.Errorf("bench: fewer than 1000 members: %w", err)
	}
	var cursor bytes.Buffer
	entgql.Cursor[pulid.ID]{ID: pulid.ID(page20)}.MarshalGQL(&cursor)
	after := strings.Trim(cursor.String(), `"`)
	quarter := "to_char(date_trunc('quarter', created_at AT TIME ZONE 'Europe/Paris'), 'YYYY-\"Q\"Q')"
	return []Workload{
		{Name: "W1", Description: "page 1 of 50 members with subscriptions and resource names",
			Query: memberPageQuery, Variables: map[string]any{"after": nil}, Floor: memberPageFloor, Args: []any{""}},
		{Name: "W2", Description: "charges per resource for a year",
			Query: `query($year: Int) { chargesAggregate(where: {fiscalYear: $year}, groupBy: [RESOURCE]) {
				keys { resource { id name } } sum { amount } count } }`,
			Variables: map[string]any{"year": year},
			Floor: `SELECT json_build_object('chargesAggregate', COALESCE(json_agg(json_build_object(
				'keys', json_build_object('resource', CASE WHEN r.id IS NULL THEN NULL ELSE json_build_object('id', r.id, 'name', r.name) END),
				'sum', json_build_object('amount', ` + money("t.total") + `), 'count', t.n) ORDER BY t.resource_id NULLS LAST), '[]'))
				FROM (SELECT resource_id, sum(amount) AS total, count(*) AS n FROM charges WHERE fiscal_year = $1 GROUP BY resource_id) t
				LEFT JOIN resources r ON r.id = t.resource_id`,
			Args: []any{year}},
		{Name: "W3", Description: "one member and its 20 latest charges",
			Query: `query($id: ID!) { node(id: $id) { ... on Member { id name
				chargesConnection(first: 20, orderBy: [{field: CREATED_AT, direction: DESC}]) { edges { node { id kind period amount } } } } } }`,
			Variables: map[string]any{"id": one},
			Floor: `SELECT json_build_object('node', json_build_object('id', m.id, 'name', m.name,
				'chargesConnection', json_build_object('edges', COALESCE((SELECT json_agg(json_build_object('node', json_build_object(
					'id', c.id, 'kind', c.kind, 'period', c.period, 'amount', ` + money("c.amount") + `)) ORDER BY c.created_at DESC, c.id)
					FROM (SELECT id, kind, period, amount, created_at FROM charges WHERE member_id = m.id
						ORDER BY created_at DESC, id LIMIT 20) c), '[]'))))
				FROM members m WHERE m.id = $1`,
			Args: []any{one}},
		{Name: "W4", Description: "page 20 of 50 members, by cursor",
			Query: memberPageQuery, Variables: map[string]any{"after": after}, Floor: memberPageFloor, Args: []any{page20}},
		{Name: "D1", Description: "charges of a year by resource and quarter (dashboard)",
			Query: `query($year: Int) { chargesAggregate(where: {fiscalYear: $year}, groupBy: [RESOURCE, CREATED_AT_QUARTER]) {
				keys { resource { id name } createdAt { label } } sum { amount } count } }`,
			Variables: map[string]any{"year": year},
			Floor: `SELECT json_build_object('chargesAggregate', COALESCE(json_agg(json_build_object(
				'keys', json_build_object('resource', CASE WHEN r.id IS NULL THEN NULL ELSE json_build_object('id', r.id, 'name', r.name) END,
					'createdAt', json_build_object('label', t.quarter)),
				'sum', json_build_object('amount', ` + money("t.total") + `), 'count', t.n) ORDER BY t.resource_id NULLS LAST, t.quarter), '[]'))
				FROM (SELECT resource_id, ` + quarter + ` AS quarter, sum(amount) AS total, count(*) AS n
					FROM charges WHERE fiscal_year = $1 GROUP BY 1, 2) t
				LEFT JOIN resources r ON r.id = t.resource_id`,
			Args: []any{year}},
		{Name: "D2", Description: "members by category and status (dashboard)",
			Query: `{ membersAggregate(groupBy: [CATEGORY, STATUS]) { keys { category status } count } }`,
			Floor: `SELECT json_build_object('membersAggregate', COALESCE(json_agg(json_build_object(
				'keys', json_build_object('category', category, 'status', status), 'count', n) ORDER BY category, status), '[]'))
				FROM (SELECT category, status, count(*) AS n FROM members GROUP BY 1, 2) t`},
	}, nil
}
