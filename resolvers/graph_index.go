package resolvers

import (
	"context"
	"sync"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// graphIndex answers per-node questions about one graph version in O(1):
// without it, resolving each link's ends or each node's linked pins would
// scan the whole graph once per node.
type graphIndex struct {
	nodes  map[uuid.UUID]*model.Node
	linked map[uuid.UUID][]string // sink node → base names of its linked pins
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
		idx := &graphIndex{nodes: make(map[uuid.UUID]*model.Node, len(nodes)), linked: map[uuid.UUID][]string{}}
		for i := range nodes {
			idx.nodes[nodes[i].ID] = &nodes[i]
		}
		for _, ln := range links {
			idx.linked[ln.SinkID] = append(idx.linked[ln.SinkID], blocks.BasePin(ln.SinkName))
		}
		e.idx = idx
	})
	return e.idx, e.err
}
