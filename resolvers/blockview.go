package resolvers

import (
	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
)

// blockView is what a node shows of its block. The registry does not
// change while the process runs, so each block is mapped once and shared by
// every node of every graph that uses it: a graph of 500 nodes of a few
// blocks no longer maps its blocks 500 times per request.
type blockView struct {
	id           string
	block        *gql.Block // nil: this server no longer has the block
	outputSchema gqlscalar.JSON
}

// blockView returns the view of block id (a UUID in its canonical form).
func (r *Resolver) blockView(id string) *blockView {
	if v, ok := r.blockViews.Load(id); ok {
		return v.(*blockView)
	}
	v := &blockView{id: id, outputSchema: gqlscalar.JSON("{}")}
	if b, ok := r.Registry.ByID(id); ok {
		v.block = toBlock(r.Registry, b)
		v.outputSchema = v.block.OutputSchema
	}
	actual, _ := r.blockViews.LoadOrStore(id, v)
	return actual.(*blockView)
}
