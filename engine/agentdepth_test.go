package engine

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Graphs that run one another in a loop (A → B → A), the graph to run
// arriving on a link where validation cannot see it, stop at MaxAgentDepth
// levels of child runs: the node that would start one more fails, naming
// the limit, and so does the run at the top, instead of nesting runs (each
// one charged) without end.
func TestAgentNestingStopsAtTheLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(10000)
	// Each runs the graph its input "next" names, handing it "then" as
	// next and "next" as then: A with {next: B, then: A} runs B, which
	// runs A, which runs B…
	swap := func() *model.FullGraph {
		return e.graph(u, []nspec{
			{Key: "next", Block: "AgentInputBlock", Defaults: map[string]any{"name": "next"}},
			{Key: "then", Block: "AgentInputBlock", Defaults: map[string]any{"name": "then"}},
			{Key: "agent", Block: "AgentExecutorBlock"},
		}, []lspec{
			{Source: "next", SourceName: "result", Sink: "agent", SinkName: "graph_id"},
			{Source: "next", SourceName: "result", Sink: "agent", SinkName: "inputs_#_then"},
			{Source: "then", SourceName: "result", Sink: "agent", SinkName: "inputs_#_next"},
		})
	}
	a, b := swap(), swap()
	w := e.watch(a.ID)
	got := w.until(e.submit(u, a, map[string]any{"next": b.ID.String(), "then": a.ID.String()}).ID, nil)
	require.Equal(t, model.StatusFailed, got.Status)
	require.NotNil(t, got.ErrorMessage)
	require.Contains(t, *got.ErrorMessage, "agents nest at most 8 levels deep")

	var runs, running int
	require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE status NOT IN ('COMPLETED','FAILED','CANCELLED','TIMEOUT'))
		FROM graph_executions WHERE user_id = $1`, u.ID).Scan(&runs, &running))
	require.Equal(t, 1+MaxAgentDepth, runs, "the top run and one child per level")
	require.Zero(t, running)
}

// A stored version with a problem no run gets past is refused at submit,
// VALIDATION_FAILED with its problems, as createGraph would have refused
// it: a link from a pin its block lacks (importGraph stores such graphs),
// and an AGENT node whose default graph_id is the graph itself.
func TestSubmitRefusesAnUnrunnableVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(10000)
	ctx := context.Background()
	badPin := e.graph(u, []nspec{
		{Key: "a", Block: "StoreValueBlock", Defaults: map[string]any{"input": 1}},
		{Key: "b", Block: "StoreValueBlock"},
	}, []lspec{{Source: "a", SourceName: "nosuchpin", Sink: "b", SinkName: "input"}})
	_, err := e.eng.Submit(ctx, u.ID, badPin.ID, 0, nil, model.UserContext{})
	var ve *model.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Problems, 1)
	require.Equal(t, model.ProblemUnknownPin, ve.Problems[0].Code)

	self := e.graph(u, []nspec{{Key: "s", Block: "StoreValueBlock", Defaults: map[string]any{"input": 1}}}, nil)
	spec := e.modelSpec([]nspec{{Key: "ag", Block: "AgentExecutorBlock", Defaults: map[string]any{"graph_id": self.ID.String()}}}, nil)
	_, err = e.store.GraphSaveSpec(ctx, u.ID, spec, db.GraphSave{ID: self.ID, Activate: true})
	require.NoError(t, err)
	_, err = e.eng.Submit(ctx, u.ID, self.ID, 0, nil, model.UserContext{})
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Problems, 1)
	require.Equal(t, model.ProblemInvalidDefault, ve.Problems[0].Code)
	require.Equal(t, "graph_id", ve.Problems[0].Pin)
	require.Contains(t, ve.Problems[0].Message, "cannot run the graph it is in")
	_, err = e.eng.Submit(ctx, u.ID, self.ID, 1, nil, model.UserContext{})
	require.NoError(t, err, "the version before it runs")
}
