package events

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestPublishReceiveInOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{})
	sub := f.hub.SubscribeExecution("e1")

	var batch []Event
	for i := int64(1); i <= 100; i++ {
		batch = append(batch, ev("e1", "g1", i))
	}
	f.publish(t, batch...)
	for i := int64(101); i <= 120; i++ {
		f.publish(t, ev("e1", "g1", i))
	}
	for i := int64(1); i <= 120; i++ {
		got := recv(t, sub)
		require.Equal(t, i, got.Seq)
		if i <= 100 {
			want := batch[i-1]
			require.JSONEq(t, string(want.Value), string(got.Value))
			got.Value, want.Value = nil, nil
			require.True(t, want.At.Equal(got.At))
			got.At = want.At
			require.Equal(t, want, got)
		}
	}
	noResync(t, sub)
	require.EqualValues(t, 120, f.hub.Delivered())
	require.Zero(t, f.hub.Dropped())
}

func TestExecutionAndGraphRouting(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{})
	exec1 := f.hub.SubscribeExecution("e1")
	graph1 := f.hub.SubscribeGraph("g1")
	graph2 := f.hub.SubscribeGraph("g2")

	f.publish(t, graphEv("e1", "g1", 1, "RUNNING"), ev("e2", "g1", 1), graphEv("e2", "g1", 2, "RUNNING"),
		graphEv("e3", "g2", 1, "RUNNING"), ev("e1", "g1", 2), graphEv("e1", "g1", 3, "COMPLETED"))

	for seq := int64(1); seq <= 3; seq++ {
		got := recv(t, exec1)
		require.Equal(t, "e1", got.ExecutionID)
		require.Equal(t, seq, got.Seq)
	}

	// Graph channels carry status changes only, in publish order.
	for _, want := range []struct {
		exec string
		seq  int64
	}{{"e1", 1}, {"e2", 2}, {"e1", 3}} {
		got := recv(t, graph1)
		require.Equal(t, want.exec, got.ExecutionID)
		require.Equal(t, want.seq, got.Seq)
		require.Equal(t, KindGraphStatus, got.Kind)
	}
	got := recv(t, graph2)
	require.Equal(t, "e3", got.ExecutionID)

	// The last event (e1 seq 3) has been received everywhere it belongs, so
	// anything misrouted before it would be buffered by now.
	requireEmpty(t, exec1)
	requireEmpty(t, graph1)
	requireEmpty(t, graph2)
}

func TestBatchedMessagesKeepOrderAndBounds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{Buffer: 1024})
	a := f.hub.SubscribeExecution("ea")
	b := f.hub.SubscribeExecution("eb")

	// Interleaved executions, more events than one message holds.
	var batch []Event
	for i := int64(1); i <= 3*maxMessageEvents; i++ {
		batch = append(batch, ev("ea", "g1", i), ev("eb", "g1", i))
	}
	f.publish(t, batch...)
	for i := int64(1); i <= 3*maxMessageEvents; i++ {
		require.Equal(t, i, recv(t, a).Seq)
		require.Equal(t, i, recv(t, b).Seq)
	}

	// Raw payloads: a lone event is an object, several are one array, and no
	// message exceeds its bounds.
	ps := f.rdb.PSubscribe(context.Background(), f.name+":exec:*")
	t.Cleanup(func() { _ = ps.Close() })
	_, err := ps.Receive(context.Background())
	require.NoError(t, err)
	big := func(seq int64) Event {
		e := ev("ec", "g1", seq)
		e.Value = []byte(`"` + strings.Repeat("x", DefaultMaxInlineValue-2) + `"`)
		return e
	}
	f.publish(t, ev("ec", "g1", 1))
	f.publish(t, ev("ec", "g1", 2), ev("ec", "g1", 3))
	var bigs []Event
	for i := int64(4); i < 24; i++ {
		bigs = append(bigs, big(i))
	}
	f.publish(t, bigs...)
	next := func() *redis.Message {
		m, err := ps.ReceiveMessage(context.Background())
		require.NoError(t, err)
		return m
	}
	require.Equal(t, byte('{'), next().Payload[0])
	m := next()
	require.Equal(t, byte('['), m.Payload[0])
	evs, err := Decode([]byte(m.Payload))
	require.NoError(t, err)
	require.Len(t, evs, 2)
	require.Equal(t, int64(3), evs[1].Seq)
	seq := int64(4)
	for seq < 24 {
		m := next()
		require.LessOrEqual(t, len(m.Payload), maxMessageBytes+2)
		evs, err := Decode([]byte(m.Payload))
		require.NoError(t, err)
		for _, e := range evs {
			require.Equal(t, seq, e.Seq)
			seq++
		}
	}
}

