package resolvers

import (
	"context"
	"sync"

	"github.com/google/uuid"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// nodePageKey asks for one page of executions of every node of a graph
// version. A node is always reached through its graph version (its node
// list, a link's end, a node execution's node), and its siblings are asked
// with the same arguments: loading the page of all of them at once costs
// one statement per graph version and page, whatever the number of nodes
// and however the resolvers are scheduled (a per-node batch would split
// when they do not all ask within one batch window).
type nodePageKey struct {
	graph model.GraphKey
	user  uuid.UUID
	after db.Cursor // zero: the first page
	limit int       // rows to fetch per node: the page size plus one
}

// nodePages caches the pages of a request.
type nodePages struct {
	mu sync.Mutex
	m  map[nodePageKey]*nodePageEntry
}

type nodePageEntry struct {
	once  sync.Once
	pages map[uuid.UUID][]model.NodeExecution
	err   error
}

func (r *Resolver) nodePage(ctx context.Context, k nodePageKey, node uuid.UUID) ([]model.NodeExecution, error) {
	l := r.loaders(ctx)
	l.nodePages.mu.Lock()
	if l.nodePages.m == nil {
		l.nodePages.m = map[nodePageKey]*nodePageEntry{}
	}
	e, ok := l.nodePages.m[k]
	if !ok {
		e = &nodePageEntry{}
		l.nodePages.m[k] = e
	}
	l.nodePages.mu.Unlock()
	e.once.Do(func() {
		// The graph's node list is usually loaded already (the nodes came
		// from it), so this costs no statement of its own.
		nodes, err := l.nodesByGraph.Load(ctx, k.graph)
		if err != nil {
			e.err = err
			return
		}
		ids := make([]uuid.UUID, len(nodes))
		for i := range nodes {
			ids[i] = nodes[i].ID
		}
		var after *db.Cursor
		if k.after != (db.Cursor{}) {
			after = &k.after
		}
		e.pages, e.err = r.Store.NodeExecutionPages(ctx, k.user, ids, after, k.limit)
	})
	return e.pages[node], e.err
}

// Executions of a node: the caller's own runs only, newest first.
func (r *nodeResolver) Executions(ctx context.Context, obj *gql.Node, first *int, after *string) (*gql.NodeExecutionConnection, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	n, cur, err := pageArgs(first, after)
	if err != nil {
		return nil, err
	}
	nodeID, err := uuid.Parse(obj.ID)
	if err != nil {
		return nil, err
	}
	graphID, err := uuid.Parse(obj.GraphID)
	if err != nil {
		return nil, err
	}
	key := nodePageKey{graph: model.GraphKey{ID: graphID, Version: obj.GraphVersion}, user: u.ID, limit: n + 1}
	if cur != nil {
		key.after = *cur
	}
	nes, err := r.nodePage(ctx, key, nodeID)
	if err != nil {
		return nil, err
	}
	cursor := func(ne model.NodeExecution) db.Cursor { return db.Cursor{Time: ne.CreatedAt, ID: ne.ID} }
	page, info := paginate(nes, n, after != nil, cursor)
	conn := &gql.NodeExecutionConnection{PageInfo: info, Edges: make([]*gql.NodeExecutionEdge, len(page))}
	for i := range page {
		ne := toNodeExecution(&page[i])
		// Node executions of one node belong to its graph version.
		ne.GraphID, ne.GraphVersion, ne.Node = obj.GraphID, obj.GraphVersion, obj
		conn.Edges[i] = &gql.NodeExecutionEdge{Cursor: cursor(page[i]).Encode(), Node: ne}
	}
	return conn, nil
}
