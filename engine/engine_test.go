package engine

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

type chain struct {
	nodes []nspec
	links []lspec
}

func ch(n []nspec, l []lspec) chain { return chain{n, l} }

func chainOf(block string, defaults map[string]any, n int) ([]nspec, []lspec) {
	nodes := []nspec{{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x"}}}
	var links []lspec
	prev, pin := "in", "result"
	for i := range n {
		k := "n" + itoa(int64(i))
		nodes = append(nodes, nspec{Key: k, Block: block, Defaults: defaults})
		links = append(links, lspec{Source: prev, SourceName: pin, Sink: k, SinkName: "input"})
		prev, pin = k, "output"
	}
	nodes = append(nodes, nspec{Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "y"}})
	links = append(links, lspec{Source: prev, SourceName: pin, Sink: "out", SinkName: "value"})
	return nodes, links
}

func TestEventsAreGapFreeAndEndTerminal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	fg := e.graph(u, ch(chainOf("StoreValueBlock", nil, 10)))
	w := e.watch(fg.ID)
	ex := e.submit(u, fg, map[string]any{"x": 1})
	got := w.until(ex.ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status)
	evs := w.evs[ex.ID.String()]
	for i, ev := range evs {
		require.Equal(t, int64(i+1), ev.Seq, "event %d", i)
	}
	require.Equal(t, "QUEUED", evs[0].Status)
	require.Equal(t, "RUNNING", evs[1].Status)
	require.True(t, evs[len(evs)-1].Terminal())
	require.Equal(t, got.LastSeq, evs[len(evs)-1].Seq)
	require.JSONEq(t, string(got.Outputs), string(evs[len(evs)-1].Outputs), "the end carries the outputs as stored")
	for _, ev := range evs[:len(evs)-1] {
		require.Nil(t, ev.Outputs, "only the end carries them")
	}
	// 12 nodes: QUEUED, RUNNING, output, COMPLETED each (+ 2 run events + terminal).
	require.Len(t, evs, 12*4+3)
	require.Equal(t, 12, got.Stats.TotalNodes)
	require.Equal(t, 12, got.Stats.CompletedNodes)
	require.Equal(t, 12, got.Stats.NodeExecutions)
	require.Equal(t, 12, got.Stats.CompletedNodeExecutions)
}

func TestSubmitValidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	u, other := e.user(0), e.user(0)
	fg := e.graph(u, ch(chainOf("StoreValueBlock", nil, 1)))
	_, err := e.eng.Submit(ctx, other.ID, fg.ID, 0, map[string]any{"x": 1}, model.UserContext{})
	require.ErrorIs(t, err, model.ErrNotFound, "another user's graph is not found")
	_, err = e.eng.Submit(ctx, u.ID, uuid.New(), 0, nil, model.UserContext{})
	require.ErrorIs(t, err, model.ErrNotFound)
	_, err = e.eng.Submit(ctx, u.ID, fg.ID, 0, nil, model.UserContext{})
	var ie *model.InputError
	require.ErrorAs(t, err, &ie)
	require.Contains(t, ie.Error(), `"x"`)
	_, err = e.eng.Submit(ctx, u.ID, fg.ID, 0, map[string]any{"x": 1, "nope": 2}, model.UserContext{})
	require.ErrorAs(t, err, &ie)
	_, err = e.store.UserSetActive(ctx, u.ID, false)
	require.NoError(t, err)
	_, err = e.eng.Submit(ctx, u.ID, fg.ID, 0, map[string]any{"x": 1}, model.UserContext{})
	require.ErrorIs(t, err, model.ErrForbidden)
}

func TestIllegalMovesAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	fg := e.graph(u, ch(chainOf("StoreValueBlock", nil, 1)))
	w := e.watch(fg.ID)
	ex := e.submit(u, fg, map[string]any{"x": 1})
	got := w.until(ex.ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status)
	ctx := context.Background()
	// COMPLETED → RUNNING through the engine's own write path is refused.
	_, err := e.store.ExecutionApplyBatch(ctx, &db.ExecutionBatch{Owner: e.eng.Owner(), LeaseSeconds: 10,
		Runs: []db.RunWrite{{ID: ex.ID, PrevSeq: got.LastSeq, LastSeq: got.LastSeq + 1,
			PrevStatus: model.StatusRunning, Status: model.StatusFailed}}})
	require.Error(t, err)
	// A node execution moved from a status it does not have is refused.
	runs := e.nodeRuns(fg, ex.ID)
	ne := runs["n0"][0]
	_, err = e.pool.Exec(ctx, "UPDATE graph_executions SET lease_owner = $2 WHERE id = $1", ex.ID, e.eng.Owner())
	require.NoError(t, err)
	_, err = e.store.ExecutionApplyBatch(ctx, &db.ExecutionBatch{Owner: e.eng.Owner(), LeaseSeconds: 10,
		Runs:  []db.RunWrite{{ID: ex.ID, PrevSeq: got.LastSeq, LastSeq: got.LastSeq + 1}},
		Nodes: []db.NodeExecutionWrite{{ID: ne.ID, PrevStatus: model.StatusQueued, Status: model.StatusRunning}}})
	require.ErrorIs(t, err, model.ErrConflict)
	require.Equal(t, model.StatusCompleted, e.nodeRuns(fg, ex.ID)["n0"][0].Status)
	// Cancelling a finished run is a conflict naming its status.
	_, err = e.eng.Cancel(ctx, u.ID, ex.ID)
	require.ErrorIs(t, err, model.ErrConflict)
	require.Contains(t, err.Error(), "COMPLETED")
	require.False(t, model.StatusCompleted.CanMoveTo(model.StatusRunning))
}

