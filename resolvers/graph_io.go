package resolvers

import (
	"context"
	"encoding/json"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
	"github.com/agentgraph/agentgraph/internal/graphs"
)

func (r *graphResolver) InputSchema(ctx context.Context, obj *gql.Graph) (gqlscalar.JSON, error) {
	in, _, err := r.ioSchemas(ctx, obj)
	return gqlscalar.JSON(in), err
}

func (r *graphResolver) OutputSchema(ctx context.Context, obj *gql.Graph) (gqlscalar.JSON, error) {
	_, out, err := r.ioSchemas(ctx, obj)
	return gqlscalar.JSON(out), err
}

// ioSchemas builds both schemas from the version's nodes, loaded through
// the same loader as Graph.nodes (no statement of its own).
func (r *graphResolver) ioSchemas(ctx context.Context, obj *gql.Graph) (in, out json.RawMessage, err error) {
	k, err := graphKey(obj)
	if err != nil {
		return nil, nil, err
	}
	nodes, err := r.loaders(ctx).nodesByGraph.Load(ctx, k)
	if err != nil {
		return nil, nil, err
	}
	in, out = graphs.IOSchemas(r.Registry, nodes)
	return in, out, nil
}
