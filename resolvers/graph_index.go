package resolvers

import (
	"context"
	"sync"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
	"github.com/agentgraph/agentgraph/internal/graphcheck"
	"github.com/agentgraph/agentgraph/internal/model"
)

// graphIndex is one graph version as the API shows it, made once per
// request from one read of its nodes and its links: every node and link mapped
// once, with everything their fields show filled in (a node's block,
// output schema and required inputs; a link's ends), and the nodes by id.
// The graph's node list, its links' ends and its node executions' nodes
// all hand out these same values: a request that shows a node many times
// maps it once, and no node is looked for by scanning the graph.
type graphIndex struct {
	nodes []*gql.Node
	links []*gql.Link
	byID  map[string]*gql.Node
	// linked are the base input pins fed by a link, by sink node: a
	// share-token reader's required inputs are made from them alone
	// (shared_view.go).
	linked map[uuid.UUID][]string
	// shapeOf is the version as GraphExecution.graphShape shows it, made
	// when first asked for (graph_shape.go).
	shapeOf shapeParts
}

// indexes caches one graphIndex per graph version for a request.
type indexes struct {
	mu sync.Mutex
	m  map[model.GraphKey]*indexEntry
}

type indexEntry struct {
	once sync.Once
	idx  *graphIndex
	err  error
}

func (r *Resolver) graphIndex(ctx context.Context, k model.GraphKey) (*graphIndex, error) {
	l := r.loaders(ctx)
	l.indexes.mu.Lock()
	if l.indexes.m == nil {
		l.indexes.m = map[model.GraphKey]*indexEntry{}
	}
	e, ok := l.indexes.m[k]
	if !ok {
		e = &indexEntry{}
		l.indexes.m[k] = e
	}
	l.indexes.mu.Unlock()
	e.once.Do(func() {
		// Two statements sent together, each cheap for Postgres: one that
		// returned the links with their sink nodes (as arrays) cost it far
		// more than both.
		nodesThunk, linksThunk := l.nodesByGraph.LoadThunk(ctx, k), l.linksByGraph.LoadThunk(ctx, k)
		nodes, err := nodesThunk()
		if err != nil {
			e.err = err
			return
		}
		links, err := linksThunk()
		if err != nil {
			e.err = err
			return
		}
		e.idx = r.newGraphIndex(k, nodes, links)
	})
	return e.idx, e.err
}

func (r *Resolver) newGraphIndex(k model.GraphKey, nodes []model.Node, links []model.Link) *graphIndex {
	linked := make(map[uuid.UUID][]string, len(nodes))
	for _, ln := range links {
		linked[ln.SinkID] = append(linked[ln.SinkID], blocks.BasePin(ln.SinkName))
	}
	graphID := k.ID.String()
	idx := &graphIndex{nodes: make([]*gql.Node, len(nodes)), links: make([]*gql.Link, len(links)),
		byID: make(map[string]*gql.Node, len(nodes)), linked: linked}
	byUUID := make(map[uuid.UUID]*gql.Node, len(nodes))
	for i := range nodes {
		n := &nodes[i]
		out := r.toNode(n, graphID)
		out.RequiredInputs = graphcheck.RequiredInputs(r.Registry, out.BlockID, n.InputDefault, linked[n.ID])
		idx.nodes[i], idx.byID[out.ID], byUUID[n.ID] = out, out, out
	}
	for i := range links {
		ln := &links[i]
		src, sink := byUUID[ln.SourceID], byUUID[ln.SinkID]
		idx.links[i] = &gql.Link{ID: ln.ID.String(), SourceID: src.ID, SinkID: sink.ID, Source: src, Sink: sink,
			SourceName: ln.SourceName, SinkName: ln.SinkName, IsStatic: ln.IsStatic, GraphID: graphID, GraphVersion: k.Version}
	}
	return idx
}

// toNode maps a node with its block and output schema (the block's, shared
// by all its nodes) but not its required inputs, which depend on the links
// into it. graphID is n.GraphID as a string, made once per graph.
func (r *Resolver) toNode(n *model.Node, graphID string) *gql.Node {
	v := r.blockView(n.BlockID.String())
	return &gql.Node{
		ID: n.ID.String(), Key: n.Key, BlockID: v.id, Block: v.block, OutputSchema: v.outputSchema, Label: n.Label,
		InputDefault: gqlscalar.JSON(n.InputDefault), Metadata: gqlscalar.JSON(n.Metadata),
		Position: &gql.Position{X: n.X, Y: n.Y}, GraphID: graphID, GraphVersion: n.GraphVersion,
	}
}
