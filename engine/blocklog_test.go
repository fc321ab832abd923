package engine

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// logBlock logs at every level, then with a level outside the five and a
// NUL in its text, which must not fail the run's commit.
func logBlock() blocks.Block {
	return blocks.Define[anyIn, gateOut](blocks.Info{ID: "0b6f3c1e-5a0c-4c53-9d7e-3a1f2b6c7d0f", Name: "TestLogBlock",
		Categories: []blocks.Category{blocks.CategoryUtility}, Type: blocks.TypeStandard},
		func(_ context.Context, rc *blocks.RunContext, in anyIn, emit blocks.Emit) error {
			rc.Debug("d")
			rc.Info("i", "n", 1)
			rc.Warning("w")
			rc.Error("e")
			rc.Critical("c")
			rc.Logger.Log("LOUD", "bad\x00level", map[string]any{"k": "v"})
			return emit("output", in.Input)
		})
}

func TestBlockLogLinesAreStoredWithTheRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	fg := e.graph(u, []nspec{{Key: "l", Block: "TestLogBlock"}}, nil)
	w := e.watch(fg.ID)
	got := w.until(e.submit(u, fg, nil).ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status)
	logs, err := e.store.ExecutionLogs(context.Background(), got.ID, nil, 100)
	require.NoError(t, err)
	type line struct{ Level, Message, Meta string }
	var lines []line
	for _, l := range logs {
		if l.NodeID == nil {
			continue // the run's own lines
		}
		var meta map[string]any
		require.NoError(t, json.Unmarshal(l.Metadata, &meta))
		raw, _ := json.Marshal(meta)
		lines = append(lines, line{l.Level, l.Message, string(raw)})
	}
	require.Equal(t, []line{{"DEBUG", "d", "{}"}, {"INFO", "i", `{"n":1}`}, {"WARNING", "w", "{}"}, {"ERROR", "e", "{}"},
		{"CRITICAL", "c", "{}"}, {"INFO", "badlevel", `{"k":"v","level":"LOUD"}`}}, lines)
}

// A run at logLevel DEBUG gets a line per node execution's start and
// finish (block, node, status, duration, cost), and so does the child run
// its AGENT node starts (stored through the other insert and claim); a
// run at the default level gets none.
func TestDebugRunLogsNodeStartAndFinish(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(10000)
	child := e.graph(u, []nspec{{Key: "c", Block: "TestCostBlock", Defaults: map[string]any{"input": 1}}}, nil)
	parent := e.graph(u, []nspec{{Key: "agent", Block: "AgentExecutorBlock", Defaults: map[string]any{"graph_id": child.ID.String()}}}, nil)
	w := e.watch(parent.ID)
	ctx := context.Background()

	_, err := e.eng.SubmitWith(ctx, u.ID, parent.ID, 0, nil, model.UserContext{}, model.RunOptions{LogLevel: "WARNING"})
	var ie *model.InputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "logLevel", ie.Field)

	type line struct{ Node, Status, Message string }
	debugLines := func(id uuid.UUID) []line {
		logs, err := e.store.ExecutionLogs(ctx, id, nil, 100)
		require.NoError(t, err)
		var out []line
		for _, l := range logs {
			if l.Level != "DEBUG" {
				continue
			}
			require.NotNil(t, l.NodeExecutionID, "a node's line names its node execution")
			var meta map[string]any
			require.NoError(t, json.Unmarshal(l.Metadata, &meta))
			require.NotEmpty(t, meta["block"])
			if meta["status"] != "RUNNING" {
				require.Contains(t, meta, "duration_s")
				require.Contains(t, meta, "cost")
			}
			if meta["node"] == "c" && meta["status"] == "COMPLETED" {
				require.EqualValues(t, 5, meta["cost"], "the child's node was charged 5")
			}
			// The duration varies: " in 1.2ms," reads " in D,".
			msg := duration.ReplaceAllString(l.Message, " in D,")
			out = append(out, line{meta["node"].(string), meta["status"].(string), msg})
		}
		return out
	}
	childOf := func(id uuid.UUID) *model.GraphExecution {
		kid, err := e.store.ExecutionChildOf(ctx, e.nodeRuns(parent, id)["agent"][0].ID)
		require.NoError(t, err)
		return kid
	}

	ex, err := e.eng.SubmitWith(ctx, u.ID, parent.ID, 0, nil, model.UserContext{}, model.RunOptions{LogLevel: model.LogLevelDebug})
	require.NoError(t, err)
	got := w.until(ex.ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status, "%v", got.ErrorMessage)
	require.Equal(t, model.LogLevelDebug, got.LogLevel)
	require.Equal(t, []line{{"agent", "RUNNING", `node "agent" (AgentExecutorBlock) started`},
		{"agent", "COMPLETED", `node "agent" (AgentExecutorBlock) COMPLETED in D, cost 1`}}, debugLines(got.ID))
	kid := childOf(got.ID)
	require.Equal(t, model.LogLevelDebug, kid.LogLevel, "a child run inherits its parent's level")
	require.Equal(t, []line{{"c", "RUNNING", `node "c" (TestCostBlock) started`},
		{"c", "COMPLETED", `node "c" (TestCostBlock) COMPLETED in D, cost 5`}}, debugLines(kid.ID))

	ex, err = e.eng.Submit(ctx, u.ID, parent.ID, 0, nil, model.UserContext{})
	require.NoError(t, err)
	got = w.until(ex.ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status, "%v", got.ErrorMessage)
	require.Equal(t, model.LogLevelInfo, got.LogLevel)
	require.Empty(t, debugLines(got.ID))
	require.Equal(t, model.LogLevelInfo, childOf(got.ID).LogLevel)
	require.Empty(t, debugLines(childOf(got.ID).ID))
}

var duration = regexp.MustCompile(` in [^,]+,`)
