package db_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// TestExecutionReads: runs by id, by user or graph and status (newest
// first, paged), and through a share token.
func TestExecutionReads(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u, other := b.user(), b.user()
	g := b.graph(u)
	e1, e2 := b.queued(u, g), b.queued(u, g)
	e3 := b.running(u, g, "w-"+testenv.RandomSuffix(4))
	require.Equal(t, model.StatusQueued, e1.Status)
	require.EqualValues(t, 1, e1.LastSeq, "the QUEUED event is seq 1")
	require.JSONEq(t, `{"x":"y"}`, string(e1.Inputs))

	got, err := s.ExecutionGet(ctx, e1.ID)
	require.NoError(t, err)
	require.Equal(t, e1, got)
	_, err = s.ExecutionGet(ctx, uuid.New())
	require.ErrorIs(t, err, model.ErrNotFound)
	many, err := s.ExecutionsByIDs(ctx, []uuid.UUID{e1.ID, e3.ID, uuid.New()})
	require.NoError(t, err)
	execIDs := func(es []*model.GraphExecution) []uuid.UUID {
		return ids(es, func(e *model.GraphExecution) uuid.UUID { return e.ID })
	}
	require.ElementsMatch(t, []uuid.UUID{e1.ID, e3.ID}, execIDs(many))

	list, err := s.ExecutionList(ctx, u.ID, nil, nil, nil, 10)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{e3.ID, e2.ID, e1.ID}, execIDs(list), "newest first")
	list, err = s.ExecutionList(ctx, u.ID, nil, nil, &db.Cursor{Time: e3.CreatedAt, ID: e3.ID}, 1)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{e2.ID}, execIDs(list))
	running := model.StatusRunning
	list, err = s.ExecutionList(ctx, u.ID, &g.ID, &running, nil, 10)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{e3.ID}, execIDs(list))
	list, err = s.ExecutionList(ctx, other.ID, &g.ID, nil, nil, 10)
	require.NoError(t, err)
	require.Empty(t, list, "another user's runs are not listed")

	_, err = s.ExecutionSetShared(ctx, other.ID, e1.ID, true)
	require.ErrorIs(t, err, model.ErrNotFound, "only the owner shares")
	shared, err := s.ExecutionSetShared(ctx, u.ID, e1.ID, true)
	require.NoError(t, err)
	require.True(t, shared.IsShared)
	require.NotNil(t, shared.ShareToken)
	again, err := s.ExecutionSetShared(ctx, u.ID, e1.ID, true)
	require.NoError(t, err)
	require.Equal(t, *shared.ShareToken, *again.ShareToken, "sharing twice keeps the link")
	byToken, err := s.ExecutionGetByShareToken(ctx, *shared.ShareToken)
	require.NoError(t, err)
	require.Equal(t, e1.ID, byToken.ID)
	unshared, err := s.ExecutionSetShared(ctx, u.ID, e1.ID, false)
	require.NoError(t, err)
	require.False(t, unshared.IsShared)
	require.Nil(t, unshared.ShareToken)
	_, err = s.ExecutionGetByShareToken(ctx, *shared.ShareToken)
	require.ErrorIs(t, err, model.ErrNotFound, "an old link stops working")
	_, err = s.ExecutionGetByShareToken(ctx, "")
	require.ErrorIs(t, err, model.ErrNotFound)
}

