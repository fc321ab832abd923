package resolvers

import (
	"context"
	"slices"

	"github.com/agentgraph/agentgraph/blocks"
	gql "github.com/agentgraph/agentgraph/graph/model"
)

// Blocks are public metadata: no authentication needed to browse them.
func (r *queryResolver) Blocks(ctx context.Context, category *gql.BlockCategory, typeArg *gql.BlockType) ([]*gql.Block, error) {
	out := []*gql.Block{}
	for _, b := range r.Registry.All() {
		info := b.Info()
		if category != nil && !slices.Contains(info.Categories, blocks.Category(*category)) {
			continue
		}
		if typeArg != nil && info.Type != blocks.Type(*typeArg) {
			continue
		}
		out = append(out, r.blockWithCosts(b))
	}
	return out, nil
}

func (r *queryResolver) Block(ctx context.Context, id string) (*gql.Block, error) {
	bid, err := parseID("id", id)
	if err != nil {
		return nil, err
	}
	b, ok := r.Registry.ByID(bid.String())
	if !ok {
		return nil, nil
	}
	return r.blockWithCosts(b), nil
}
