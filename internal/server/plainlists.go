package server

import (
	"context"
	"io"
	"strconv"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
)

// plainLists renders the long lists of a graph and its run (a graph's
// nodes, links, entry and exit nodes; a run's node executions and its
// graphShape's nodes and links) itself,
// when every field selected on their elements is a plain value of the
// element: gqlgen executes each field of each element on its own (a field
// context, a closure, a boxed value, a marshaler, and a goroutine per list
// element), which on the editor's request, about 18,000 fields, was most of
// the server's CPU. The output is what gqlgen writes, byte for byte: the
// fields gqlgen would collect, in its order, each value through the same
// marshaler (TestPlainListsAsGqlgen compares the two). A list whose
// selection holds anything else (a field with arguments or a resolver, a
// deferred fragment), or whose data has a null where the schema allows
// none, is left to gqlgen. A block shared by many nodes is rendered once
// per selection.
type plainLists struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
} = plainLists{}

func (plainLists) ExtensionName() string                   { return "PlainLists" }
func (plainLists) Validate(graphql.ExecutableSchema) error { return nil }

func (plainLists) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	var l *plainList
	switch fc.Object {
	case "Graph":
		switch fc.Field.Name {
		case "nodes":
			l = &nodeLists
		case "entryNodes":
			l = &entryNodeLists
		case "exitNodes":
			l = &exitNodeLists
		case "links":
			l = &linkLists
		}
	case "GraphExecution":
		if fc.Field.Name == "nodeExecutions" {
			l = &nodeExecutionLists
		}
	case "GraphShape":
		switch fc.Field.Name {
		case "nodes":
			l = &shapeNodeLists
		case "links":
			l = &shapeLinkLists
		}
	}
	res, err := next(ctx)
	if l == nil || err != nil || res == nil {
		return res, err
	}
	n := length(res)
	r := &render{ctx: ctx, oc: graphql.GetOperationContext(ctx), buf: make([]byte, 0, 2+int(l.perElement.Load())*n)}
	if !l.render(r, r.collect(fc.Field.Selections, l.element), res) {
		return res, nil // gqlgen renders it
	}
	if n > 0 {
		l.perElement.Store(int64(len(r.buf) / n))
	}
	return rendered(r.buf), nil
}

func length(list any) int {
	switch l := list.(type) {
	case []*gql.Node:
		return len(l)
	case []*gql.Link:
		return len(l)
	case []*gql.NodeExecution:
		return len(l)
	case []*gql.GraphShapeNode:
		return len(l)
	case []*gql.GraphShapeLink:
		return len(l)
	}
	return 0
}

// plainList is a list field rendered here.
type plainList struct {
	element string // the element type, for fragments' conditions
	render  func(*render, []graphql.CollectedField, any) bool
	// perElement is the last rendering's size per element, to allocate
	// the next one at once.
	perElement atomic.Int64
}

var (
	nodeLists          = plainList{element: "Node", render: nodeList}
	entryNodeLists     = plainList{element: "Node", render: nodeList}
	exitNodeLists      = plainList{element: "Node", render: nodeList}
	linkLists          = plainList{element: "Link", render: linkList}
	nodeExecutionLists = plainList{element: "NodeExecution", render: nodeExecutionList}
	shapeNodeLists     = plainList{element: "GraphShapeNode", render: shapeNodeList}
	shapeLinkLists     = plainList{element: "GraphShapeLink", render: shapeLinkList}
)

// rendered is a value written ahead.
type rendered []byte

func (b rendered) MarshalGQL(w io.Writer) { _, _ = w.Write(b) }

// render is one list's rendering.
type render struct {
	ctx       context.Context
	oc        *graphql.OperationContext
	buf       []byte
	collected map[selKey][]graphql.CollectedField
	blocks    map[blockKey][]byte
}

type selKey struct {
	first ast.Selection
	n     int
	typ   string
}

type blockKey struct {
	block *gql.Block
	first ast.Selection
}

func (r *render) Write(b []byte) (int, error) {
	r.buf = append(r.buf, b...)
	return len(b), nil
}

// WriteString spares the marshalers' io.WriteString a copy of s.
func (r *render) WriteString(s string) (int, error) {
	r.buf = append(r.buf, s...)
	return len(s), nil
}

// collect is graphql.CollectFields for an object of type typ, once per
// selection set (every element of a list has the same).
func (r *render) collect(sel ast.SelectionSet, typ string) []graphql.CollectedField {
	if len(sel) == 0 {
		return nil
	}
	k := selKey{sel[0], len(sel), typ}
	if f, ok := r.collected[k]; ok {
		return f
	}
	if r.collected == nil {
		r.collected = map[selKey][]graphql.CollectedField{}
	}
	f := graphql.CollectFields(r.oc, sel, []string{typ})
	r.collected[k] = f
	return f
}

