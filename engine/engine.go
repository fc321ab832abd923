package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"golang.org/x/sync/singleflight"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/batch"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Publisher sends committed events to subscribers (events.Publisher).
type Publisher interface {
	Publish(ctx context.Context, evs ...events.Event) error
}

// PartialPublisher is a Publisher that also keeps each streaming node's
// text so far, for subscribers that join mid-stream (events.Publisher; see
// internal/events/partial.go). Without it, deltas are only published.
type PartialPublisher interface {
	// DeliverDelta hands a delta to this process's subscribers at once;
	// SendDeltas sends deltas through Redis (partial text, other
	// processes), in order, in one round trip.
	DeliverDelta(ev events.Event) error
	SendDeltas(ctx context.Context, ds ...events.Delta) error
	EndPartial(ctx context.Context, executionID, nodeExecutionID string, pins []string) error
}

// DefaultMaxAINodes is Options.MaxAINodes's default: issue 12's 2,000
// model calls in flight on one process, at about 60 KiB each.
const DefaultMaxAINodes = 2048

// DefaultMaxNodeExecutions is Options.MaxNodeExecutions's default.
const DefaultMaxNodeExecutions = 100_000

// WorkerGCPercent is the GOGC every process running engine workers (serve
// with workers, worker, the benchmarks) runs with unless GOGC is set: the
// engine allocates many short-lived objects per node execution (events, row
// encodings), and at the default 100 the collector runs so often that it
// takes a large share of the CPU and empties the buffer pools between
// batches. Heap in the bench stays well under 100 MB.
const WorkerGCPercent = 400

// Options tune an Engine; zero values take the defaults noted.
type Options struct {
	Owner          string // lease owner id (default host-pid-random)
	MaxRuns        int    // top-level runs held at once (default 64)
	MaxRunsPerUser int    // running runs per user across all workers (0 = no limit)
	MaxNodes       int    // plain blocks running at once in this engine (default 128)
	// MaxAINodes bounds the AI blocks running at once in this engine
	// (default 2048): they wait on a model, in a lane of their own beside
	// MaxNodes (pool.go).
	MaxAINodes int
	// MaxNodeExecutions bounds one run's node executions (default 100,000):
	// a block yielding without end (or a huge list stepped through) would
	// otherwise grow the run's memory and its rows until the worker fails.
	MaxNodeExecutions int
	LeaseDuration     time.Duration // default 10s
	HeartbeatInterval time.Duration // default LeaseDuration/3
	PollInterval      time.Duration // claim poll when no notification arrives (default 1s)
	ShutdownGrace     time.Duration // how long Stop lets running blocks finish (default 15s)
	RunTimeout        time.Duration // a run's wall-clock limit from its start (default 1h; <0 none)
	NodeTimeout       time.Duration // one block run's limit (default 10m; <0 none)
	Writers           int           // group-commit writers, runs sharded by id (default 2)
	Strict            bool          // every node waits until its inputs are committed
	// AllowPrivateNetwork lets network blocks reach loopback and private
	// addresses (blocks/netguard.go); off, users' requests cannot reach the
	// deployment's own network.
	AllowPrivateNetwork bool
	Clock               func() time.Time
	// OnRunStart, if set, is called when this engine starts a run it
	// claimed (children included): resumed is false for a run it moved from
	// QUEUED to RUNNING, true for one it took over from another worker (whose
	// lease expired, or that handed it back on shutdown). It must not block.
	OnRunStart func(executionID uuid.UUID, resumed bool)
	// OnRunEnd, if set, is called once a run's terminal status is committed
	// (not when a run is handed back or abandoned). It must not block.
	OnRunEnd func(executionID uuid.UUID, status model.Status)
	// OnNodeEnd, if set, is called when a block run ends (COMPLETED, FAILED
	// or TIMEOUT; CANCELLED when its run's end interrupted it), with the
	// block's name, how long it ran and the credits it cost (its charge
	// less what was released of its reservation; the commit that writes
	// its end writes that release): the engine's per-block metrics. It
	// runs under the run's lock and must not block.
	OnNodeEnd func(block string, status model.Status, seconds float64, credits int64)
	// Credentials, if set, gives a block run the user's decrypted
	// credentials for the providers its block declares.
	Credentials func(ctx context.Context, userID uuid.UUID, providers []string) (map[string]blocks.Credential, error)
	// CredentialByID, if set, gives a block run the credential its node's
	// `credentials` input names (blocks.Info.Credentials), decrypted and
	// refreshed when due; its error (deleted, refused) fails the node.
	CredentialByID func(ctx context.Context, userID uuid.UUID, id string) (blocks.Credential, error)
	// CheckCredentials, if set, is asked at submit whether the user's
	// credentials meet the graph's needs (one per node of a block that
	// declares Info.Credentials); its error refuses the run.
	CheckCredentials func(ctx context.Context, userID uuid.UUID, needs []blocks.CredentialNeed) error
	// Costs, if set, gives the block costs in force; by default the
	// operator-set ones from the database (costcache.go), else the code's.
	Costs CostSource
	// Tracer, if set, traces runs and block runs (trace.go) and has each
	// submitted run store its trace context; nil: no tracing at all.
	Tracer trace.Tracer
}

