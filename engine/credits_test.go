package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// paidRuns counts, per run and node ("execution/node"), how many times a
// paid test block's run function was entered: the work really done.
var paidRuns sync.Map // string → *atomic.Int64

func paidRan(execID, nodeID uuid.UUID) int64 {
	if v, ok := paidRuns.Load(execID.String() + "/" + nodeID.String()); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

type paidIn struct {
	Input   any  `json:"input,omitempty" jsonschema_description:"Any value."`
	Fail    bool `json:"fail,omitempty" jsonschema_description:"Fail instead of yielding."`
	Hang    bool `json:"hang,omitempty" jsonschema_description:"Wait until cancelled (or timed out)."`
	SleepMS int  `json:"sleep_ms,omitempty" jsonschema_description:"Milliseconds to work before yielding."`
}

// paidBlock costs amount credits per run and records every run it starts.
func paidBlock(id, name string, amount int64) blocks.Block {
	return blocks.Define[paidIn, gateOut](blocks.Info{ID: id, Name: name,
		Categories: []blocks.Category{blocks.CategoryUtility}, Type: blocks.TypeStandard,
		Costs: []blocks.Cost{{Type: blocks.CostRun, Amount: amount, Description: "per run"}}},
		func(ctx context.Context, rc *blocks.RunContext, in paidIn, emit blocks.Emit) error {
			v, _ := paidRuns.LoadOrStore(rc.ExecutionID+"/"+rc.NodeID, new(atomic.Int64))
			v.(*atomic.Int64).Add(1)
			if in.SleepMS > 0 {
				select {
				case <-time.After(time.Duration(in.SleepMS) * time.Millisecond):
				case <-ctx.Done():
					return context.Cause(ctx)
				}
			}
			if in.Hang {
				<-ctx.Done()
				return context.Cause(ctx)
			}
			if in.Fail {
				return errors.New("asked to fail")
			}
			return emit("output", in.Input)
		})
}

func paid1Block() blocks.Block {
	return paidBlock("0b6f3c1e-5a0c-4c53-9d7e-3a1f2b6c7d07", "TestPaidBlock", 1)
}

func paid2Block() blocks.Block {
	return paidBlock("0b6f3c1e-5a0c-4c53-9d7e-3a1f2b6c7d08", "TestPaid2Block", 2)
}

// charges is a user's ledger per reference (node execution id): what it
// was charged (EXECUTION_COST, positive) and given back (REFUND).
type charges struct{ cost, refund int64 }

func ledgerByReference(t *testing.T, e *env, u uuid.UUID) map[string]charges {
	rows, err := e.pool.Query(context.Background(), `SELECT reference_id, transaction_type::text, amount
		FROM credit_transactions WHERE user_id = $1 AND reference_id IS NOT NULL`, u)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]charges{}
	for rows.Next() {
		var ref, typ string
		var amount int64
		require.NoError(t, rows.Scan(&ref, &typ, &amount))
		c := out[ref]
		switch typ {
		case "EXECUTION_COST":
			require.Zero(t, c.cost, "charged twice: %s", ref)
			c.cost = -amount
		case "REFUND":
			require.Zero(t, c.refund, "refunded twice: %s", ref)
			c.refund = amount
		default:
			t.Fatalf("unexpected %s transaction for %s", typ, ref)
		}
		out[ref] = c
	}
	require.NoError(t, rows.Err())
	return out
}

// A user with 2 credits runs three parallel paid nodes fed by one input:
// the third cannot be paid and the run fails, and the user keeps exactly
// the credits of the blocks that did not run. A node charged whose block
// never ran ends with a REFUND; one whose block ran keeps its charge and
// its result (COMPLETED). Repeated, as which charges land in which commit
// varies from run to run.
func TestChargedNodesThatDidNotRunAreRefunded(t *testing.T) {
	t.Parallel()
	t.Run("test block", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Options{})
		nodes := []nspec{{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x"}}}
		var links []lspec
		for _, k := range []string{"p1", "p2", "p3"} {
			nodes = append(nodes, nspec{Key: k, Block: "TestPaidBlock"})
			links = append(links, lspec{Source: "in", SourceName: "result", Sink: k, SinkName: "input"})
		}
		for range 5 {
			u := e.user(2)
			fg := e.graph(u, nodes, links)
			w := e.watch(fg.ID)
			got := w.until(e.submit(u, fg, map[string]any{"x": 1}).ID, nil)
			checkThreePaid(t, e, u, fg, got, 1, func(key string, ne model.NodeExecution) bool {
				return paidRan(got.ID, ne.NodeID) > 0
			})
		}
	})
	t.Run("web requests", func(t *testing.T) {
		t.Parallel()
		var mu sync.Mutex
		hits := map[string]int{} // path → requests received
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hits[r.URL.Path]++
			mu.Unlock()
			_, _ = w.Write([]byte(`{"ok":true}`))
		}))
		t.Cleanup(srv.Close)
		e := newEnv(t, Options{AllowPrivateNetwork: true})
		for i := range 5 {
			nodes := []nspec{{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x"}}}
			var links []lspec
			for _, k := range []string{"w1", "w2", "w3"} {
				// 1 request and at most 1 KiB of body reserved: 2 credits, all used.
				nodes = append(nodes, nspec{Key: k, Block: "SendWebRequestBlock",
					Defaults: map[string]any{"url": fmt.Sprintf("%s/%d/%s", srv.URL, i, k), "method": "POST", "max_response_kib": 1}})
				links = append(links, lspec{Source: "in", SourceName: "result", Sink: k, SinkName: "body"})
			}
			u := e.user(4)
			fg := e.graph(u, nodes, links)
			w := e.watch(fg.ID)
			got := w.until(e.submit(u, fg, map[string]any{"x": 1}).ID, nil)
			checkThreePaid(t, e, u, fg, got, 2, func(key string, _ model.NodeExecution) bool {
				mu.Lock()
				defer mu.Unlock()
				n := hits[fmt.Sprintf("/%d/%s", i, key)]
				require.LessOrEqual(t, n, 1, "one request per node")
				return n == 1
			})
		}
	})
}