// object writes {"alias":value,…} for the collected fields, each written
// by field (false: not a plain field, or a value gqlgen would refuse).
func (r *render) object(typ string, fields []graphql.CollectedField, field func(f graphql.CollectedField) bool) bool {
	r.buf = append(r.buf, '{')
	for i, f := range fields {
		if len(f.Deferrables) > 0 || len(f.Arguments) > 0 {
			return false
		}
		if i > 0 {
			r.buf = append(r.buf, ',')
		}
		r.str(f.Alias)
		r.buf = append(r.buf, ':')
		if f.Name == "__typename" {
			r.str(typ)
			continue
		}
		if !field(f) {
			return false
		}
	}
	r.buf = append(r.buf, '}')
	return true
}

// str writes a String (and an ID: gqlgen writes both alike).
func (r *render) str(s string) bool {
	r.buf = appendQuoted(r.buf, s)
	return true
}

func (r *render) id(s string) bool { return r.str(s) }

// appendQuoted appends s quoted as gqlgen's MarshalString writes it (its
// writeQuotedString: ", \ and control characters escaped, nothing else),
// without the closure and the writes through an interface that cost per
// string. TestAppendQuotedAsGqlgen keeps the two the same.
func appendQuoted(dst []byte, s string) []byte {
	const upperHex = "0123456789ABCDEF" // gqlgen's, where encoding/json's is lower case
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '\t':
			dst = append(dst, '\\', 't')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\\', '"':
			dst = append(dst, '\\', c)
		default:
			dst = append(dst, '\\', 'u', '0', '0', upperHex[c>>4], upperHex[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func (r *render) integer(i int) bool {
	gqlscalar.MarshalInt(i).MarshalGQL(r)
	return true
}

func (r *render) boolean(b bool) bool {
	r.buf = strconv.AppendBool(r.buf, b)
	return true
}

func (r *render) float(f float64) bool {
	return gqlscalar.MarshalFloatContext(f).MarshalGQLContext(r.ctx, r) == nil
}

// json writes a non-null JSON value (gqlgen refuses an empty one).
func (r *render) json(j gqlscalar.JSON) bool {
	if j == nil {
		return false
	}
	j.MarshalGQL(r)
	return true
}

func (r *render) strings(l []string) bool {
	return each(r, l, r.str)
}

// each writes items as a list, each item by one; false (an item one cannot
// write: a nil, a field it does not know) hands the whole list to gqlgen.
func each[T any](r *render, items []T, one func(T) bool) bool {
	r.buf = append(r.buf, '[')
	for i, it := range items {
		if i > 0 {
			r.buf = append(r.buf, ',')
		}
		if !one(it) {
			return false
		}
	}
	r.buf = append(r.buf, ']')
	return true
}

func nodeList(r *render, fields []graphql.CollectedField, v any) bool {
	nodes, ok := v.([]*gql.Node)
	if !ok {
		return false
	}
	return each(r, nodes, func(n *gql.Node) bool { return n != nil && r.node(fields, n) })
}

// shapeNodeList renders a graphShape's nodes as the node they show: a
// GraphShapeNode's fields are some of a Node's, and the schema keeps the
// others out of its selection.
func shapeNodeList(r *render, fields []graphql.CollectedField, v any) bool {
	nodes, ok := v.([]*gql.GraphShapeNode)
	if !ok {
		return false
	}
	return each(r, nodes, func(n *gql.GraphShapeNode) bool {
		return n != nil && r.nodeAs("GraphShapeNode", fields, &gql.Node{ID: n.ID, Key: n.Key, BlockID: n.BlockID,
			Block: n.Block, Label: n.Label, Position: n.Position})
	})
}

func (r *render) node(fields []graphql.CollectedField, n *gql.Node) bool {
	return r.nodeAs("Node", fields, n)
}

func (r *render) nodeAs(typ string, fields []graphql.CollectedField, n *gql.Node) bool {
	return r.object(typ, fields, func(f graphql.CollectedField) bool {
		switch f.Name {
		case "id":
			return r.id(n.ID)
		case "key":
			return r.str(n.Key)
		case "blockId":
			return r.id(n.BlockID)
		case "label":
			return r.str(n.Label)
		case "inputDefault":
			return r.json(n.InputDefault)
		case "metadata":
			return r.json(n.Metadata)
		case "requiredInputs":
			return r.strings(n.RequiredInputs)
		case "outputSchema":
			return r.json(n.OutputSchema)
		case "position":
			if n.Position == nil {
				return false
			}
			return r.object("Position", r.collect(f.Selections, "Position"), func(p graphql.CollectedField) bool {
				switch p.Name {
				case "x":
					return r.float(n.Position.X)
				case "y":
					return r.float(n.Position.Y)
				}
				return false
			})
		case "block":
			return r.block(f, n.Block)
		}
		return false
	})
}

// block writes a node's block, rendered once per block and selection.
func (r *render) block(f graphql.CollectedField, b *gql.Block) bool {
	if b == nil {
		r.buf = append(r.buf, "null"...)
		return true
	}
	if len(f.Selections) == 0 {
		return false
	}
	k := blockKey{b, f.Selections[0]}
	if out, ok := r.blocks[k]; ok {
		r.buf = append(r.buf, out...)
		return true
	}
	start := len(r.buf)
	ok := r.object("Block", r.collect(f.Selections, "Block"), func(f graphql.CollectedField) bool {
		switch f.Name {
		case "id":
			return r.id(b.ID)
		case "name":
			return r.str(b.Name)
		case "description":
			return r.str(b.Description)
		case "categories":
			return each(r, b.Categories, func(c gql.BlockCategory) bool {
				c.MarshalGQL(r)
				return true
			})
		case "blockType":
			b.BlockType.MarshalGQL(r)
			return true
		case "inputSchema":
			return r.json(b.InputSchema)
		case "outputSchema":
			return r.json(b.OutputSchema)
		case "credentialsProviderNames":
			return r.strings(b.CredentialsProviderNames)
		case "requiredInputs":
			return r.strings(b.RequiredInputs)
		case "costs":
			return r.costs(f, b.Costs)
		}
		return false
	})
	if !ok {
		return false
	}
	if r.blocks == nil {
		r.blocks = map[blockKey][]byte{}
	}
	r.blocks[k] = r.buf[start:len(r.buf):len(r.buf)]
	return true
}

func (r *render) costs(f graphql.CollectedField, costs []*gql.BlockCost) bool {
	fields := r.collect(f.Selections, "BlockCost")
	return each(r, costs, func(c *gql.BlockCost) bool {
		return c != nil && r.object("BlockCost", fields, func(f graphql.CollectedField) bool {
			switch f.Name {
			case "costType":
				c.CostType.MarshalGQL(r)
				return true
			case "costAmount":
				return r.integer(c.CostAmount)
			case "costCurrency":
				return r.str(c.CostCurrency)
			case "costFilter":
				return r.json(c.CostFilter)
			case "description":
				return r.str(c.Description)
			}
			return false
		})
	})
}

func linkList(r *render, fields []graphql.CollectedField, v any) bool {
	links, ok := v.([]*gql.Link)
	if !ok {
		return false
	}
	return each(r, links, func(l *gql.Link) bool { return l != nil && r.link("Link", fields, l) })
}

// shapeLinkList renders a graphShape's links as shapeNodeList its nodes.
func shapeLinkList(r *render, fields []graphql.CollectedField, v any) bool {
	links, ok := v.([]*gql.GraphShapeLink)
	if !ok {
		return false
	}
	return each(r, links, func(l *gql.GraphShapeLink) bool {
		return l != nil && r.link("GraphShapeLink", fields, &gql.Link{ID: l.ID, SourceID: l.SourceID, SinkID: l.SinkID,
			SourceName: l.SourceName, SinkName: l.SinkName, IsStatic: l.IsStatic})
	})
}

func (r *render) link(typ string, fields []graphql.CollectedField, l *gql.Link) bool {
	return r.object(typ, fields, func(f graphql.CollectedField) bool {
		switch f.Name {
		case "id":
			return r.id(l.ID)
		case "sourceId":
			return r.id(l.SourceID)
		case "sinkId":
			return r.id(l.SinkID)
		case "sourceName":
			return r.str(l.SourceName)
		case "sinkName":
			return r.str(l.SinkName)
		case "isStatic":
			return r.boolean(l.IsStatic)
		case "source":
			return l.Source != nil && r.node(r.collect(f.Selections, "Node"), l.Source)
		case "sink":
			return l.Sink != nil && r.node(r.collect(f.Selections, "Node"), l.Sink)
		}
		return false
	})
}

func nodeExecutionList(r *render, fields []graphql.CollectedField, v any) bool {
	list, ok := v.([]*gql.NodeExecution)
	if !ok {
		return false
	}
	return each(r, list, func(ne *gql.NodeExecution) bool {
		return ne != nil && r.object("NodeExecution", fields, func(f graphql.CollectedField) bool {
			switch f.Name {
			case "id":
				return r.id(ne.ID)
			case "graphExecutionId":
				return r.id(ne.GraphExecutionID)
			case "nodeId":
				return r.id(ne.NodeID)
			case "status":
				ne.Status.MarshalGQL(r)
				return true
			case "node":
				if ne.Node == nil {
					r.buf = append(r.buf, "null"...)
					return true
				}
				return r.node(r.collect(f.Selections, "Node"), ne.Node)
			}
			return false
		})
	})
}
