package livestream_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/livestream"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// waitTimeout bounds every wait on a signal; tests never sleep.
const waitTimeout = 10 * time.Second

// owner is the lease owner the tests write runs as, like an engine worker.
const owner = "livestream-test"

// fixture is one test's real store (the package's database), real hub on
// its own Redis prefix, and the publisher the engine would use.
type fixture struct {
	t     *testing.T
	store *db.Store
	hub   *events.Hub
	pub   *events.Publisher
	rdb   *redis.Client // the hub's client, named so the test can find its connection
	name  string
}

var syncBlocks sync.Once

func setup(t *testing.T) *fixture {
	t.Helper()
	store := db.New(testenv.Postgres(t))
	syncBlocks.Do(func() {
		require.NoError(t, graphs.New(store, blocks.Builtin()).SyncBlocks(context.Background()))
	})
	rdb, prefix := testenv.Redis(t)
	opt, err := redis.ParseURL(testenv.RedisURL())
	require.NoError(t, err)
	name := "livestream-" + testenv.RandomSuffix(6)
	opt.ClientName = name
	hubClient := redis.NewClient(opt)
	t.Cleanup(func() { _ = hubClient.Close() })
	hub := events.NewHub(hubClient, prefix, nil, events.HubOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, hub.Start(ctx))
	t.Cleanup(hub.Stop)
	return &fixture{t: t, store: store, hub: hub, pub: events.NewPublisher(rdb, prefix), rdb: hubClient, name: name}
}

// noQuiet keeps the quiet check out of a test: what it checks must be
// recovered by the mechanism under test, not by the check's re-read.
var noQuiet = livestream.Options{QuietCheck: time.Hour}

func (f *fixture) streams(opts livestream.Options) *livestream.Streams {
	return livestream.New(f.store, f.hub, opts)
}

// user stores a user.
func (f *fixture) user() *model.User {
	f.t.Helper()
	u, err := f.store.UserCreate(context.Background(),
		db.NewUser{Email: "u" + testenv.RandomSuffix(6) + "@example.com"})
	require.NoError(f.t, err)
	return u
}

// graph stores a one-node graph of u's.
func (f *fixture) graph(u *model.User) *model.FullGraph {
	f.t.Helper()
	b, ok := blocks.Builtin().ByName("StoreValueBlock")
	require.True(f.t, ok)
	spec := &model.GraphSpec{Name: "g-" + testenv.RandomSuffix(6),
		Nodes: []model.NodeSpec{{Key: "n", BlockID: b.Info().ID}}}
	fg, err := f.store.GraphSaveSpec(context.Background(), u.ID, spec, db.GraphSave{Activate: true})
	require.NoError(f.t, err)
	return fg
}

// run is a stored run as the engine holds it, and what it has committed.
type run struct {
	f     *fixture
	exec  *model.GraphExecution
	node  uuid.UUID
	seq   int64
	state model.Status
	// outputs are stored with the final status, as the engine stores the
	// run's outputs when it ends.
	outputs json.RawMessage
}

// start stores a RUNNING run of g by u, claimed by owner: seq 2 (QUEUED
// and RUNNING), as a worker that submits a run leaves it.
func (f *fixture) start(g *model.FullGraph, u *model.User) *run {
	f.t.Helper()
	_, cl, err := f.store.ExecutionInsertClaimed(context.Background(),
		[]db.NewExecution{{ID: uuid.New(), GraphID: g.ID, GraphVersion: g.Version, UserID: u.ID}}, owner, 60)
	require.NoError(f.t, err)
	e := cl[0].Exec
	require.EqualValues(f.t, 2, e.LastSeq)
	return &run{f: f, exec: e, node: g.Nodes[0].ID, seq: e.LastSeq, state: e.Status}
}

// commit advances the stored run by n events, as an engine commit does,
// ending it with status when set; it inserts one node execution per event
// so a snapshot shows what it covers. It publishes nothing: it returns the
// events, for the test to publish (or to lose).
func (r *run) commit(n int, status model.Status) []events.Event {
	r.f.t.Helper()
	b := &db.ExecutionBatch{Owner: owner, LeaseSeconds: 60}
	w := db.RunWrite{ID: r.exec.ID, PrevSeq: r.seq, LastSeq: r.seq + int64(n)}
	var evs []events.Event
	now := time.Now().UTC()
	for i := range n {
		seq := r.seq + int64(i) + 1
		ev := events.Event{ExecutionID: r.exec.ID.String(), GraphID: r.exec.GraphID.String(), UserID: r.exec.UserID.String(),
			Seq: seq, At: now}
		if status != "" && i == n-1 {
			w.PrevStatus, w.Status, w.Release, w.Outputs = r.state, status, true, r.outputs
			ev.Kind, ev.Status = events.KindGraphStatus, string(status)
		} else {
			id := uuid.New()
			b.Nodes = append(b.Nodes, db.NodeExecutionWrite{Insert: true, ID: id, GraphExecutionID: r.exec.ID,
				NodeID: r.node, Status: model.StatusCompleted, Inputs: []byte(`{}`), CreatedAt: now, StartedAt: &now, EndedAt: &now})
			ev.Kind, ev.NodeID, ev.NodeExecutionID, ev.Pin = events.KindNodeOutput, r.node.String(), id.String(), "output"
			ev.Value = []byte(strconv.FormatInt(seq, 10))
		}
		evs = append(evs, ev)
	}
	b.Runs = []db.RunWrite{w}
	_, err := r.f.store.ExecutionApplyBatch(context.Background(), b)
	require.NoError(r.f.t, err)
	r.seq += int64(n)
	if status != "" {
		r.state = status
	}
	return evs
}

