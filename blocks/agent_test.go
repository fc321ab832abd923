package blocks

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeRunner plays a child graph: it records the call and yields outputs.
type fakeRunner struct {
	graphID string
	version int
	inputs  map[string]any
	outputs []output
	err     error
}

func (f *fakeRunner) RunAgent(ctx context.Context, graphID string, version int, inputs map[string]any, emit Emit) error {
	f.graphID, f.version, f.inputs = graphID, version, inputs
	for _, o := range f.outputs {
		if err := emit(o.Pin, o.Value); err != nil {
			return err
		}
	}
	if f.err != nil {
		return f.err
	}
	return ctx.Err()
}

func TestAgentExecutorBlock(t *testing.T) {
	t.Parallel()
	runner := &fakeRunner{outputs: outs("summary", "short", "score", 3.0, "summary", "again")}
	rc := &RunContext{Agents: runner}
	got, err := runCtx(t, t.Context(), rc, "AgentExecutorBlock", map[string]any{
		"graph_id": "g-1", "graph_version": 2.0, "inputs": map[string]any{"topic": "cats"}, "inputs_#_lang": "en",
	})
	require.NoError(t, err)
	require.Equal(t, outs("summary", "short", "score", 3.0, "summary", "again"), got, "child outputs in order, on pins named after them")
	require.Equal(t, "g-1", runner.graphID)
	require.Equal(t, 2, runner.version)
	require.Equal(t, map[string]any{"topic": "cats", "lang": "en"}, runner.inputs)
}

func TestAgentExecutorBlockDefaults(t *testing.T) {
	t.Parallel()
	runner := &fakeRunner{}
	got, err := runCtx(t, t.Context(), &RunContext{Agents: runner}, "AgentExecutorBlock", map[string]any{"graph_id": "g"})
	require.NoError(t, err)
	require.Empty(t, got)
	require.Equal(t, 0, runner.version, "0 = the active version")
	require.Equal(t, map[string]any{}, runner.inputs)
}

func TestAgentExecutorBlockErrors(t *testing.T) {
	t.Parallel()
	_, err := run(t, "AgentExecutorBlock", map[string]any{"graph_id": "g"})
	require.ErrorContains(t, err, "no agent runner")

	runner := &fakeRunner{outputs: outs("partial", 1), err: errors.New("child FAILED: node x")}
	got, err := runCtx(t, t.Context(), &RunContext{Agents: runner}, "AgentExecutorBlock", map[string]any{"graph_id": "g"})
	require.ErrorContains(t, err, "agent g: child FAILED: node x")
	require.Equal(t, outs("partial", 1.0), got, "outputs yielded before the failure stand")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = runCtx(t, ctx, &RunContext{Agents: &fakeRunner{}}, "AgentExecutorBlock", map[string]any{"graph_id": "g"})
	require.ErrorIs(t, err, context.Canceled)
}
