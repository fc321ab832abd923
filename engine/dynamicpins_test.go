package engine

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// A link from a dynamic pin of an output (`output_#_status`, AutoGPT's
// parse_execution_output) carries that part of each value yielded on the
// base pin; a part the value lacks carries nothing, so its sink never runs.
func TestLinksFromAPartOfAnOutput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	value := map[string]any{"status": "sent", "ids": []any{"a", "b"}}
	fg := e.graph(u, []nspec{
		{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x"}},
		{Key: "src", Block: "StoreValueBlock", Defaults: map[string]any{"data": value}},
		{Key: "status", Block: "StoreValueBlock"},
		{Key: "second", Block: "StoreValueBlock"},
		{Key: "missing", Block: "StoreValueBlock"},
	}, []lspec{
		{Source: "in", SourceName: "result", Sink: "src", SinkName: "input"},
		{Source: "src", SourceName: "output_#_status", Sink: "status", SinkName: "input"},
		{Source: "src", SourceName: "output_#_ids_$_1", Sink: "second", SinkName: "input"},
		{Source: "src", SourceName: "output_#_nothing", Sink: "missing", SinkName: "input"},
	})
	w := e.watch(fg.ID)
	got := w.until(e.submit(u, fg, map[string]any{"x": 1}).ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status, "%v", got.ErrorMessage)
	runs := e.nodeRuns(fg, got.ID)
	out := func(key string) any {
		require.Len(t, runs[key], 1, key)
		var o map[string][]any
		require.NoError(t, json.Unmarshal(runs[key][0].Outputs, &o))
		return o["output"][0]
	}
	require.Equal(t, "sent", out("status"))
	require.Equal(t, "b", out("second"))
	require.Empty(t, runs["missing"], "no such part: nothing reaches it")
}
