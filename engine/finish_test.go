package engine

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// A node whose block already returned stays COMPLETED when a node
// downstream fails at once: here the calculator's input fails its schema
// while the input block is still inside the call that yielded to it.
// Repeated to catch any ordering of the two.
func TestFinishedNodesStayFinished(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	linked := e.graph(u, []nspec{
		{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x"}},
		{Key: "calc", Block: "CalculatorBlock", Defaults: map[string]any{"operation": "Add", "b": 1}},
	}, []lspec{{Source: "in", SourceName: "result", Sink: "calc", SinkName: "a"}})
	byDefault := e.graph(u, []nspec{
		{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x"}},
		{Key: "calc", Block: "CalculatorBlock", Defaults: map[string]any{"operation": "Add", "a": "abc"}},
	}, []lspec{{Source: "in", SourceName: "result", Sink: "calc", SinkName: "b"}})
	for i := range 24 {
		fg := linked
		if i%2 == 1 {
			fg = byDefault
		}
		w := e.watch(fg.ID)
		got := w.until(e.submit(u, fg, map[string]any{"x": "abc"}).ID, nil)
		require.Equal(t, model.StatusFailed, got.Status)
		require.Contains(t, *got.ErrorMessage, `"calc"`)
		runs := e.nodeRuns(fg, got.ID)
		require.Equal(t, model.StatusCompleted, runs["in"][0].Status, "run %d: the input block returned", i)
		require.Equal(t, model.StatusFailed, runs["calc"][0].Status)
		require.Equal(t, 1, got.Stats.CompletedNodes)
		require.Equal(t, 1, got.Stats.FailedNodes)
	}
}

// When a node's failure ends the run, a block already running is let
// finish: the run stays RUNNING until it returns, then its node is
// COMPLETED with its output stored, and the run ends FAILED. A cancel
// meanwhile interrupts it (CANCELLED); the run's end stays the failure.
func TestRunningBlocksFinishWhenANodeFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	for _, cancel := range []bool{false, true} {
		slowName, slow := newGate(t)
		fastName, fast := newGate(t)
		fg := e.graph(u, []nspec{
			{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x"}},
			{Key: "slow", Block: "TestGateBlock", Defaults: map[string]any{"gate": slowName}},
			{Key: "fast", Block: "TestGateBlock", Defaults: map[string]any{"gate": fastName}},
			{Key: "calc", Block: "CalculatorBlock", Defaults: map[string]any{"operation": "Add", "b": 1}},
		}, []lspec{
			{Source: "in", SourceName: "result", Sink: "slow", SinkName: "input"},
			{Source: "in", SourceName: "result", Sink: "fast", SinkName: "input"},
			{Source: "fast", SourceName: "output", Sink: "calc", SinkName: "a"},
		})
		w := e.watch(fg.ID)
		ex := e.submit(u, fg, map[string]any{"x": "abc"})
		slow.waitEntered(t)
		fast.waitEntered(t)
		close(fast.release) // fast yields "abc": calc fails, and nothing handles it
		calcID := ""
		for _, n := range fg.Nodes {
			if n.Key == "calc" {
				calcID = n.ID.String()
			}
		}
		w.until(ex.ID, func(ev events.Event) bool {
			return ev.Kind == events.KindNodeStatus && ev.NodeID == calcID && ev.Status == string(model.StatusFailed)
		})
		require.Equal(t, model.StatusRunning, e.exec(ex.ID).Status, "the run waits for the block still running")
		if cancel {
			got, err := e.eng.Cancel(context.Background(), u.ID, ex.ID)
			require.NoError(t, err)
			require.Equal(t, model.StatusFailed, got.Status, "the end decided first stands")
		} else {
			close(slow.release)
		}
		got := w.until(ex.ID, nil)
		require.Equal(t, model.StatusFailed, got.Status)
		require.Contains(t, *got.ErrorMessage, `"calc"`)
		runs := e.nodeRuns(fg, got.ID)
		require.Equal(t, model.StatusCompleted, runs["fast"][0].Status)
		require.Equal(t, model.StatusFailed, runs["calc"][0].Status)
		if cancel {
			require.Equal(t, model.StatusCancelled, runs["slow"][0].Status)
		} else {
			require.Equal(t, model.StatusCompleted, runs["slow"][0].Status)
			require.JSONEq(t, `{"output":["abc"]}`, string(runs["slow"][0].Outputs))
		}
	}
}