// publish sends evs as the engine does after its commit, and waits until
// the hub has handed the last one to every subscriber of its run that was
// subscribed before (a fence subscription, registered now, sees it after
// them: the hub delivers one event to a channel's subscribers in the order
// they subscribed).
func (f *fixture) publish(evs ...events.Event) {
	f.t.Helper()
	last := evs[len(evs)-1]
	fence := f.hub.SubscribeExecution(last.ExecutionID)
	defer fence.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(f.t, f.pub.Publish(ctx, evs...))
	for {
		select {
		case ev := <-fence.C:
			if ev.Seq == last.Seq && ev.Kind == last.Kind {
				return
			}
		case <-time.After(waitTimeout):
			f.t.Fatalf("event seq %d never reached the hub", last.Seq)
		}
	}
}

// killHubConnection drops the hub's Redis connection (only this test's:
// CLIENT KILL TYPE pubsub would disturb every other test) and returns once
// the hub has subscribed again, so what is published next is not lost.
func (f *fixture) killHubConnection() {
	f.t.Helper()
	watch := f.hub.SubscribeExecution(uuid.NewString())
	defer watch.Close()
	list, err := f.rdb.ClientList(context.Background()).Result()
	require.NoError(f.t, err)
	for _, line := range strings.Split(list, "\n") {
		fields := map[string]string{}
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			fields[k] = v
		}
		if fields["name"] == f.name && fields["psub"] == "1" {
			require.NoError(f.t, f.rdb.ClientKillByFilter(context.Background(), "ID", fields["id"]).Err())
			select {
			case <-watch.Resync: // raised once the new subscription is confirmed
			case <-time.After(waitTimeout):
				f.t.Fatal("the hub did not subscribe again")
			}
			return
		}
	}
	f.t.Fatal("the hub's pubsub connection was not found")
}

// item is one value a sink took.
type item struct {
	snap *model.ExecutionSnapshot
	ev   *events.Event
	end  bool
}

// sink records what a run stream hands over. It never blocks (its buffer
// outlasts any test), as a RunSink must not.
type sink struct {
	t      *testing.T
	items  chan item
	refuse atomic.Bool // Event refuses: a consumer too far behind
}

func newSink(t *testing.T) *sink { return &sink{t: t, items: make(chan item, 10000)} }

func (s *sink) Snapshot(snap *model.ExecutionSnapshot) { s.items <- item{snap: snap} }

func (s *sink) Event(ev *events.Event) bool {
	if s.refuse.Load() {
		return false
	}
	s.items <- item{ev: ev}
	return true
}

func (s *sink) End() { s.items <- item{end: true} }

func (s *sink) next() item {
	s.t.Helper()
	select {
	case it := <-s.items:
		return it
	case <-time.After(waitTimeout):
		s.t.Fatal("the stream handed over nothing")
		return item{}
	}
}

// snapshot expects a snapshot covering up to seq, in status.
func (s *sink) snapshot(seq int64, status model.Status) *model.ExecutionSnapshot {
	s.t.Helper()
	it := s.next()
	require.NotNil(s.t, it.snap, "want a snapshot at seq %d, got %+v", seq, it)
	require.Equal(s.t, seq, it.snap.Execution.LastSeq)
	require.Equal(s.t, status, it.snap.Execution.Status)
	return it.snap
}

// events expects the events of seqs, in order.
func (s *sink) events(seqs ...int64) {
	s.t.Helper()
	for _, seq := range seqs {
		it := s.next()
		require.NotNil(s.t, it.ev, "want event seq %d, got %+v", seq, it)
		require.Equal(s.t, seq, it.ev.Seq)
	}
}

func (s *sink) end() {
	s.t.Helper()
	it := s.next()
	require.True(s.t, it.end, "want the end, got %+v", it)
}

// empty asserts nothing more was handed over. Callers first publish a
// later event and wait for it (fixture.publish): anything the stream would
// have handed over for it is there by then.
func (s *sink) empty() {
	s.t.Helper()
	select {
	case it := <-s.items:
		s.t.Fatalf("unexpected %+v", it)
	default:
	}
}