// checkThreePaid checks a run of three parallel nodes costing price each by
// a user who had 2*price credits; ran tells whether a node execution's
// block ran.
func checkThreePaid(t *testing.T, e *env, u *model.User, fg *model.FullGraph, got *model.GraphExecution,
	price int64, ran func(key string, ne model.NodeExecution) bool) {
	t.Helper()
	require.Equal(t, model.StatusFailed, got.Status)
	require.Contains(t, *got.ErrorMessage, "insufficient credits")
	byRef := ledgerByReference(t, e, u.ID)
	done := int64(0)
	for key, nes := range e.nodeRuns(fg, got.ID) {
		if key == "in" {
			require.Equal(t, model.StatusCompleted, nes[0].Status)
			continue
		}
		require.Len(t, nes, 1, key)
		ne := nes[0]
		c := byRef[ne.ID.String()]
		if ran(key, ne) {
			done++
			require.Equal(t, model.StatusCompleted, ne.Status, "%s ran: its result is kept", key)
			require.Equal(t, charges{cost: price}, c, "%s ran: charged once, not refunded", key)
			require.Equal(t, price, ne.Stats.Cost, key)
			continue
		}
		require.Contains(t, []model.Status{model.StatusCancelled, model.StatusFailed}, ne.Status, key)
		require.Equal(t, c.cost, c.refund, "%s did not run: whatever it was charged is refunded (%+v)", key, c)
		require.Zero(t, ne.Stats.Cost, key)
	}
	bal, sum := ledger(t, e, u.ID)
	require.Equal(t, price*(2-done), bal, "credits kept = blocks that ran")
	require.Equal(t, bal, sum, "the ledger sums to the balance")
	require.Equal(t, price*done, got.Stats.TotalCost)
}

