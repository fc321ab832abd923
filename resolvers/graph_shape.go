package resolvers

import (
	"context"
	"sync"

	"github.com/google/uuid"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/model"
)

// GraphShape is what every reader of a run may see of the graph version
// that ran: its nodes and links, to draw the whole run, but none of the
// nodes' input defaults or metadata — what the owner typed into the graph
// (keys, prompts, URLs) is not shared with a run. Whoever reached the run
// (its owner, a share-token holder) reads it: no further check. It comes
// from the request's graph index (two statements, whatever the graph's
// size), shared with every other field of the request that shows the
// version.
func (r *graphExecutionResolver) GraphShape(ctx context.Context, obj *gql.GraphExecution) (*gql.GraphShape, error) {
	idx, err := r.runIndex(ctx, obj)
	if err != nil {
		return nil, err
	}
	nodes, links := idx.shape()
	return &gql.GraphShape{Nodes: nodes, Links: links, GraphID: obj.GraphID, GraphVersion: obj.GraphVersion}, nil
}

// runIndex is the request's index of the graph version a run ran.
func (r *Resolver) runIndex(ctx context.Context, run *gql.GraphExecution) (*graphIndex, error) {
	gid, err := uuid.Parse(run.GraphID)
	if err != nil {
		return nil, err
	}
	return r.graphIndex(ctx, model.GraphKey{ID: gid, Version: run.GraphVersion})
}

// Name is the version's name, read only when asked for (one statement for
// every version the request names: the versions loader).
func (r *graphShapeResolver) Name(ctx context.Context, obj *gql.GraphShape) (string, error) {
	gid, err := uuid.Parse(obj.GraphID)
	if err != nil {
		return "", err
	}
	vs, err := r.loaders(ctx).versions.Load(ctx, gid)
	if err != nil {
		return "", err
	}
	for _, g := range vs {
		if g.Version == obj.GraphVersion {
			return g.Name, nil
		}
	}
	return "", model.NotFound("graph") // deleted, with its runs, since the run was read
}

// shapeParts are an index's nodes and links as a GraphShape shows them,
// mapped once per request from the index's own values.
type shapeParts struct {
	once  sync.Once
	nodes []*gql.GraphShapeNode
	links []*gql.GraphShapeLink
}

func (idx *graphIndex) shape() ([]*gql.GraphShapeNode, []*gql.GraphShapeLink) {
	s := &idx.shapeOf
	s.once.Do(func() {
		s.nodes = make([]*gql.GraphShapeNode, len(idx.nodes))
		for i, n := range idx.nodes {
			s.nodes[i] = &gql.GraphShapeNode{ID: n.ID, Key: n.Key, BlockID: n.BlockID, Block: n.Block, Label: n.Label, Position: n.Position}
		}
		s.links = make([]*gql.GraphShapeLink, len(idx.links))
		for i, l := range idx.links {
			s.links[i] = &gql.GraphShapeLink{ID: l.ID, SourceID: l.SourceID, SinkID: l.SinkID,
				SourceName: l.SourceName, SinkName: l.SinkName, IsStatic: l.IsStatic}
		}
	})
	return s.nodes, s.links
}