func TestCancelRunningWaitBlock(t *testing.T) {
	t.Parallel()
	cancelWhileWaiting(t, nspec{Key: "wait", Block: "WaitBlock", Defaults: map[string]any{"seconds": 3600, "data": 1}}, "data")
}

// TestCancelRunningCountdownTimer: a countdown stops at once when its run is
// cancelled, and yields nothing.
func TestCancelRunningCountdownTimer(t *testing.T) {
	t.Parallel()
	cancelWhileWaiting(t, nspec{Key: "timer", Block: "CountdownTimerBlock",
		Defaults: map[string]any{"minutes": "30", "input_message": "done"}}, "output_message")
}

// cancelWhileWaiting cancels a run while its waiting node (wait, feeding an
// output from pin) runs: the node ends CANCELLED at once and yields nothing.
func cancelWhileWaiting(t *testing.T, wait nspec, pin string) {
	t.Helper()
	e := newEnv(t, Options{})
	u := e.user(10000)
	nodes := []nspec{wait, {Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "y"}}}
	fg := e.graph(u, nodes, []lspec{{Source: wait.Key, SourceName: pin, Sink: "out", SinkName: "value"}})
	w := e.watch(fg.ID)
	ex := e.submit(u, fg, nil)
	w.until(ex.ID, func(ev events.Event) bool { return ev.Kind == events.KindNodeStatus && ev.Status == "RUNNING" })
	got, err := e.eng.Cancel(context.Background(), u.ID, ex.ID)
	require.NoError(t, err)
	require.Equal(t, model.StatusCancelled, got.Status)
	runs := e.nodeRuns(fg, ex.ID)
	require.Equal(t, model.StatusCancelled, runs[wait.Key][0].Status)
	require.Empty(t, runs["out"])
	w.until(ex.ID, nil)
}

func TestCancelQueuedAndOtherUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.eng.Stop() // nothing claims: the run stays QUEUED
	u, other := e.user(10000), e.user(0)
	fg := e.graph(u, ch(chainOf("StoreValueBlock", nil, 1)))
	ex := e.submit(u, fg, map[string]any{"x": 1})
	_, err := e.eng.Cancel(context.Background(), other.ID, ex.ID)
	require.ErrorIs(t, err, model.ErrNotFound)
	got, err := e.eng.Cancel(context.Background(), u.ID, ex.ID)
	require.NoError(t, err)
	require.Equal(t, model.StatusCancelled, got.Status)
	require.Equal(t, int64(2), got.LastSeq)
}

func TestTimeouts(t *testing.T) {
	t.Parallel()
	wait := []nspec{{Key: "wait", Block: "WaitBlock", Defaults: map[string]any{"seconds": 3600, "data": 1}}}
	t.Run("node", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Options{NodeTimeout: 200 * time.Millisecond})
		u := e.user(10000)
		fg := e.graph(u, wait, nil)
		w := e.watch(fg.ID)
		got := w.until(e.submit(u, fg, nil).ID, nil)
		require.Equal(t, model.StatusTimeout, got.Status)
		require.Contains(t, *got.ErrorMessage, `"wait"`)
		require.Equal(t, model.StatusTimeout, e.nodeRuns(fg, got.ID)["wait"][0].Status)
	})
	t.Run("run", func(t *testing.T) {
		t.Parallel()
		// Long enough for the wait to have started on a loaded machine: a
		// run that times out before its node's block started ends that node
		// CANCELLED (it never ran), which is not what this case checks.
		e := newEnv(t, Options{RunTimeout: 1500 * time.Millisecond})
		u := e.user(10000)
		fg := e.graph(u, wait, nil)
		w := e.watch(fg.ID)
		got := w.until(e.submit(u, fg, nil).ID, nil)
		require.Equal(t, model.StatusTimeout, got.Status)
		require.Contains(t, *got.ErrorMessage, "timed out")
		require.Equal(t, model.StatusTimeout, e.nodeRuns(fg, got.ID)["wait"][0].Status)
	})
}

