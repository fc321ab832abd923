package engine

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Concurrent submits share inserts; each submitter still gets its own run,
// QUEUED as stored, and every run completes.
func TestConcurrentSubmitsAreBatched(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{MaxRuns: 100})
	u := e.user(0)
	fg := e.graph(u, ch(chainOf("StoreValueBlock", nil, 3)))
	w := e.watch(fg.ID)
	const n = 40
	var mu sync.Mutex
	ids := map[uuid.UUID]bool{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ex := e.submit(u, fg, map[string]any{"x": i})
			require.Equal(t, model.StatusQueued, ex.Status)
			require.EqualValues(t, 1, ex.LastSeq)
			require.Nil(t, ex.StartedAt)
			mu.Lock()
			ids[ex.ID] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	require.Len(t, ids, n)
	for id := range ids {
		got := w.until(id, nil)
		require.Equal(t, model.StatusCompleted, got.Status, "run %s", id)
		evs := w.evs[id.String()]
		require.Equal(t, "QUEUED", evs[0].Status)
		require.Equal(t, "RUNNING", evs[1].Status)
		require.EqualValues(t, 2, evs[1].Seq)
	}
}

// A row that cannot be stored fails its own submit only: the batch is
// retried run by run.
func TestSubmitBatchIsolatesABadRow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	fg := e.graph(u, ch(chainOf("StoreValueBlock", nil, 1)))
	good := func() *submitReq {
		return &submitReq{n: db.NewExecution{ID: newID(), GraphID: fg.ID, GraphVersion: fg.Version, UserID: u.ID},
			done: make(chan struct{})}
	}
	bad := &submitReq{n: db.NewExecution{ID: newID(), GraphID: uuid.New(), GraphVersion: 1, UserID: u.ID},
		done: make(chan struct{})}
	reqs := []*submitReq{good(), bad, good()}
	e.eng.insertBatch(reqs)
	for i, r := range reqs {
		<-r.done
		if r == bad {
			require.Error(t, r.err, "a run of a graph that does not exist")
			continue
		}
		require.NoError(t, r.err, "request %d", i)
		require.Equal(t, r.n.ID, r.ex.ID)
		require.Equal(t, model.StatusRunning, r.claimed.Exec.Status)
		got, err := e.store.ExecutionGet(context.Background(), r.n.ID)
		require.NoError(t, err)
		require.Equal(t, model.StatusRunning, got.Status)
		require.EqualValues(t, 2, got.LastSeq)
	}
	_, err := e.store.ExecutionGet(context.Background(), bad.n.ID)
	require.ErrorIs(t, err, model.ErrNotFound)
}

// Concurrent submits share one read of what they check, yet each gets its
// own answer: a missing graph, another user's graph and an unknown user
// are not found, the others run.
func TestConcurrentSubmitChecksAreBatched(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{MaxRuns: 100})
	u, other := e.user(0), e.user(0)
	fg := e.graph(u, ch(chainOf("StoreValueBlock", nil, 1)))
	type outcome struct {
		ex  *model.GraphExecution
		err error
	}
	cases := []struct {
		user, graph uuid.UUID
		version     int
		ok          bool
	}{
		{u.ID, fg.ID, 0, true}, {u.ID, fg.ID, fg.Version, true}, {u.ID, uuid.New(), 0, false},
		{other.ID, fg.ID, 0, false}, {uuid.New(), fg.ID, 0, false}, {u.ID, fg.ID, fg.Version + 1, false},
	}
	results := make([]outcome, len(cases)*5)
	var wg sync.WaitGroup
	for i := range results {
		c := cases[i%len(cases)]
		wg.Go(func() {
			ex, err := e.eng.Submit(context.Background(), c.user, c.graph, c.version, map[string]any{"x": 1}, model.UserContext{})
			results[i] = outcome{ex, err}
		})
	}
	wg.Wait()
	for i, r := range results {
		if cases[i%len(cases)].ok {
			require.NoError(t, r.err, "case %d", i%len(cases))
			require.Equal(t, model.StatusQueued, r.ex.Status)
		} else {
			require.ErrorIs(t, r.err, model.ErrNotFound, "case %d", i%len(cases))
		}
	}
}
