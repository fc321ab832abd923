package resolvers

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/authz"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
	"github.com/agentgraph/agentgraph/internal/graphcheck"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/model"
)

func graphKey(obj *gql.Graph) (model.GraphKey, error) {
	id, err := uuid.Parse(obj.GraphID)
	return model.GraphKey{ID: id, Version: obj.Version}, err
}

func (r *graphResolver) Owner(ctx context.Context, obj *gql.Graph) (*gql.User, error) {
	caller, err := me(ctx)
	if err != nil {
		return nil, err
	}
	id, _ := uuid.Parse(obj.OwnerID)
	// Other users' templates do not reveal who made them.
	if !authz.GraphOwner.Allows(caller, id) {
		return nil, nil
	}
	u, err := r.loaders(ctx).users.Load(ctx, id)
	if err != nil {
		return nil, nilIfNotFound(err)
	}
	return toUser(u), nil
}

func (r *graphResolver) Nodes(ctx context.Context, obj *gql.Graph) ([]*gql.Node, error) {
	ns, _, err := r.graphParts(ctx, obj, false)
	return ns, err
}

func (r *graphResolver) Links(ctx context.Context, obj *gql.Graph) ([]*gql.Link, error) {
	k, err := graphKey(obj)
	if err != nil {
		return nil, err
	}
	links, err := r.loaders(ctx).linksByGraph.Load(ctx, k)
	if err != nil {
		return nil, err
	}
	out := make([]*gql.Link, len(links))
	for i := range links {
		out[i] = toLink(&links[i])
	}
	return out, nil
}

// graphParts loads nodes (and links when needed) through the loaders.
func (r *graphResolver) graphParts(ctx context.Context, obj *gql.Graph, withLinks bool) ([]*gql.Node, []model.Link, error) {
	k, err := graphKey(obj)
	if err != nil {
		return nil, nil, err
	}
	l := r.loaders(ctx)
	nodesThunk := l.nodesByGraph.LoadThunk(ctx, k)
	var linksThunk func() ([]model.Link, error)
	if withLinks {
		linksThunk = l.linksByGraph.LoadThunk(ctx, k)
	}
	nodes, err := nodesThunk()
	if err != nil {
		return nil, nil, err
	}
	var links []model.Link
	if withLinks {
		if links, err = linksThunk(); err != nil {
			return nil, nil, err
		}
	}
	out := make([]*gql.Node, len(nodes))
	for i := range nodes {
		l.nodes.Prime(nodes[i].ID, nodes[i])
		out[i] = toNode(&nodes[i])
	}
	return out, links, nil
}

func (r *graphResolver) EntryNodes(ctx context.Context, obj *gql.Graph) ([]*gql.Node, error) {
	return r.endNodes(ctx, obj, func(l model.Link) uuid.UUID { return l.SinkID })
}

func (r *graphResolver) ExitNodes(ctx context.Context, obj *gql.Graph) ([]*gql.Node, error) {
	return r.endNodes(ctx, obj, func(l model.Link) uuid.UUID { return l.SourceID })
}

// endNodes keeps the nodes no link touches on the given end (the seed's
// get_entry_nodes / get_exit_nodes).
func (r *graphResolver) endNodes(ctx context.Context, obj *gql.Graph, end func(model.Link) uuid.UUID) ([]*gql.Node, error) {
	nodes, links, err := r.graphParts(ctx, obj, true)
	if err != nil {
		return nil, err
	}
	touched := make(map[string]bool, len(links))
	for _, l := range links {
		touched[end(l).String()] = true
	}
	out := []*gql.Node{}
	for _, n := range nodes {
		if !touched[n.ID] {
			out = append(out, n)
		}
	}
	return out, nil
}

func (r *graphResolver) Versions(ctx context.Context, obj *gql.Graph) ([]*gql.Graph, error) {
	caller, err := me(ctx)
	if err != nil {
		return nil, err
	}
	id, err := uuid.Parse(obj.GraphID)
	if err != nil {
		return nil, err
	}
	vs, err := r.loaders(ctx).versions.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	out := []*gql.Graph{}
	for _, g := range vs {
		if graphs.Readable(g, caller.ID) {
			out = append(out, toGraph(g))
		}
	}
	return out, nil
}

func (r *nodeResolver) Block(ctx context.Context, obj *gql.Node) (*gql.Block, error) {
	b, ok := r.Registry.ByID(obj.BlockID)
	if !ok {
		return nil, nil // a block removed from the code since the graph was stored
	}
	return toBlock(r.Registry, b), nil
}

func (r *nodeResolver) RequiredInputs(ctx context.Context, obj *gql.Node) ([]string, error) {
	gid, err := uuid.Parse(obj.GraphID)
	if err != nil {
		return nil, err
	}
	nid, err := uuid.Parse(obj.ID)
	if err != nil {
		return nil, err
	}
	idx, err := r.graphIndex(ctx, model.GraphKey{ID: gid, Version: obj.GraphVersion})
	if err != nil {
		return nil, err
	}
	defaults, _ := jsonObjectArg("inputDefault", obj.InputDefault)
	return graphcheck.RequiredInputs(r.Registry, obj.BlockID, defaults, idx.linked[nid]), nil
}

func (r *nodeResolver) OutputSchema(ctx context.Context, obj *gql.Node) (gqlscalar.JSON, error) {
	b, ok := r.Registry.ByID(obj.BlockID)
	if !ok {
		return gqlscalar.JSON("{}"), nil
	}
	return gqlscalar.JSON(b.Info().OutputSchema), nil
}

func (r *linkResolver) Source(ctx context.Context, obj *gql.Link) (*gql.Node, error) {
	return r.graphNode(ctx, obj.GraphID, obj.GraphVersion, obj.SourceID)
}

func (r *linkResolver) Sink(ctx context.Context, obj *gql.Link) (*gql.Node, error) {
	return r.graphNode(ctx, obj.GraphID, obj.GraphVersion, obj.SinkID)
}

// graphNode finds a node through its graph's node list: every lookup in one
// graph shares one cached load, so resolving a node per link or per node
// execution costs one statement in all, not one per batch window.
func (r *Resolver) graphNode(ctx context.Context, graphID string, version int, nodeID string) (*gql.Node, error) {
	gid, err := uuid.Parse(graphID)
	if err != nil {
		return nil, err
	}
	nid, err := uuid.Parse(nodeID)
	if err != nil {
		return nil, err
	}
	idx, err := r.graphIndex(ctx, model.GraphKey{ID: gid, Version: version})
	if err != nil {
		return nil, err
	}
	if n, ok := idx.nodes[nid]; ok {
		return toNode(n), nil
	}
	return nil, model.NotFound("node")
}

// nilIfNotFound turns a missing object into a null field.
func nilIfNotFound(err error) error {
	if errors.Is(err, model.ErrNotFound) || errors.Is(err, dataloadgen.ErrNotFound) {
		return nil
	}
	return err
}
