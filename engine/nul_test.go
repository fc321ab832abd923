package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

type nulIn struct {
	Input any    `json:"input,omitempty" jsonschema_description:"Any value."`
	Mode  string `json:"mode" jsonschema_description:"emit or fail."`
}

// nulBlock yields (and ignores the refusal) or fails with a NUL character,
// which Postgres cannot store.
func nulBlock() blocks.Block {
	return blocks.Define[nulIn, gateOut](blocks.Info{ID: "0b6f3c1e-5a0c-4c53-9d7e-3a1f2b6c7d05", Name: "TestNulBlock",
		Categories: []blocks.Category{blocks.CategoryUtility}, Type: blocks.TypeStandard},
		func(_ context.Context, _ *blocks.RunContext, in nulIn, emit blocks.Emit) error {
			if in.Mode == "fail" {
				return errors.New("bad\x00byte")
			}
			_ = emit("output", "a\x00b")
			return nil
		})
}

func TestHasNUL(t *testing.T) {
	t.Parallel()
	require.True(t, hasNUL([]byte(`"a\u0000b"`)))
	require.True(t, hasNUL([]byte(`["\\",  "\\\u0000"]`)))
	require.False(t, hasNUL([]byte(`"a\\u0000b"`)), "an escaped backslash, then text")
	require.False(t, hasNUL([]byte(`"plain"`)))
}

// A node whose output or error holds a NUL ends the run FAILED, naming the
// node, instead of failing every commit of the run forever.
func TestNULOutputFailsTheNode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	for _, mode := range []string{"emit", "fail"} {
		fg := e.graph(u, []nspec{
			{Key: "src", Block: "StoreValueBlock", Defaults: map[string]any{"input": 1}},
			{Key: "bad", Block: "TestNulBlock", Defaults: map[string]any{"mode": mode}},
			{Key: "after", Block: "StoreValueBlock"},
		}, []lspec{
			{Source: "src", SourceName: "output", Sink: "bad", SinkName: "input"},
			{Source: "bad", SourceName: "output", Sink: "after", SinkName: "input"},
		})
		w := e.watch(fg.ID)
		got := w.until(e.submit(u, fg, nil).ID, nil)
		require.Equal(t, model.StatusFailed, got.Status, mode)
		require.NotNil(t, got.ErrorMessage)
		require.Contains(t, *got.ErrorMessage, `node "bad" (TestNulBlock) failed`, mode)
		if mode == "emit" {
			require.Contains(t, *got.ErrorMessage, "NUL character", mode)
		} else {
			require.Contains(t, *got.ErrorMessage, "bad\uFFFDbyte", mode)
		}
		runs := e.nodeRuns(fg, got.ID)
		require.Equal(t, model.StatusFailed, runs["bad"][0].Status, mode)
		require.Empty(t, runs["after"], mode)
	}
}

func TestNestsDeeper(t *testing.T) {
	t.Parallel()
	require.False(t, nestsDeeper([]byte(`[[1]]`), 2))
	require.True(t, nestsDeeper([]byte(`[[{}]]`), 2))
	require.False(t, nestsDeeper([]byte(`["[[[[", {"a\"[[[": "\\"}]`), 2), "brackets in strings do not count")
	require.False(t, nestsDeeper([]byte(`[1],[2],[3]`), 1), "depth, not count")
}

// A node yielding a value nested deeper than can be stored fails cleanly,
// naming the pin, instead of failing every commit of the run forever; one
// at the limit is stored and routed.
func TestDeepOutputFailsTheNode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	for _, levels := range []int{maxOutputDepth, 10000} {
		fg := e.graph(u, []nspec{
			{Key: "parse", Block: "JSONParseBlock", Defaults: map[string]any{
				"json_string": strings.Repeat("[", levels) + strings.Repeat("]", levels)}},
			{Key: "after", Block: "StoreValueBlock"},
		}, []lspec{{Source: "parse", SourceName: "parsed", Sink: "after", SinkName: "input"}})
		w := e.watch(fg.ID)
		got := w.until(e.submit(u, fg, nil).ID, nil)
		runs := e.nodeRuns(fg, got.ID)
		if levels == maxOutputDepth {
			require.Equal(t, model.StatusCompleted, got.Status, "at the limit")
			require.Len(t, runs["after"], 1)
			continue
		}
		require.Equal(t, model.StatusFailed, got.Status)
		require.NotNil(t, got.ErrorMessage)
		require.Contains(t, *got.ErrorMessage, `node "parse" (JSONParseBlock) failed`)
		require.Contains(t, *got.ErrorMessage, `output "parsed" nests more than 1000 levels deep`)
		require.Equal(t, model.StatusFailed, runs["parse"][0].Status)
		require.Empty(t, runs["after"])
	}
}