// TestExecutionApplyBatch: a group commit writes runs, node executions,
// waiting inputs, charges and logs all or nothing, fenced by the lease and
// the event sequence; the reads show what it wrote.
func TestExecutionApplyBatch(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u := b.user()
	_, err := s.CreditAdd(ctx, u.ID, 10, "PURCHASE", "credits")
	require.NoError(t, err)
	g := b.graph(u)
	owner := "w-" + testenv.RandomSuffix(4)
	ex := b.running(u, g, owner)
	require.EqualValues(t, 2, ex.LastSeq)
	now := b.nowFromDB()
	ne, pending := uuid.New(), uuid.New()

	res, err := s.ExecutionApplyBatch(ctx, &db.ExecutionBatch{Owner: owner, LeaseSeconds: 30,
		Runs: []db.RunWrite{{ID: ex.ID, PrevSeq: 2, LastSeq: 4}},
		Nodes: []db.NodeExecutionWrite{{Insert: true, ID: ne, GraphExecutionID: ex.ID, NodeID: g.Nodes[0].ID,
			Status: model.StatusRunning, Inputs: json.RawMessage(`{"v":1}`), CreatedAt: now, StartedAt: &now}},
		Inputs: []db.PendingInputWrite{{ID: pending, GraphExecutionID: ex.ID, NodeID: g.Nodes[1].ID,
			Inputs: json.RawMessage(`{"in":1}`), CreatedAt: now}},
		Charges: []db.Charge{{UserID: u.ID, ReferenceID: ne.String(), Amount: 6, Description: "run"},
			{UserID: u.ID, ReferenceID: uuid.NewString(), Amount: 6, Description: "too much"}},
		Logs: []db.LogWrite{
			{ExecutionID: ex.ID, UserID: u.ID, Level: "INFO", Message: "one", LoggedAt: now},
			{ExecutionID: ex.ID, NodeExecutionID: &ne, NodeID: &g.Nodes[0].ID, UserID: u.ID, Level: "ERROR", Message: "two", LoggedAt: now.Add(time.Millisecond)},
			{ExecutionID: ex.ID, UserID: u.ID, Level: "DEBUG", Message: "three", LoggedAt: now.Add(2 * time.Millisecond)},
		},
	})
	require.NoError(t, err)
	require.Equal(t, []db.ChargeResult{{Paid: true, BalanceAfter: 4}, {Paid: false}}, res, "the balance never goes negative")

	snap, err := s.ExecutionSnapshot(ctx, ex.ID)
	require.NoError(t, err)
	e, nodes := snap.Execution, snap.NodeExecutions
	require.EqualValues(t, 4, e.LastSeq)
	require.Len(t, nodes, 1)
	require.Equal(t, ne, nodes[0].ID)
	require.Equal(t, model.StatusRunning, nodes[0].Status)
	byRun, err := s.NodeExecutionsByExecutions(ctx, []uuid.UUID{ex.ID})
	require.NoError(t, err)
	require.Equal(t, nodes, byRun[ex.ID])
	alone, err := s.ExecutionGet(ctx, ex.ID)
	require.NoError(t, err)
	require.Equal(t, alone, snap.Execution, "the snapshot's run is the run as read alone")
	_, err = s.ExecutionSnapshot(ctx, uuid.New())
	require.ErrorIs(t, err, model.ErrNotFound)
	lean, err := s.NodeExecutionsWithoutValues(ctx, []uuid.UUID{ex.ID})
	require.NoError(t, err)
	withoutValues := slices.Clone(nodes)
	for i := range withoutValues {
		withoutValues[i].Inputs, withoutValues[i].Outputs = nil, nil
	}
	require.Equal(t, withoutValues, lean[ex.ID], "the same but for the inputs and outputs")
	waiting, err := s.ExecutionPendingInputs(ctx, ex.ID)
	require.NoError(t, err)
	require.Len(t, waiting, 1)
	require.Equal(t, pending, waiting[0].ID)
	require.Equal(t, g.Nodes[1].ID, waiting[0].NodeID)

	logs, err := s.ExecutionLogs(ctx, ex.ID, nil, 2)
	require.NoError(t, err)
	require.Equal(t, []string{"one", "two"}, []string{logs[0].Message, logs[1].Message}, "in order")
	require.Equal(t, ne, *logs[1].NodeExecutionID)
	require.Equal(t, "ERROR", logs[1].Level)
	logs, err = s.ExecutionLogs(ctx, ex.ID, &db.Cursor{Time: logs[1].LoggedAt, ID: logs[1].ID}, 2)
	require.NoError(t, err)
	require.Len(t, logs, 1)
	require.Equal(t, "three", logs[0].Message)

	// A write of a run another worker took over is refused as a lost lease,
	// a write from a stale sequence as a conflict; neither writes anything.
	_, err = s.ExecutionApplyBatch(ctx, &db.ExecutionBatch{Owner: "someone-else", LeaseSeconds: 30,
		Runs: []db.RunWrite{{ID: ex.ID, PrevSeq: 4, LastSeq: 5}}})
	var lost *db.LeaseLostError
	require.ErrorAs(t, err, &lost)
	require.Equal(t, []uuid.UUID{ex.ID}, lost.Runs)
	_, err = s.ExecutionApplyBatch(ctx, &db.ExecutionBatch{Owner: owner, LeaseSeconds: 30,
		Runs: []db.RunWrite{{ID: ex.ID, PrevSeq: 3, LastSeq: 5}},
		Logs: []db.LogWrite{{ExecutionID: ex.ID, UserID: u.ID, Level: "INFO", Message: "lost", LoggedAt: now}}})
	require.ErrorIs(t, err, model.ErrConflict)
	logs, err = s.ExecutionLogs(ctx, ex.ID, nil, 10)
	require.NoError(t, err)
	require.Len(t, logs, 3, "a refused batch writes nothing")

	// The run ends: the node execution completes, its input is consumed, the
	// lease is dropped. The node execution's charge is not taken twice.
	end := now.Add(time.Second)
	res, err = s.ExecutionApplyBatch(ctx, &db.ExecutionBatch{Owner: owner, LeaseSeconds: 30,
		Runs: []db.RunWrite{{ID: ex.ID, PrevSeq: 4, LastSeq: 6, PrevStatus: model.StatusRunning,
			Status: model.StatusCompleted, Outputs: json.RawMessage(`{"y":[1]}`), Release: true}},
		Nodes: []db.NodeExecutionWrite{{ID: ne, GraphExecutionID: ex.ID, NodeID: g.Nodes[0].ID, PrevStatus: model.StatusRunning,
			Status: model.StatusCompleted, Outputs: json.RawMessage(`{"out":[1]}`), CreatedAt: now, StartedAt: &now, EndedAt: &end}},
		InputsDone: []uuid.UUID{pending},
		Charges:    []db.Charge{{UserID: u.ID, ReferenceID: ne.String(), Amount: 6, Description: "run"}},
	})
	require.NoError(t, err)
	require.Equal(t, []db.ChargeResult{{Paid: true}}, res, "paid by the earlier charge")
	balance, err := s.UserBalance(ctx, u.ID)
	require.NoError(t, err)
	require.EqualValues(t, 4, balance)
	snap, err = s.ExecutionSnapshot(ctx, ex.ID)
	require.NoError(t, err)
	e, nodes = snap.Execution, snap.NodeExecutions
	require.Equal(t, model.StatusCompleted, e.Status)
	require.EqualValues(t, 6, e.LastSeq)
	require.JSONEq(t, `{"y":[1]}`, string(e.Outputs))
	status, outputs, err := s.ExecutionOutputs(ctx, ex.ID)
	require.NoError(t, err)
	require.Equal(t, model.StatusCompleted, status)
	require.JSONEq(t, `{"y":[1]}`, string(outputs), "the narrow read shows what the run stored")
	_, _, err = s.ExecutionOutputs(ctx, uuid.New())
	require.ErrorIs(t, err, model.ErrNotFound)
	require.Equal(t, model.StatusCompleted, nodes[0].Status)
	waiting, err = s.ExecutionPendingInputs(ctx, ex.ID)
	require.NoError(t, err)
	require.Empty(t, waiting)
	held, err := s.ExecutionHeartbeat(ctx, owner, 30, []uuid.UUID{ex.ID})
	require.NoError(t, err)
	require.Empty(t, held, "an ended run's lease is released")

	// An AGENT node execution's child run.
	child, err := s.ExecutionInsert(ctx, db.NewExecution{ID: uuid.New(), GraphID: g.ID, GraphVersion: g.Version,
		UserID: u.ID, ParentNodeExecutionID: &ne})
	require.NoError(t, err)
	got, err := s.ExecutionChildOf(ctx, ne)
	require.NoError(t, err)
	require.Equal(t, child.ID, got.ID)
	require.Equal(t, ne, *got.ParentNodeExecutionID)
	_, err = s.ExecutionChildOf(ctx, uuid.New())
	require.ErrorIs(t, err, model.ErrNotFound)

	// What the runs below a run hold charged, by run: the child's node
	// executions' costs, and its own child's (a grandchild) too.
	var agent uuid.UUID
	require.NoError(t, b.pool.QueryRow(ctx, `INSERT INTO node_executions (graph_execution_id, node_id, status, stats)
		VALUES ($1, $2, 'COMPLETED', '{"cost": 3}') RETURNING id`, child.ID, g.Nodes[0].ID).Scan(&agent))
	_, err = b.pool.Exec(ctx, `INSERT INTO node_executions (graph_execution_id, node_id, status, stats)
		VALUES ($1, $2, 'COMPLETED', '{"cost": 4}')`, child.ID, g.Nodes[0].ID)
	require.NoError(t, err)
	grandchild, err := s.ExecutionInsert(ctx, db.NewExecution{ID: uuid.New(), GraphID: g.ID, GraphVersion: g.Version,
		UserID: u.ID, ParentNodeExecutionID: &agent})
	require.NoError(t, err)
	_, err = b.pool.Exec(ctx, `INSERT INTO node_executions (graph_execution_id, node_id, status, stats)
		VALUES ($1, $2, 'COMPLETED', '{"cost": 5}')`, grandchild.ID, g.Nodes[0].ID)
	require.NoError(t, err)
	below, err := s.ExecutionDescendantCharges(ctx, ex.ID)
	require.NoError(t, err)
	require.Equal(t, map[uuid.UUID]int64{child.ID: 7, grandchild.ID: 5}, below)
	below, err = s.ExecutionDescendantCharges(ctx, grandchild.ID)
	require.NoError(t, err)
	require.Empty(t, below, "a run with no child")
}