func TestCallbackSubscription(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{})
	got := make(chan *Event, 100)
	sub := f.hub.SubscribeExecutionFunc("e1", func(e *Event) { got <- e })
	f.publish(t, ev("e1", "g1", 1), ev("e2", "g1", 1), ev("e1", "g1", 2))
	for seq := int64(1); seq <= 2; seq++ {
		select {
		case e := <-got:
			require.Equal(t, seq, e.Seq)
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
	}

	// A reconnect calls fn(nil).
	id, ok := f.pubsubConnID(t)
	require.True(t, ok)
	require.NoError(t, f.rdb.ClientKillByFilter(context.Background(), "ID", strconv.FormatInt(id, 10)).Err())
	select {
	case e := <-got:
		require.Nil(t, e, "resync")
	case <-time.After(10 * time.Second):
		t.Fatal("no resync")
	}

	// Never called once Close has returned.
	sub.Close()
	other := f.hub.SubscribeExecution("e1")
	f.publish(t, ev("e1", "g1", 3))
	require.Equal(t, int64(3), recv(t, other).Seq) // dispatched, and not to fn
	require.Empty(t, got)
}

func TestNoCrossTalkBetweenExecutions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{})
	a := f.hub.SubscribeExecution("exec-a")
	b := f.hub.SubscribeExecution("exec-b")
	// A prefix-sharing ID must not match: routing is by exact channel name.
	ab := f.hub.SubscribeExecution("exec-a-b")

	for i := int64(1); i <= 10; i++ {
		f.publish(t, ev("exec-b", "g", i), ev("exec-a", "g", i))
	}
	f.publish(t, ev("exec-a-b", "g", 1))
	for i := int64(1); i <= 10; i++ {
		got := recv(t, a)
		require.Equal(t, "exec-a", got.ExecutionID)
		require.Equal(t, i, got.Seq)
		got = recv(t, b)
		require.Equal(t, "exec-b", got.ExecutionID)
		require.Equal(t, i, got.Seq)
	}
	require.Equal(t, "exec-a-b", recv(t, ab).ExecutionID)
	requireEmpty(t, a)
	requireEmpty(t, b)
	requireEmpty(t, ab)
}

func TestSlowSubscriberDropsAndResyncsWithoutBlockingOthers(t *testing.T) {
	t.Parallel()
	const buffer, total = 8, 200
	f := newFixture(t, HubOptions{Buffer: buffer})
	slow := f.hub.SubscribeExecution("e1") // never reads until the end
	fast := f.hub.SubscribeExecution("e1")
	other := f.hub.SubscribeExecution("e2")

	// Batches of `buffer` events, each read completely by the fast subscriber
	// before the next is sent: its buffer never overflows, while the slow
	// one's overflows from the second batch on. If the hub's reader blocked on
	// the full slow subscriber, the fast one would stall and time out.
	for i := int64(1); i <= total; i += buffer {
		var batch []Event
		for j := i; j < i+buffer; j++ {
			batch = append(batch, ev("e1", "g1", j))
		}
		f.publish(t, batch...)
		for j := i; j < i+buffer; j++ {
			require.Equal(t, j, recv(t, fast).Seq)
		}
	}
	noResync(t, fast)

	// Other executions are unaffected too.
	f.publish(t, ev("e2", "g1", 1))
	require.Equal(t, "e2", recv(t, other).ExecutionID)

	// The slow subscriber kept the first `buffer` events and was told to resync.
	waitResync(t, slow)
	for i := int64(1); i <= buffer; i++ {
		require.Equal(t, i, recv(t, slow).Seq)
	}
	requireEmpty(t, slow)
	require.EqualValues(t, total-buffer, f.hub.Dropped())
	require.EqualValues(t, total+buffer+1, f.hub.Delivered())

	// Having drained, it continues with new events.
	f.publish(t, ev("e1", "g1", total+1))
	require.Equal(t, int64(total+1), recv(t, slow).Seq)
	require.Equal(t, int64(total+1), recv(t, fast).Seq)
}

func TestReconnectSignalsResyncAndDeliveryContinues(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{})
	exec := f.hub.SubscribeExecution("e1")
	graph := f.hub.SubscribeGraph("g1")

	f.publish(t, graphEv("e1", "g1", 1, "RUNNING"))
	require.Equal(t, int64(1), recv(t, exec).Seq)
	require.Equal(t, int64(1), recv(t, graph).Seq)

	// Kill only this hub's connection (CLIENT KILL TYPE pubsub would disturb
	// the other parallel tests).
	id, ok := f.pubsubConnID(t)
	require.True(t, ok, "hub's pubsub connection not found")
	require.NoError(t, f.rdb.ClientKillByFilter(context.Background(), "ID", strconv.FormatInt(id, 10)).Err())

	waitResync(t, exec)
	waitResync(t, graph)
	require.True(t, f.hub.Ready())
	require.EqualValues(t, 1, f.hub.Reconnects())
	newID, ok := f.pubsubConnID(t)
	require.True(t, ok)
	require.NotEqual(t, id, newID)

	// Resync is raised only once the new subscription is confirmed, so this
	// publish cannot fall into the gap.
	f.publish(t, graphEv("e1", "g1", 2, "COMPLETED"))
	require.Equal(t, int64(2), recv(t, exec).Seq)
	require.Equal(t, int64(2), recv(t, graph).Seq)
}