func TestPanickingBlockFailsNodeWorkerSurvives(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	fg := e.graph(u, []nspec{{Key: "p", Block: "TestPanicBlock"}}, nil)
	w := e.watch(fg.ID)
	got := w.until(e.submit(u, fg, nil).ID, nil)
	require.Equal(t, model.StatusFailed, got.Status)
	require.Contains(t, *got.ErrorMessage, `"p"`)
	require.Contains(t, *got.ErrorMessage, "panicked")
	ne := e.nodeRuns(fg, got.ID)["p"][0]
	require.Equal(t, model.StatusFailed, ne.Status)
	require.Contains(t, *ne.ErrorMessage, "nil map")
	// The worker still runs graphs.
	fg2 := e.graph(u, ch(chainOf("StoreValueBlock", nil, 2)))
	w2 := e.watch(fg2.ID)
	require.Equal(t, model.StatusCompleted, w2.until(e.submit(u, fg2, map[string]any{"x": 1}).ID, nil).Status)
}

func ledger(t *testing.T, e *env, u uuid.UUID) (balance, sum int64) {
	ctx := context.Background()
	balance, err := e.store.UserBalance(ctx, u)
	require.NoError(t, err)
	require.NoError(t, e.pool.QueryRow(ctx, "SELECT coalesce(sum(amount),0) FROM credit_transactions WHERE user_id = $1", u).Scan(&sum))
	return balance, sum
}

func TestCredits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	t.Run("charged once per node execution", func(t *testing.T) {
		u := e.user(100)
		fg := e.graph(u, ch(chainOf("TestCostBlock", nil, 3)))
		w := e.watch(fg.ID)
		got := w.until(e.submit(u, fg, map[string]any{"x": 1}).ID, nil)
		require.Equal(t, model.StatusCompleted, got.Status)
		require.Equal(t, int64(15), got.Stats.TotalCost)
		bal, sum := ledger(t, e, u.ID)
		require.Equal(t, int64(85), bal)
		require.Equal(t, bal, sum, "the ledger sums to the balance")
		var n int
		require.NoError(t, e.pool.QueryRow(context.Background(),
			"SELECT count(*) FROM credit_transactions WHERE user_id = $1 AND transaction_type = 'EXECUTION_COST'", u.ID).Scan(&n))
		require.Equal(t, 3, n)
		for _, ne := range e.nodeRuns(fg, got.ID)["n0"] {
			require.Equal(t, int64(5), ne.Stats.Cost)
		}
	})
	t.Run("insufficient fails the run and never goes negative", func(t *testing.T) {
		u := e.user(12)
		fg := e.graph(u, ch(chainOf("TestCostBlock", nil, 3)))
		w := e.watch(fg.ID)
		got := w.until(e.submit(u, fg, map[string]any{"x": 1}).ID, nil)
		require.Equal(t, model.StatusFailed, got.Status)
		require.Contains(t, *got.ErrorMessage, "insufficient credits")
		require.Contains(t, *got.ErrorMessage, `"n2"`)
		bal, sum := ledger(t, e, u.ID)
		require.Equal(t, int64(2), bal)
		require.Equal(t, bal, sum)
		runs := e.nodeRuns(fg, got.ID)
		require.Equal(t, model.StatusFailed, runs["n2"][0].Status)
		require.Empty(t, runs["out"])
	})
	t.Run("seconds are reserved, the unused ones given back", func(t *testing.T) {
		u := e.user(10)
		fg := e.graph(u, ch(chainOf("TestSecondsCostBlock", nil, 1)))
		w := e.watch(fg.ID)
		got := w.until(e.submit(u, fg, map[string]any{"x": 1}).ID, nil)
		require.Equal(t, model.StatusCompleted, got.Status)
		bal, sum := ledger(t, e, u.ID)
		require.Equal(t, int64(7), bal, "one started second at 3")
		require.Equal(t, bal, sum)
		ne := e.nodeRuns(fg, got.ID)["n0"][0]
		require.Equal(t, charges{cost: 6, refund: 3}, ledgerByReference(t, e, u.ID)[ne.ID.String()], "2 seconds reserved, 1 used")
		require.Equal(t, int64(3), ne.Stats.Cost)
		require.Equal(t, int64(3), got.Stats.TotalCost)
	})
}

