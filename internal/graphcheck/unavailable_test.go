package graphcheck

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// A node on UnavailableBlock takes any pin and any default, and is one
// UNKNOWN_BLOCK problem naming the block it stands for; a node whose
// metadata names none says "a block".
func TestValidateUnavailableBlock(t *testing.T) {
	t.Parallel()
	spec := &model.GraphSpec{Name: "g", Nodes: []model.NodeSpec{
		{Key: "v", BlockID: "StoreValueBlock", InputDefault: map[string]any{"input": 1}},
		{Key: "mail", BlockID: blocks.UnavailableBlockID, InputDefault: map[string]any{"anything": true},
			Metadata: map[string]any{blocks.UnavailableMetaKey: map[string]any{"block_id": "12bf5a24-9b90-4f40-9090-4e86e6995e60", "name": "GmailReplyBlock"}}},
		{Key: "bare", BlockID: "UnavailableBlock"},
	}, Links: []model.LinkSpec{
		{SourceKey: "v", SourceName: "output", SinkKey: "mail", SinkName: "body"},
		{SourceKey: "mail", SourceName: "result", SinkKey: "bare", SinkName: "whatever_#_x"},
	}}
	problems := Validate(spec, blocks.Builtin())
	require.Len(t, problems, 2, "%+v", problems)
	for i, key := range []string{"mail", "bare"} {
		require.Equal(t, model.ProblemUnknownBlock, problems[i].Code)
		require.Equal(t, []string{key}, problems[i].NodeKeys)
	}
	require.Contains(t, problems[0].Message, "stands for AutoGPT's GmailReplyBlock")
	require.Contains(t, problems[1].Message, "stands for a block,")
	require.Equal(t, blocks.UnavailableBlockID, spec.Nodes[2].BlockID, "a name is stored as the id")

	err := blocks.UnavailableBlock().Run(t.Context(), &blocks.RunContext{}, map[string]any{}, nil)
	require.ErrorContains(t, err, "does not exist here")
	reg := blocks.Builtin()
	require.False(t, reg.HasInputPin("1ff065e9-88e8-4358-9d82-8dc91f622ba9", "anything"), "other blocks keep their pins")
}