// Several users with small balances run random graphs of paid nodes at
// once, with failing and hanging nodes (node timeouts) and cancels at
// random moments. While they run, every user's ledger sums to their
// balance; once all ended, each node execution kept exactly what its block
// cost if the block ran, and nothing otherwise. Seeded: AGENTGRAPH_TEST_SEED
// replays a choice of graphs and timings (the interleaving is the machine's).
func TestCreditsRandomized(t *testing.T) {
	t.Parallel()
	seed := testSeed(t)
	rng := newRand(seed)
	ended := make(chan uuid.UUID, 1000)
	e := newEnv(t, Options{NodeTimeout: 300 * time.Millisecond, OnRunEnd: func(id uuid.UUID, _ model.Status) { ended <- id }})
	ctx := context.Background()

	users := make([]*model.User, 5)
	for i := range users {
		users[i] = e.user(int64(2 + rng.IntN(7)))
	}
	type runInfo struct {
		u    *model.User
		fg   *model.FullGraph
		cost map[uuid.UUID]int64 // node id → its block's cost per run
		id   uuid.UUID
	}
	const runs = 80
	infos := make([]*runInfo, runs)
	for i := range infos {
		u := users[rng.IntN(len(users))]
		nodes := []nspec{{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x"}}}
		var links []lspec
		k := 1 + rng.IntN(5)
		for j := range k {
			key := "p" + itoa(int64(j))
			block := "TestPaidBlock"
			if rng.IntN(3) == 0 {
				block = "TestPaid2Block"
			}
			d := map[string]any{"sleep_ms": rng.IntN(8)}
			switch r := rng.IntN(20); {
			case r < 2:
				d["fail"] = true
			case r < 3:
				d["hang"] = true
			}
			nodes = append(nodes, nspec{Key: key, Block: block, Defaults: d})
			src, pin := "in", "result"
			if j > 0 && rng.IntN(3) == 0 {
				src, pin = "p"+itoa(int64(rng.IntN(j))), "output"
			}
			links = append(links, lspec{Source: src, SourceName: pin, Sink: key, SinkName: "input"})
		}
		// Sometimes a failure is handled: the error pin feeds another paid node.
		if rng.IntN(4) == 0 {
			nodes = append(nodes, nspec{Key: "onerr", Block: "TestPaidBlock"})
			links = append(links, lspec{Source: "p0", SourceName: "error", Sink: "onerr", SinkName: "input"})
		}
		fg := e.graph(u, nodes, links)
		cost := map[uuid.UUID]int64{}
		for _, n := range fg.Nodes {
			switch n.BlockID.String() {
			case paid1Block().Info().ID:
				cost[n.ID] = 1
			case paid2Block().Info().ID:
				cost[n.ID] = 2
			}
		}
		infos[i] = &runInfo{u: u, fg: fg, cost: cost}
	}

	// While the runs go, every user's ledger sums to their balance, read in
	// one statement (one snapshot).
	stopSampling := make(chan struct{})
	sampled := make(chan error, 1)
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			var bad int
			err := e.pool.QueryRow(ctx, `SELECT count(*) FROM user_credits c
				WHERE c.balance < 0 OR c.balance <> (SELECT coalesce(sum(amount), 0) FROM credit_transactions t WHERE t.user_id = c.user_id)`).Scan(&bad)
			if err == nil && bad > 0 {
				err = fmt.Errorf("%d users' ledgers do not sum to their balance", bad)
			}
			if err != nil {
				sampled <- err
				return
			}
			select {
			case <-stopSampling:
				sampled <- nil
				return
			case <-tick.C:
			}
		}
	}()

	// Submit every run concurrently; cancel a third of them at a random moment.
	cancelledQueued := make(chan uuid.UUID, runs)
	var wg sync.WaitGroup
	var submitMu sync.Mutex
	for _, ri := range infos {
		cancelAfter := time.Duration(-1)
		if rng.IntN(3) == 0 {
			cancelAfter = time.Duration(rng.IntN(40)) * time.Millisecond
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ex, err := e.eng.Submit(ctx, ri.u.ID, ri.fg.ID, 0, map[string]any{"x": 1}, model.UserContext{})
			if !assertNoError(t, err) {
				return
			}
			submitMu.Lock()
			ri.id = ex.ID
			submitMu.Unlock()
			if cancelAfter < 0 {
				return
			}
			<-time.After(cancelAfter) // when the cancel lands is what is randomized
			got, err := e.eng.Cancel(ctx, ri.u.ID, ex.ID)
			switch {
			case errors.Is(err, model.ErrConflict): // it ended first
			case !assertNoError(t, err):
			case got.Status == model.StatusCancelled && got.StartedAt == nil:
				cancelledQueued <- ex.ID // never claimed: no OnRunEnd
			}
		}()
	}
	wg.Wait()
	require.False(t, t.Failed())

	// Every run ends: OnRunEnd after its end is committed, or a cancel while QUEUED.
	pending := map[uuid.UUID]bool{}
	for _, ri := range infos {
		pending[ri.id] = true
	}
	timeout := time.After(waitFor)
	for len(pending) > 0 {
		select {
		case id := <-ended:
			delete(pending, id)
		case id := <-cancelledQueued:
			delete(pending, id)
		case <-timeout:
			t.Fatalf("%d runs did not end", len(pending))
		}
	}
	close(stopSampling)
	require.NoError(t, <-sampled)

	// Credits kept = work done, per node execution.
	ledgers := map[uuid.UUID]map[string]charges{}
	refunded := 0
	for _, u := range users {
		ledgers[u.ID] = ledgerByReference(t, e, u.ID)
		bal, sum := ledger(t, e, u.ID)
		require.Equal(t, bal, sum, "the ledger sums to the balance")
		require.GreaterOrEqual(t, bal, int64(0))
	}
	referenced := map[string]bool{}
	statuses := map[model.Status]int{}
	nodeExecs := 0
	for _, ri := range infos {
		got := e.exec(ri.id)
		statuses[got.Status]++
		require.True(t, got.Status.IsTerminal(), "run %s is %s", ri.id, got.Status)
		var kept int64
		nes, err := e.store.NodeExecutionsByExecutions(ctx, []uuid.UUID{ri.id})
		require.NoError(t, err)
		seen := map[uuid.UUID]bool{}
		nodeExecs += len(nes[ri.id])
		for _, ne := range nes[ri.id] {
			require.True(t, ne.Status.IsTerminal(), "node execution %s is %s in a run that ended %s", ne.ID, ne.Status, got.Status)
			c := ledgers[ri.u.ID][ne.ID.String()]
			referenced[ne.ID.String()] = true
			cost, paid := ri.cost[ne.NodeID]
			if !paid {
				require.Equal(t, charges{}, c)
				continue
			}
			require.False(t, seen[ne.NodeID], "one execution per node here")
			seen[ne.NodeID] = true
			if c.refund > 0 {
				refunded++
			}
			want := int64(0)
			if n := paidRan(ri.id, ne.NodeID); n > 0 {
				require.Equal(t, int64(1), n, "a block runs once per node execution")
				want = cost
			}
			require.Equal(t, want, c.cost-c.refund, "node execution %s (%s in a run %s): kept %+v",
				ne.ID, ne.Status, got.Status, c)
			require.Equal(t, want, ne.Stats.Cost)
			kept += want
		}
		for nodeID := range ri.cost {
			if !seen[nodeID] {
				require.Zero(t, paidRan(ri.id, nodeID), "a block ran without a node execution")
			}
		}
		require.Equal(t, kept, got.Stats.TotalCost, "run %s", ri.id)
	}
	for _, u := range users {
		for ref := range ledgers[u.ID] {
			require.True(t, referenced[strings.TrimSuffix(ref, ":seconds")], "a charge for no node execution of these runs: %s", ref)
		}
	}
	t.Logf("seed %d: %d runs %v, %d node executions, %d refunds", seed, runs, statuses, nodeExecs, refunded)
}