func TestConcurrencyLimits(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, opts Options, users int, limit int) {
		e := newEnv(t, opts)
		gname, g := newGate(t)
		us := make([]*model.User, users)
		for i := range us {
			us[i] = e.user(0)
		}
		nodes := []nspec{{Key: "g", Block: "TestGateBlock", Defaults: map[string]any{"gate": gname}}}
		var ids []uuid.UUID
		w := map[uuid.UUID]*watch{}
		for i := range 4 {
			u := us[i%users]
			fg := e.graph(u, nodes, nil)
			w[fg.ID] = e.watch(fg.ID)
			ex := e.submit(u, fg, nil)
			ids = append(ids, ex.ID)
			w[ex.ID] = w[fg.ID]
		}
		for range limit {
			g.waitEntered(t)
		}
		g.mu.Lock()
		require.Equal(t, limit, g.active)
		g.mu.Unlock()
		close(g.release)
		for _, id := range ids {
			require.Equal(t, model.StatusCompleted, w[id].until(id, nil).Status)
		}
		require.Equal(t, limit, g.max, "never more than the limit at once")
	}
	t.Run("per worker", func(t *testing.T) { t.Parallel(); run(t, Options{MaxRuns: 2}, 4, 2) })
	t.Run("per user", func(t *testing.T) { t.Parallel(); run(t, Options{MaxRunsPerUser: 1}, 1, 1) })
}

func TestAgentChildRunAndCancellation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(10000)
	child := e.graph(u, ch(chainOf("StoreValueBlock", map[string]any{"data": "from child"}, 1)))
	parentNodes := []nspec{
		{Key: "agent", Block: "AgentExecutorBlock", Defaults: map[string]any{"graph_id": child.ID.String(), "inputs": map[string]any{"x": 1}}},
		{Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "z"}},
	}
	parent := e.graph(u, parentNodes, []lspec{{Source: "agent", SourceName: "y", Sink: "out", SinkName: "value"}})
	w := e.watch(parent.ID)
	got := w.until(e.submit(u, parent, nil).ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status, "%v", got.ErrorMessage)
	require.JSONEq(t, `{"z":["from child"]}`, string(got.Outputs))
	ne := e.nodeRuns(parent, got.ID)["agent"][0]
	kid, err := e.store.ExecutionChildOf(context.Background(), ne.ID)
	require.NoError(t, err)
	require.Equal(t, model.StatusCompleted, kid.Status)
	require.Equal(t, u.ID, kid.UserID)

	// Cancelling the parent cancels the child.
	gname, g := newGate(t)
	slow := e.graph(u, []nspec{{Key: "g", Block: "TestGateBlock", Defaults: map[string]any{"gate": gname}}}, nil)
	parentNodes[0].Defaults = map[string]any{"graph_id": slow.ID.String()}
	parent2 := e.graph(u, parentNodes[:1], nil)
	w2 := e.watch(parent2.ID)
	wChild := e.watch(slow.ID)
	ex := e.submit(u, parent2, nil)
	g.waitEntered(t)
	c, err := e.eng.Cancel(context.Background(), u.ID, ex.ID)
	require.NoError(t, err)
	require.Equal(t, model.StatusCancelled, c.Status)
	w2.until(ex.ID, nil)
	ne = e.nodeRuns(parent2, ex.ID)["agent"][0]
	kid, err = e.store.ExecutionChildOf(context.Background(), ne.ID)
	require.NoError(t, err)
	// The child ends in its own commit, which may follow the parent's.
	kid = wChild.until(kid.ID, nil)
	require.Equal(t, model.StatusCancelled, kid.Status)
}

func TestStopHandsRunsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{ShutdownGrace: 50 * time.Millisecond})
	u := e.user(10000)
	nodes := []nspec{{Key: "wait", Block: "WaitBlock", Defaults: map[string]any{"seconds": 3600, "data": 1}}}
	fg := e.graph(u, nodes, nil)
	w := e.watch(fg.ID)
	ex := e.submit(u, fg, nil)
	w.until(ex.ID, func(ev events.Event) bool { return ev.Kind == events.KindNodeStatus && ev.Status == "RUNNING" })
	e.eng.Stop()
	e.eng.Stop() // idempotent
	got := e.exec(ex.ID)
	require.Equal(t, model.StatusRunning, got.Status)
	var owner *string
	require.NoError(t, e.pool.QueryRow(context.Background(), "SELECT lease_owner FROM graph_executions WHERE id = $1", ex.ID).Scan(&owner))
	require.Nil(t, owner, "the lease is handed back")
	// Another engine takes it over at once (no lease to wait for); cancel it there.
	e2 := New(e.store, e.reg, e.pub, nil, Options{PollInterval: 100 * time.Millisecond})
	require.NoError(t, e2.Start(context.Background()))
	t.Cleanup(e2.Stop)
	c, err := e2.Cancel(context.Background(), u.ID, ex.ID)
	require.NoError(t, err)
	require.Equal(t, model.StatusCancelled, c.Status)
	require.Len(t, e.nodeRuns(fg, ex.ID)["wait"], 1, "resumed, not duplicated")
}

var _ = errors.Is
var _ = json.Marshal