func TestClosedPubSubIsReplaced(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{})
	sub := f.hub.SubscribeExecution("e1")

	f.hub.closeCurrent() // what the watchdog does to a silent connection
	waitResync(t, sub)
	require.True(t, f.hub.Ready())
	require.EqualValues(t, 1, f.hub.Reconnects())

	f.publish(t, ev("e1", "g1", 1))
	require.Equal(t, int64(1), recv(t, sub).Seq)
}

func TestHealthCheckPingsKeepConnection(t *testing.T) {
	t.Parallel()
	// Long enough that a loaded CI machine's scheduling delays do not look
	// like a silent connection (the watchdog allows two intervals).
	f := newFixture(t, HubOptions{HealthCheck: 250 * time.Millisecond})
	sub := f.hub.SubscribeExecution("e1")
	require.Eventually(t, func() bool { return f.hub.pongs.Load() >= 2 }, waitTimeout, 5*time.Millisecond)
	noResync(t, sub)
	require.Zero(t, f.hub.Reconnects())
	f.publish(t, ev("e1", "g1", 1))
	require.Equal(t, int64(1), recv(t, sub).Seq)
}

func TestStartReturnsOnceSubscribed(t *testing.T) {
	t.Parallel()
	f := newStoppedFixture(t, HubOptions{})
	early := f.hub.SubscribeExecution("e1") // before Start: it may have missed events
	require.False(t, f.hub.Ready())
	_, ok := f.pubsubConnID(t)
	require.False(t, ok)

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, f.hub.Start(ctx))
	require.True(t, f.hub.Ready())
	_, ok = f.pubsubConnID(t)
	require.True(t, ok, "Redis must already count the pattern subscription")
	waitResync(t, early)

	late := f.hub.SubscribeExecution("e1")
	f.publish(t, ev("e1", "g1", 1)) // immediately, no settling
	require.Equal(t, int64(1), recv(t, late).Seq)
	require.Equal(t, int64(1), recv(t, early).Seq)
	noResync(t, late)

	require.Error(t, f.hub.Start(ctx), "second Start")
}

func TestStartGivesUpWithContext(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	hub := NewHub(rdb, uniqueName(t)+":", nil, HubOptions{MaxBackoff: 20 * time.Millisecond})
	t.Cleanup(hub.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, hub.Start(ctx), context.DeadlineExceeded)
	require.False(t, hub.Ready())
}

func TestStopAbortsStart(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	hub := NewHub(rdb, uniqueName(t)+":", nil, HubOptions{MaxBackoff: 20 * time.Millisecond})
	errc := make(chan error, 1)
	go func() { errc <- hub.Start(context.Background()) }()
	hub.Stop()
	select {
	case err := <-errc:
		require.Error(t, err)
	case <-time.After(waitTimeout):
		t.Fatal("Start not aborted by Stop")
	}
}

func TestStopClosesSubscriptions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{})
	a := f.hub.SubscribeExecution("e1")
	b := f.hub.SubscribeGraph("g1")

	f.hub.Stop()
	f.hub.Stop() // idempotent
	waitClosed(t, a)
	waitClosed(t, b)
	a.Close() // still safe
	require.False(t, f.hub.Ready())

	late := f.hub.SubscribeExecution("e1")
	waitClosed(t, late)
	require.ErrorIs(t, f.hub.Start(context.Background()), ErrHubStopped)
	_, ok := f.pubsubConnID(t)
	require.False(t, ok, "Redis subscription must be gone")
}

func TestSubscriptionClose(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{})
	gone := f.hub.SubscribeExecution("e1")
	stays := f.hub.SubscribeExecution("e1")
	gone.Close()
	gone.Close()
	waitClosed(t, gone)

	f.publish(t, ev("e1", "g1", 1))
	require.Equal(t, int64(1), recv(t, stays).Seq)
	stays.Close()

	f.hub.mu.RLock()
	defer f.hub.mu.RUnlock()
	require.Empty(t, f.hub.subs)
}

// ObserveLag sees every event routed to a local subscriber, with how long
// after its change the hub routed it; events nobody here listens to are
// not decoded, so not observed.
func TestObserveLag(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var lags []time.Duration
	f := newFixture(t, HubOptions{ObserveLag: func(d time.Duration) {
		mu.Lock()
		lags = append(lags, d)
		mu.Unlock()
	}})
	sub := f.hub.SubscribeExecution("e1")
	old := ev("e1", "g1", 1)
	old.At = old.At.Add(-time.Minute) // a change a minute before it was published
	f.publish(t, ev("elsewhere", "g1", 1))
	f.publish(t, old, ev("e1", "g1", 2))
	recv(t, sub)
	recv(t, sub)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, lags, 2)
	require.GreaterOrEqual(t, lags[0], time.Minute)
	require.Less(t, lags[1], time.Minute)
	require.GreaterOrEqual(t, lags[1], time.Duration(0))
}