// testSeed is AGENTGRAPH_TEST_SEED when set, else a fixed seed: a failure
// names its seed, and the same seed replays the same choices.
func testSeed(t *testing.T) uint64 {
	if v := os.Getenv("AGENTGRAPH_TEST_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		require.NoError(t, err)
		return n
	}
	return 20240917
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// assertNoError reports err on t from any goroutine.
func assertNoError(t *testing.T, err error) bool {
	if err != nil {
		t.Errorf("unexpected error: %v", err)
		return false
	}
	return true
}

// A run taken over from a dead worker that left a paid node execution
// RUNNING (charged, no output) ends that node with the run when the run is
// not resumed: given up after too many takeovers (FAILED), or found with a
// cancel request (CANCELLED). The node never ran here, and nothing shows it
// ran before: it is refunded, and no row is left open.
func TestTakenOverRunEndsItsOpenNodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		resumes int
		cancel  bool
		status  model.Status
	}{{MaxResumes, false, model.StatusFailed}, {0, true, model.StatusCancelled}} {
		u := e.user(3)
		fg := e.graph(u, []nspec{{Key: "p", Block: "TestPaidBlock", Defaults: map[string]any{"input": 1}}}, nil)
		exs, _, err := e.store.ExecutionInsertClaimed(ctx, []db.NewExecution{{ID: uuid.New(), GraphID: fg.ID,
			GraphVersion: fg.Version, UserID: u.ID}}, "setup", 60)
		require.NoError(t, err)
		ex := exs[0]
		neID := uuid.New()
		_, err = e.pool.Exec(ctx, `INSERT INTO node_executions (id, graph_execution_id, node_id, status, inputs, started_at)
			VALUES ($1, $2, $3, 'RUNNING', '{"input": 1}', now())`, neID, ex.ID, fg.Nodes[0].ID)
		require.NoError(t, err)
		_, err = e.pool.Exec(ctx, `WITH b AS (UPDATE user_credits SET balance = balance - 1 WHERE user_id = $1 RETURNING balance)
			INSERT INTO credit_transactions (user_id, amount, transaction_type, reference_id, balance_after)
			SELECT $1, -1, 'EXECUTION_COST', $2, b.balance FROM b`, u.ID, neID.String())
		require.NoError(t, err)
		cancelAt := "NULL"
		if tc.cancel {
			cancelAt = "now()"
		}
		_, err = e.pool.Exec(ctx, `UPDATE graph_executions SET lease_owner = 'a-dead-worker',
			lease_expires_at = now() - interval '1 second', resumes = $2, cancel_requested_at = `+cancelAt+` WHERE id = $1`, ex.ID, tc.resumes)
		require.NoError(t, err)
		w := e.watch(fg.ID)
		e.eng.wakeClaimer()
		got := w.until(ex.ID, nil)
		require.Equal(t, tc.status, got.Status)
		ne := e.nodeRuns(fg, ex.ID)["p"]
		require.Len(t, ne, 1)
		require.Equal(t, model.StatusCancelled, ne[0].Status)
		require.Zero(t, paidRan(ex.ID, fg.Nodes[0].ID))
		require.Equal(t, charges{cost: 1, refund: 1}, ledgerByReference(t, e, u.ID)[neID.String()])
		bal, sum := ledger(t, e, u.ID)
		require.Equal(t, int64(3), bal)
		require.Equal(t, bal, sum)
	}
}