// CostSource gives a block's costs in force; code is the block's costs as
// the code defines them, the answer when nothing overrides them. It is
// called on the hot path and must answer from memory.
type CostSource interface {
	For(blockID string, code []blocks.Cost) []blocks.Cost
}

func (o *Options) defaults() {
	if o.Owner == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		o.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if o.MaxRuns <= 0 {
		o.MaxRuns = 64
	}
	if o.MaxNodeExecutions <= 0 {
		o.MaxNodeExecutions = DefaultMaxNodeExecutions
	}
	if o.MaxNodes <= 0 {
		o.MaxNodes = 128
	}
	if o.MaxAINodes <= 0 {
		o.MaxAINodes = DefaultMaxAINodes
	}
	if o.LeaseDuration <= 0 {
		o.LeaseDuration = 10 * time.Second
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = o.LeaseDuration / 3
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = 15 * time.Second
	}
	if o.RunTimeout == 0 {
		o.RunTimeout = time.Hour
	}
	if o.NodeTimeout == 0 {
		o.NodeTimeout = 10 * time.Minute
	}
	if o.Writers <= 0 {
		o.Writers = 2
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
}

// Engine submits, runs and cancels graph executions.
type Engine struct {
	store *db.Store
	reg   *blocks.Registry
	pub   Publisher
	log   *slog.Logger
	opts  Options

	mu   sync.Mutex
	runs map[uuid.UUID]*run // every run this engine holds (children included)
	// starting holds runs between their claim and their entry in runs: a
	// run claimed twice here (the claim loop and a cancel's takeover racing
	// for a handed-back run) must be started once.
	starting map[uuid.UUID]bool
	graphs   map[model.GraphKey]*graph
	// compiling collapses concurrent loads of one graph version.
	compiling singleflight.Group
	topRuns   int
	// claiming: a claim query holds the free slots it may fill; claimDone
	// (on mu) is broadcast when it gives the unused ones back.
	claiming  bool
	claimDone *sync.Cond
	inserts   batch.Batcher[submitReq] // concurrent local submits share one insert
	targets   batch.Batcher[targetReq] // and one read of what they check
	started   bool
	stopping  bool
	draining  bool // Stop: no new node starts

	writers []*writer
	events  *eventQueue
	pool    *nodePool
	credits *creditHints // balances last seen, for charges riding their node's commit

	wake chan struct{}
	// queueDrained: the last claim found fewer runnable runs than it had
	// room for and no new run was signalled since, so a freed slot need not
	// trigger a claim (the poll still finds expired leases).
	queueDrained atomic.Bool
	ctx          context.Context // engine lifetime (loops)
	cancel       context.CancelFunc
	wg           sync.WaitGroup
	stopOnce     sync.Once
}

// New builds an engine. pub may be nil (events are then dropped).
func New(store *db.Store, reg *blocks.Registry, pub Publisher, logger *slog.Logger, opts Options) *Engine {
	opts.defaults()
	if opts.Costs == nil && store != nil {
		opts.Costs = &storeCosts{store: store}
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Engine{store: store, reg: reg, pub: pub, log: logger.With("component", "engine", "owner", opts.Owner),
		opts: opts, runs: map[uuid.UUID]*run{}, starting: map[uuid.UUID]bool{}, graphs: map[model.GraphKey]*graph{}, wake: make(chan struct{}, 1)}
	e.claimDone = sync.NewCond(&e.mu)
	e.inserts.Run = e.insertBatch
	e.targets.Run = e.lookupBatch
	e.events = newEventQueue(e)
	e.pool = newNodePool(e)
	e.credits = newCreditHints()
	for i := 0; i < opts.Writers; i++ {
		e.writers = append(e.writers, newWriter(e))
	}
	return e
}

// Owner is the engine's lease owner id.
func (e *Engine) Owner() string { return e.opts.Owner }

// Start launches the writers, the event publisher, the block pool and the
// claim, heartbeat and notification loops. It returns at once.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return fmt.Errorf("engine: already started")
	}
	e.started = true
	e.ctx, e.cancel = context.WithCancel(context.WithoutCancel(ctx))
	for _, w := range e.writers {
		e.wg.Add(1)
		go func() { defer e.wg.Done(); w.loop() }()
	}
	e.wg.Add(4)
	go func() { defer e.wg.Done(); e.events.loop(e.ctx) }()
	go func() { defer e.wg.Done(); e.claimLoop() }()
	go func() { defer e.wg.Done(); e.heartbeatLoop() }()
	go func() { defer e.wg.Done(); e.listenLoop() }()
	e.pool.start(e.opts.MaxNodes, e.opts.MaxAINodes)
	return nil
}

