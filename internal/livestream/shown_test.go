package livestream_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/livestream"
	"github.com/agentgraph/agentgraph/internal/model"
)

// countingStore is the real store, counting the reads of what events show
// (a graph version's nodes, a run's outputs) and of runs (alone, and many
// at once: the quiet checks). fail makes the next read of nodes fail.
type countingStore struct {
	livestream.Store
	nodeReads, outputReads atomic.Int64
	runReads, runBatches   atomic.Int64
	fail                   atomic.Bool
}

func (c *countingStore) ExecutionGet(ctx context.Context, id uuid.UUID) (*model.GraphExecution, error) {
	c.runReads.Add(1)
	return c.Store.ExecutionGet(ctx, id)
}

func (c *countingStore) ExecutionsByIDs(ctx context.Context, ids []uuid.UUID) ([]*model.GraphExecution, error) {
	c.runBatches.Add(1)
	return c.Store.ExecutionsByIDs(ctx, ids)
}

func (c *countingStore) NodesByGraphs(ctx context.Context, keys []model.GraphKey) (map[model.GraphKey][]model.Node, error) {
	c.nodeReads.Add(1)
	if c.fail.Swap(false) {
		return nil, errors.New("the read failed")
	}
	return c.Store.NodesByGraphs(ctx, keys)
}

func (c *countingStore) ExecutionOutputs(ctx context.Context, id uuid.UUID) (model.Status, json.RawMessage, error) {
	c.outputReads.Add(1)
	return c.Store.ExecutionOutputs(ctx, id)
}

// takeEvents takes n events from k.
func takeEvents(t *testing.T, k *sink, n int) []*events.Event {
	t.Helper()
	evs := make([]*events.Event, n)
	for i := range evs {
		it := k.next()
		require.NotNil(t, it.ev, "want an event, got %+v", it)
		evs[i] = it.ev
	}
	return evs
}

// onEach calls fn for every event of every stream at once, one goroutine
// per stream, as consumers delivering them concurrently do.
func onEach(streams [][]*events.Event, fn func(ev *events.Event)) {
	var wg sync.WaitGroup
	for _, evs := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, ev := range evs {
				fn(ev)
			}
		}()
	}
	wg.Wait()
}

// The node of every event of two streams of a run (and of another run of
// the same graph version) is found through one read of the version's nodes.
func TestEventsShowTheirNodeFromOneReadPerGraphVersion(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	g := f.graph(u)
	cs := &countingStore{Store: f.store}
	s := livestream.New(cs, f.hub, noQuiet)
	r := f.start(g, u)
	a, b := open(t, s, r), open(t, s, r)
	a.snapshot(2, model.StatusRunning)
	b.snapshot(2, model.StatusRunning)
	f.publish(r.commit(100, "")...)
	streams := [][]*events.Event{takeEvents(t, a, 100), takeEvents(t, b, 100)}

	key := model.GraphKey{ID: g.ID, Version: g.Version}
	var shown atomic.Int64
	onEach(streams, func(ev *events.Event) {
		n, err := s.Node(context.Background(), key, uuid.MustParse(ev.NodeID))
		if assert.NoError(t, err) && assert.Equal(t, "n", n.Key) {
			assert.Equal(t, g.Nodes[0].BlockID, n.BlockID)
			shown.Add(1)
		}
	})
	require.EqualValues(t, 200, shown.Load())
	require.EqualValues(t, 1, cs.nodeReads.Load(), "one read for 100 events of two streams")

	other := f.start(g, u)
	c := open(t, s, other)
	c.snapshot(2, model.StatusRunning)
	f.publish(other.commit(1, "")...)
	ev := takeEvents(t, c, 1)[0]
	n, err := s.Node(context.Background(), key, uuid.MustParse(ev.NodeID))
	require.NoError(t, err)
	require.Equal(t, "n", n.Key)
	_, err = s.Node(context.Background(), key, uuid.New())
	require.ErrorIs(t, err, model.ErrNotFound, "a node the version does not hold")
	require.EqualValues(t, 1, cs.nodeReads.Load(), "graph versions never change: one read serves every run of one")
}

// A failed read is not kept: the next event reads again.
func TestAFailedReadOfNodesIsReadAgain(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	g := f.graph(u)
	cs := &countingStore{Store: f.store}
	s := livestream.New(cs, f.hub, noQuiet)
	key := model.GraphKey{ID: g.ID, Version: g.Version}
	cs.fail.Store(true)
	_, err := s.Node(context.Background(), key, g.Nodes[0].ID)
	require.ErrorContains(t, err, "the read failed")
	n, err := s.Node(context.Background(), key, g.Nodes[0].ID)
	require.NoError(t, err)
	require.Equal(t, "n", n.Key)
	require.EqualValues(t, 2, cs.nodeReads.Load())
}

// The outputs of an ended run are read once for every stream that shows
// its end; those of a run still going are never kept.
func TestTheEndOfARunShowsItsOutputsFromOneRead(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	g := f.graph(u)
	cs := &countingStore{Store: f.store}
	s := livestream.New(cs, f.hub, noQuiet)
	r := f.start(g, u)
	r.outputs = json.RawMessage(`{"y":[1,2]}`)
	a, b := open(t, s, r), open(t, s, r)
	a.snapshot(2, model.StatusRunning)
	b.snapshot(2, model.StatusRunning)
	f.publish(r.commit(1, model.StatusCompleted)...)
	streams := [][]*events.Event{takeEvents(t, a, 1), takeEvents(t, b, 1)}
	a.end()
	b.end()

	var shown atomic.Int64
	onEach(append(streams, streams...), func(ev *events.Event) {
		assert.True(t, ev.Terminal())
		out, err := s.EndOutputs(context.Background(), uuid.MustParse(ev.ExecutionID))
		if assert.NoError(t, err) && assert.JSONEq(t, `{"y":[1,2]}`, string(out)) {
			shown.Add(1)
		}
	})
	require.EqualValues(t, 4, shown.Load())
	require.EqualValues(t, 1, cs.outputReads.Load(), "one read for every stream showing the end")

	going := f.start(g, u)
	for range 2 {
		out, err := s.EndOutputs(context.Background(), going.exec.ID)
		require.NoError(t, err)
		require.JSONEq(t, `{}`, string(out))
	}
	require.EqualValues(t, 3, cs.outputReads.Load(), "a run still going may still change: read each time")
	_, err := s.EndOutputs(context.Background(), uuid.New())
	require.ErrorIs(t, err, model.ErrNotFound)
}
