package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const waitTimeout = 5 * time.Second

// uniqueName isolates a test: pub/sub ignores the DB index, so every test
// uses its own channel prefix (and Redis client name, to find its connection).
func uniqueName(t testing.TB) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "evtest-" + hex.EncodeToString(b)
}

func redisClient(t testing.TB, name string) *redis.Client {
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	opt, err := redis.ParseURL(url)
	require.NoError(t, err)
	opt.ClientName = name
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	require.NoError(t, rdb.Ping(context.Background()).Err(), "redis at %s", url)
	return rdb
}

type fixture struct {
	name string
	rdb  *redis.Client
	hub  *Hub
	pub  *Publisher
}

// newFixture returns a started hub and a publisher sharing a fresh prefix.
func newFixture(t testing.TB, opts HubOptions) *fixture {
	f := newStoppedFixture(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, f.hub.Start(ctx))
	return f
}

func newStoppedFixture(t testing.TB, opts HubOptions) *fixture {
	name := uniqueName(t)
	rdb := redisClient(t, name)
	prefix := name + ":"
	hub := NewHub(rdb, prefix, nil, opts)
	t.Cleanup(hub.Stop)
	return &fixture{name: name, rdb: rdb, hub: hub, pub: NewPublisher(rdb, prefix)}
}

func (f *fixture) publish(t testing.TB, evs ...Event) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, f.pub.Publish(ctx, evs...))
}

// pubsubConnID finds the hub's subscriber connection among the server's clients.
func (f *fixture) pubsubConnID(t testing.TB) (int64, bool) {
	list, err := f.rdb.ClientList(context.Background()).Result()
	require.NoError(t, err)
	for _, line := range strings.Split(list, "\n") {
		fields := map[string]string{}
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			fields[k] = v
		}
		if fields["name"] == f.name && fields["psub"] == "1" {
			id, err := strconv.ParseInt(fields["id"], 10, 64)
			require.NoError(t, err)
			return id, true
		}
	}
	return 0, false
}

func ev(exec, graph string, seq int64) Event {
	return Event{
		ExecutionID: exec,
		GraphID:     graph,
		UserID:      "u1",
		Seq:         seq,
		Kind:        KindNodeOutput,
		NodeID:      "n1",
		Pin:         "out",
		Value:       []byte(fmt.Sprintf(`{"i":%d}`, seq)),
		At:          time.Now().UTC().Truncate(time.Microsecond),
	}
}

// graphEv is a GRAPH_STATUS event: the only kind graph channels carry.
func graphEv(exec, graph string, seq int64, status string) Event {
	e := ev(exec, graph, seq)
	e.Kind, e.Status, e.NodeID, e.Pin, e.Value = KindGraphStatus, status, "", "", nil
	return e
}

func recv(t testing.TB, s *Subscription) Event {
	t.Helper()
	select {
	case e, ok := <-s.C:
		require.True(t, ok, "subscription closed")
		return *e
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for an event")
		return Event{}
	}
}

func waitResync(t testing.TB, s *Subscription) {
	t.Helper()
	select {
	case <-s.Resync:
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for Resync")
	}
}

func waitClosed(t testing.TB, s *Subscription) {
	t.Helper()
	for {
		select {
		case _, ok := <-s.C:
			if !ok {
				return
			}
		case <-time.After(waitTimeout):
			t.Fatal("subscription not closed")
		}
	}
}

// requireEmpty asserts nothing is buffered. Callers first receive a later
// "fence" event on the same hub: the hub reads one connection in order, so
// anything misrouted would already be buffered.
func requireEmpty(t testing.TB, s *Subscription) {
	t.Helper()
	select {
	case e := <-s.C:
		t.Fatalf("unexpected event %+v", e)
	default:
	}
}

func noResync(t testing.TB, s *Subscription) {
	t.Helper()
	select {
	case <-s.Resync:
		t.Fatal("unexpected Resync")
	default:
	}
}