// Stop shuts the engine down in two stages, riverqueue-style: it stops
// claiming and starting blocks at once, lets running blocks finish for up to
// ShutdownGrace (their outputs are committed, so their work is not lost),
// then cancels what still runs and hands every held run back by clearing
// its lease, so another worker resumes it immediately. Idempotent.
func (e *Engine) Stop() {
	e.stopOnce.Do(func() {
		e.mu.Lock()
		if !e.started {
			e.mu.Unlock()
			return
		}
		e.stopping, e.draining = true, true
		e.claimDone.Broadcast() // local submits waiting for a claim give up
		e.mu.Unlock()
		deadline := time.After(e.opts.ShutdownGrace)
	wait:
		for e.pool.busy() > 0 {
			select {
			case <-deadline:
				break wait
			case <-e.pool.idleSignal():
			}
		}
		// Hand back: stop every run locally without writing a terminal status.
		e.mu.Lock()
		held := make([]*run, 0, len(e.runs))
		for _, r := range e.runs {
			held = append(held, r)
		}
		e.mu.Unlock()
		for _, w := range e.writers {
			w.flushNow()
		}
		ids := make([]uuid.UUID, 0, len(held))
		for _, r := range held {
			if r.abandon("worker shutting down") {
				ids = append(ids, r.id)
			}
		}
		if len(ids) > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := e.store.ExecutionRelease(ctx, e.opts.Owner, ids); err != nil {
				e.log.Warn("releasing leases", "err", err)
			}
			cancel()
		}
		e.cancel()
		for _, w := range e.writers {
			w.close()
		}
		e.pool.stop()
		e.wg.Wait()
	})
}

func (e *Engine) now() time.Time { return e.opts.Clock() }

// wakeClaimer: new runs may be claimable.
func (e *Engine) wakeClaimer() {
	e.queueDrained.Store(false)
	e.signalClaimer()
}

// slotFreed: a run ended; claim only if runnable runs may be waiting. With
// a per-user limit a run left QUEUED may have become claimable, so always.
func (e *Engine) slotFreed() {
	if e.opts.MaxRunsPerUser > 0 || !e.queueDrained.Load() {
		e.signalClaimer()
	}
}

func (e *Engine) signalClaimer() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// writerFor picks a run's writer. A run that may charge commits through
// its user's writer: one user's charges are then committed in the order
// they were queued, so a charge queued after another is never committed
// before it (run.charge counts on that: an upfront charge must find the
// credits it was counted against). Any other run goes by its own id,
// spreading one user's free runs over every writer. (Costs set while it
// runs may make a free run charge on another writer: an upfront charge of
// the user's may then be refused, and its run taken again — slower, never
// wrong.)
//
// The price: one user's charging runs use one writer of Options.Writers.
// The bench's 50-run RUN-cost chain (one user) commits in half as many,
// twice as large batches as the free chain, whose runs use both writers
// (~0.5 of its rate; spread by run id it measured ~0.65–0.7). Spreading them
// keeps the ledger exact but lets a later charge from another writer take
// what an upfront one was counted against: TestCreditsRandomized then finds
// blocks that ran in a batch rolled back by the refusal, never charged.
// Spreading safely needs the user's charges still answered in queue order
// across writers (a charge waiting for its answer held back while upfront
// charges of its user are in flight on another writer).
func (e *Engine) writerFor(exec *model.GraphExecution, g *graph) *writer {
	key := exec.ID
	if e.mayCharge(g) {
		key = exec.UserID
	}
	return e.writers[int(key[15])%len(e.writers)]
}

// mayCharge reports whether some node of g has a cost in force.
func (e *Engine) mayCharge(g *graph) bool {
	for _, n := range g.order {
		costs := n.info.Costs
		if e.opts.Costs != nil {
			costs = e.opts.Costs.For(n.info.ID, costs)
		}
		if len(costs) > 0 {
			return true
		}
	}
	return false
}

func (e *Engine) leaseSeconds() float64 { return e.opts.LeaseDuration.Seconds() }

func (e *Engine) heldRun(id uuid.UUID) *run {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.runs[id]
}

func (e *Engine) forget(r *run) {
	e.mu.Lock()
	if e.runs[r.id] == r {
		delete(e.runs, r.id)
		if r.parent == nil {
			e.topRuns--
		}
	}
	e.mu.Unlock()
	e.slotFreed()
}