// TestExecutionCancel: a QUEUED run is cancelled at once; a RUNNING one is
// flagged and its worker notified.
func TestExecutionCancel(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u, other := b.user(), b.user()
	g := b.graph(u)
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	l, err := s.Listen(wait, db.ChannelExecutionQueued, db.ChannelExecutionCancel)
	require.NoError(t, err)
	defer l.Close()
	// notified waits for one notification among those of parallel tests.
	notified := func(channel, payload string) {
		t.Helper()
		for {
			c, p, err := l.Wait(wait)
			require.NoError(t, err, "waiting for %s on %s", payload, channel)
			if c == channel && p == payload {
				return
			}
		}
	}

	q := b.queued(u, g)
	notified(db.ChannelExecutionQueued, q.ID.String())
	_, err = s.ExecutionCancelQueued(ctx, other.ID, q.ID)
	require.ErrorIs(t, err, model.ErrNotFound, "only the owner cancels")
	c, err := s.ExecutionCancelQueued(ctx, u.ID, q.ID)
	require.NoError(t, err)
	require.Equal(t, model.StatusCancelled, c.Status)
	require.EqualValues(t, 2, c.LastSeq, "the move is an event")
	require.NotNil(t, c.EndedAt)
	_, err = s.ExecutionCancelQueued(ctx, u.ID, q.ID)
	require.ErrorIs(t, err, model.ErrNotFound, "no longer QUEUED")
	_, err = s.ExecutionRequestCancel(ctx, u.ID, q.ID)
	require.ErrorIs(t, err, model.ErrNotFound, "not RUNNING")

	owner := "w-" + testenv.RandomSuffix(4)
	r := b.running(u, g, owner)
	_, err = s.ExecutionRequestCancel(ctx, other.ID, r.ID)
	require.ErrorIs(t, err, model.ErrNotFound)
	flagged, err := s.ExecutionRequestCancel(ctx, u.ID, r.ID)
	require.NoError(t, err)
	require.Equal(t, model.StatusRunning, flagged.Status, "the worker ends it")
	notified(db.ChannelExecutionCancel, r.ID.String())
	held, err := s.ExecutionHeartbeat(ctx, owner, 30, []uuid.UUID{r.ID})
	require.NoError(t, err)
	require.Equal(t, []db.LeaseState{{ID: r.ID, CancelRequested: true}}, held)
}
