package resolvers

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/authz"
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
	idx, err := r.objGraphIndex(ctx, obj)
	if err != nil {
		return nil, err
	}
	return idx.nodes, nil
}

func (r *graphResolver) Links(ctx context.Context, obj *gql.Graph) ([]*gql.Link, error) {
	idx, err := r.objGraphIndex(ctx, obj)
	if err != nil {
		return nil, err
	}
	return idx.links, nil
}

// objGraphIndex is the index of the graph version obj.
func (r *graphResolver) objGraphIndex(ctx context.Context, obj *gql.Graph) (*graphIndex, error) {
	k, err := graphKey(obj)
	if err != nil {
		return nil, err
	}
	return r.graphIndex(ctx, k)
}

func (r *graphResolver) EntryNodes(ctx context.Context, obj *gql.Graph) ([]*gql.Node, error) {
	return r.endNodes(ctx, obj, func(l *gql.Link) string { return l.SinkID })
}

func (r *graphResolver) ExitNodes(ctx context.Context, obj *gql.Graph) ([]*gql.Node, error) {
	return r.endNodes(ctx, obj, func(l *gql.Link) string { return l.SourceID })
}

// endNodes keeps the nodes no link touches on the given end (the seed's
// get_entry_nodes / get_exit_nodes).
func (r *graphResolver) endNodes(ctx context.Context, obj *gql.Graph, end func(*gql.Link) string) ([]*gql.Node, error) {
	idx, err := r.objGraphIndex(ctx, obj)
	if err != nil {
		return nil, err
	}
	touched := make(map[string]bool, len(idx.links))
	for _, l := range idx.links {
		touched[end(l)] = true
	}
	out := []*gql.Node{}
	for _, n := range idx.nodes {
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

// graphNode finds a node of a graph version through the version's index:
// every lookup in one graph shares one read, so resolving a node per node
// execution costs one statement in all, not one per batch window.
func (r *Resolver) graphNode(ctx context.Context, graphID string, version int, nodeID string) (*gql.Node, error) {
	gid, err := uuid.Parse(graphID)
	if err != nil {
		return nil, err
	}
	idx, err := r.graphIndex(ctx, model.GraphKey{ID: gid, Version: version})
	if err != nil {
		return nil, err
	}
	if n, ok := idx.byID[nodeID]; ok {
		return n, nil
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
