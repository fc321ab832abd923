package engine

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// TestStorageBlocksPersistAcrossRunsPerUser runs the storage blocks on
// Postgres: a value persisted by one run is read by later runs of the same
// agent (any version) or, across agents, by the user's other agents — and
// never by another user.
func TestStorageBlocksPersistAcrossRunsPerUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	alice, bob := e.user(0), e.user(0)
	ctx := context.Background()

	// Version 1 writes, then reads back in the same run (linked after the
	// write: the write is immediate, not held for the node's commit).
	writer := []nspec{
		{Key: "mine", Block: "PersistInformationBlock", Defaults: map[string]any{"key": "memo", "value": map[string]any{"n": 1}}},
		{Key: "ours", Block: "PersistInformationBlock", Defaults: map[string]any{"key": "memo", "value": "shared", "scope": "across_agents"}},
		{Key: "reread", Block: "RetrieveInformationBlock", Defaults: map[string]any{"key": "memo", "scope": "across_agents"}},
		{Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "reread"}},
	}
	g := e.graph(alice, writer, []lspec{
		{Source: "ours", SourceName: "value", Sink: "reread", SinkName: "default_value"},
		{Source: "reread", SourceName: "value", Sink: "out", SinkName: "value"}})
	require.Equal(t, map[string]any{"reread": []any{"shared"}}, e.runOutputs(alice, g))

	// A reader: both scopes, with defaults that tell "nothing stored" apart.
	reader := []nspec{
		{Key: "mine", Block: "RetrieveInformationBlock", Defaults: map[string]any{"key": "memo", "default_value": "none"}},
		{Key: "ours", Block: "RetrieveInformationBlock", Defaults: map[string]any{"key": "memo", "scope": "across_agents", "default_value": "none"}},
		{Key: "out_mine", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "within"}},
		{Key: "out_ours", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "across"}},
	}
	readerLinks := []lspec{{Source: "mine", SourceName: "value", Sink: "out_mine", SinkName: "value"},
		{Source: "ours", SourceName: "value", Sink: "out_ours", SinkName: "value"}}

	// The same agent, a new version, a later run: both values.
	v2, err := e.store.GraphSaveSpec(ctx, alice.ID, e.modelSpec(reader, readerLinks), db.GraphSave{ID: g.ID, Activate: true})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"within": []any{map[string]any{"n": 1.0}}, "across": []any{"shared"}}, e.runOutputs(alice, v2))

	// Another of alice's agents: only what she shared across agents.
	other := e.graph(alice, reader, readerLinks)
	require.Equal(t, map[string]any{"within": []any{"none"}, "across": []any{"shared"}}, e.runOutputs(alice, other))

	// Bob's agent: nothing of alice's.
	bobs := e.graph(bob, reader, readerLinks)
	require.Equal(t, map[string]any{"within": []any{"none"}, "across": []any{"none"}}, e.runOutputs(bob, bobs))

	// Bob running a copy of alice's agent is still bob: his storage, keyed
	// by his run, never hers.
	require.Equal(t, map[string]any{"reread": []any{"shared"}}, e.runOutputs(bob, e.graph(bob, writer, []lspec{
		{Source: "ours", SourceName: "value", Sink: "reread", SinkName: "default_value"},
		{Source: "reread", SourceName: "value", Sink: "out", SinkName: "value"}})))
	var owners []string
	rows, err := e.pool.Query(ctx, `SELECT DISTINCT user_id::text FROM block_storage ORDER BY 1`)
	require.NoError(t, err)
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		owners = append(owners, id)
	}
	require.NoError(t, rows.Err())
	require.ElementsMatch(t, []string{alice.ID.String(), bob.ID.String()}, owners)
}

// runOutputs runs fg's active version for u and returns its outputs; the
// run must complete.
func (e *env) runOutputs(u *model.User, fg *model.FullGraph) map[string]any {
	e.t.Helper()
	w := e.watch(fg.ID)
	got := w.until(e.submit(u, fg, nil).ID, nil)
	if got.ErrorMessage != nil {
		e.t.Fatalf("run %s: %s", got.Status, *got.ErrorMessage)
	}
	require.Equal(e.t, model.StatusCompleted, got.Status)
	var outs map[string]any
	require.NoError(e.t, json.Unmarshal(got.Outputs, &outs))
	return outs
}
