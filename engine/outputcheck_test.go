package engine

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

type yieldIn struct {
	Input any    `json:"input,omitempty" jsonschema_description:"Any value."`
	Mode  string `json:"mode" jsonschema_description:"What to yield."`
}

type yieldOut struct {
	Output any    `json:"output" jsonschema_description:"Any value."`
	Count  int    `json:"count" jsonschema_description:"A whole number."`
	Words  []any  `json:"words" jsonschema_description:"A list."`
	Label  string `json:"label" jsonschema_description:"A text."`
}

// yieldBlock yields what its mode says, ignoring a refusal as a careless
// block would: the engine must fail the node anyway.
func yieldBlock() blocks.Block {
	return blocks.Define[yieldIn, yieldOut](blocks.Info{ID: "6d2e9a41-7b3c-4f58-8e1a-2c9d0f4b7e15", Name: "TestYieldBlock",
		Categories: []blocks.Category{blocks.CategoryUtility}, Type: blocks.TypeStandard},
		func(_ context.Context, _ *blocks.RunContext, in yieldIn, emit blocks.Emit) error {
			switch in.Mode {
			case "undeclared":
				_ = emit("bogus", 1)
			case "wrong type":
				_ = emit("count", "three")
			case "fraction":
				_ = emit("count", 2.5)
			case "valid":
				// Every legitimate kind of pin: declared ones with values
				// of their type, a dynamic pin of a declared one, the error pin.
				for pin, v := range map[string]any{"count": 3.0, "label": "x", "words": []string{"a"}, "words_$_0": "a",
					"error": "reported, not raised"} {
					if err := emit(pin, v); err != nil {
						return err
					}
				}
			}
			return emit("output", in.Input)
		})
}

// A block that yields on a pin it does not declare, or a value of the wrong
// type, fails its node with a message naming the node, the pin and the
// problem; the bad value is neither stored nor routed.
func TestOutputsAreCheckedAgainstTheSchema(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	for mode, message := range map[string]string{
		"undeclared": `TestYieldBlock yielded on "bogus", an output pin it does not declare`,
		"wrong type": `TestYieldBlock yielded a string on "count", which expects an integer`,
		"fraction":   `TestYieldBlock yielded a number on "count", which expects an integer`,
	} {
		fg := e.graph(u, []nspec{
			{Key: "src", Block: "StoreValueBlock", Defaults: map[string]any{"input": 1}},
			{Key: "bad", Block: "TestYieldBlock", Defaults: map[string]any{"mode": mode}},
			{Key: "after", Block: "StoreValueBlock"},
		}, []lspec{
			{Source: "src", SourceName: "output", Sink: "bad", SinkName: "input"},
			{Source: "bad", SourceName: "output", Sink: "after", SinkName: "input"},
		})
		w := e.watch(fg.ID)
		got := w.until(e.submit(u, fg, nil).ID, nil)
		require.Equal(t, model.StatusFailed, got.Status, mode)
		require.NotNil(t, got.ErrorMessage, mode)
		require.Contains(t, *got.ErrorMessage, `node "bad" (TestYieldBlock) failed`, mode)
		require.Contains(t, *got.ErrorMessage, message, mode)
		runs := e.nodeRuns(fg, got.ID)
		require.Len(t, runs["bad"], 1, mode)
		bad := runs["bad"][0]
		require.Equal(t, model.StatusFailed, bad.Status, mode)
		require.Contains(t, *bad.ErrorMessage, message, mode)
		var outs map[string][]json.RawMessage
		require.NoError(t, json.Unmarshal(bad.Outputs, &outs), mode)
		require.NotContains(t, outs, "bogus", mode)
		require.NotContains(t, outs, "count", mode)
		require.Empty(t, runs["after"], "%s: a failed node's later outputs are not routed", mode)
	}

	// Legitimate yields pass: the node completes and routes its output.
	fg := e.graph(u, []nspec{
		{Key: "src", Block: "StoreValueBlock", Defaults: map[string]any{"input": 1}},
		{Key: "ok", Block: "TestYieldBlock", Defaults: map[string]any{"mode": "valid"}},
		{Key: "after", Block: "StoreValueBlock"},
	}, []lspec{
		{Source: "src", SourceName: "output", Sink: "ok", SinkName: "input"},
		{Source: "ok", SourceName: "output", Sink: "after", SinkName: "input"},
	})
	w := e.watch(fg.ID)
	got := w.until(e.submit(u, fg, nil).ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status, "%v", got.ErrorMessage)
	runs := e.nodeRuns(fg, got.ID)
	require.Equal(t, model.StatusCompleted, runs["ok"][0].Status)
	var outs map[string][]json.RawMessage
	require.NoError(t, json.Unmarshal(runs["ok"][0].Outputs, &outs))
	require.Equal(t, []json.RawMessage{json.RawMessage(`3`)}, outs["count"])
	require.Contains(t, outs, "words_$_0")
	require.Contains(t, outs, "error")
	require.Equal(t, model.StatusCompleted, runs["after"][0].Status)
}
