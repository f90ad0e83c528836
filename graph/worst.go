package graph

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"communs/graph/generated"
)

// WorstQuery searches the schema for the query the default limits let
// through that would load the most rows: a root connection, then a chain
// of lists and connections (the rows of each level multiply), every scalar
// field of every level selected, as deep as the depth limit and as wide as
// the complexity limit allow. It returns the query, the rows it would load
// before the row budget stops it, and its complexity. The benchmark runs
// it: what one request can cost, whatever its shape. allowed tells which
// root fields the reader may run.
func WorstQuery(allowed func(rootField string) bool) (query string, rows, complexity int) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	s := worstSearch{schema: schema, bounds: listBounds(schema)}
	var best chain
	for _, root := range schema.Query.Fields {
		if t := connectionNode(schema, root); t != nil && allowed(root.Name) && root.Arguments.ForName("first") != nil {
			s.extend(chain{{field: root, node: t, connection: true}}, &best)
		}
	}
	return best.query(schema), best.rows(), best.complexity(schema)
}

type worstSearch struct {
	schema *ast.Schema
	bounds map[*ast.FieldDefinition]int
}

// link is a level of a chain: a list or connection field, the type of its
// rows, and how many rows it may hold per parent.
type link struct {
	field      *ast.FieldDefinition
	node       *ast.Definition
	connection bool
	per        int
}

type chain []link

// extend tries every list and connection below the last level of c.
func (s worstSearch) extend(c chain, best *chain) {
	c = s.fitted(c)
	if c == nil {
		return
	}
	if c.rows() > best.rows() || (c.rows() == best.rows() && c.complexity(s.schema) > best.complexity(s.schema)) {
		*best = slices.Clone(c)
	}
	last := c[len(c)-1].node
	for _, f := range last.Fields {
		next := link{field: f, node: connectionNode(s.schema, f), connection: true}
		if bound, ok := s.bounds[f]; ok {
			next = link{field: f, node: s.schema.Types[f.Type.Name()], per: bound}
		} else if next.node == nil || f.Arguments.ForName("first") == nil {
			continue
		}
		if slices.ContainsFunc(c, func(l link) bool { return l.field == f }) {
			continue // the same list twice would only repeat rows
		}
		s.extend(append(slices.Clone(c), next), best)
	}
}

// fitted gives each connection of c the largest page that keeps c within
// the depth and complexity limits, deepest first; nil if none does.
func (s worstSearch) fitted(c chain) chain {
	if c.depth() > DefaultMaxDepth {
		return nil
	}
	for i := range c {
		if c[i].connection {
			c[i].per = maxPageSize
		}
	}
	for i := len(c) - 1; i >= 0; i-- {
		for c[i].connection && c[i].per > 1 && c.complexity(s.schema) > DefaultComplexityLimit {
			c[i].per--
		}
	}
	if c.complexity(s.schema) > DefaultComplexityLimit {
		return nil
	}
	return c
}

// rows is what the chain would load: each level's rows times its parent's.
func (c chain) rows() int {
	total, product := 0, 1
	for _, l := range c {
		product *= l.per
		total += product
	}
	return total
}

// depth counts a connection as three levels (connection, edges, node) and
// the scalars of the last level as one.
func (c chain) depth() int {
	d := 1
	for _, l := range c {
		d++
		if l.connection {
			d += 2
		}
	}
	return d
}

// complexity is what the limit counts (setComplexity, boundComplexity):
// 1 per field, the children of a connection or list once per row.
func (c chain) complexity(schema *ast.Schema) int {
	cost := 0
	for i := len(c) - 1; i >= 0; i-- {
		child := len(scalars(schema, c[i].node)) + cost
		if c[i].connection {
			child = 1 + (1 + child) // edges, node
		}
		cost = 1 + c[i].per*child
	}
	return cost
}

// query writes the chain as a GraphQL document.
func (c chain) query(schema *ast.Schema) string {
	if len(c) == 0 {
		return ""
	}
	var open, close strings.Builder
	for _, l := range c {
		fields := strings.Join(scalars(schema, l.node), " ")
		if l.connection {
			fmt.Fprintf(&open, " %s(first: %d) { edges { node { %s", l.field.Name, l.per, fields)
			close.WriteString(" } } }")
		} else {
			fmt.Fprintf(&open, " %s { %s", l.field.Name, fields)
			close.WriteString(" }")
		}
	}
	return "{" + open.String() + close.String() + " }"
}

// scalars are the fields of t read from its row: scalars and enums without
// arguments.
func scalars(schema *ast.Schema, t *ast.Definition) []string {
	var names []string
	for _, f := range t.Fields {
		kind := schema.Types[f.Type.Name()].Kind
		if len(f.Arguments) == 0 && (kind == ast.Scalar || kind == ast.Enum) && !strings.HasPrefix(f.Name, "__") {
			names = append(names, f.Name)
		}
	}
	return names
}

// connectionNode is the type of the nodes of a connection field, or nil.
func connectionNode(schema *ast.Schema, f *ast.FieldDefinition) *ast.Definition {
	name, ok := strings.CutSuffix(f.Type.Name(), "Connection")
	if !ok {
		return nil
	}
	return schema.Types[name]
}
