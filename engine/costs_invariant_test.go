package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks/llm/llmstub"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// costServer answers SendWebRequestBlock nodes as their URL asks:
// ?bytes=N a body of N bytes, ?status=S that status, ?hang=1 no answer
// until the request is given up (a node timeout).
func costServer(t *testing.T) *httptest.Server {
	quit := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("hang") != "" {
			select {
			case <-r.Context().Done():
			case <-quit: // a client gone without closing (a killed worker's) holds Close otherwise
			}
			return
		}
		if s, _ := strconv.Atoi(q.Get("status")); s != 0 {
			w.WriteHeader(s)
		}
		n, _ := strconv.Atoi(q.Get("bytes"))
		_, _ = w.Write([]byte(strings.Repeat("b", n)))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(quit) }) // runs first
	return srv
}

// costStub is a model provider that answers every fifth call with a 400
// (a failed node) and the others with usage within the asked max_tokens.
func costStub() *llmstub.Stub {
	return llmstub.New(func(i int, s llmstub.Seen) llmstub.Reply {
		if i%5 == 4 {
			return llmstub.Reply{Status: 400, Message: "refused by the stub"}
		}
		maxTok := int64(100)
		for _, k := range []string{"max_completion_tokens", "max_tokens"} {
			if f, ok := s.Body[k].(float64); ok {
				maxTok = int64(f)
			}
		}
		return llmstub.Reply{Chunks: []string{"an", " answer"}, Input: 200 + int64(i%7)*100, Output: min(maxTok, 50+int64(i%11)*97)}
	})
}

// costKinds draws one node of each cost kind the mix uses; key is its
// node key, url the costServer's. inProcess allows the test-only paid
// block (a worker process only has the built-in library).
func costNode(rng *rand.Rand, key, url, child string, inProcess bool) (nspec, lspec) {
	link := func(sink string) lspec { return lspec{Source: "in", SourceName: "result", Sink: key, SinkName: sink} }
	kinds := 4
	if inProcess {
		kinds = 5
	}
	switch rng.IntN(kinds) {
	case 0: // RUN: a sub-agent run (whose own nodes are priced too)
		return nspec{Key: key, Block: "AgentExecutorBlock", Defaults: map[string]any{"graph_id": child}}, link("agent_name")
	case 1: // BYTE and REQUEST
		q := fmt.Sprintf("bytes=%d", rng.IntN(2500))
		switch r := rng.IntN(12); {
		case r == 0:
			q = "hang=1"
		case r == 1:
			q += "&status=500" // a failure, tried again when retries > 0
		case r == 2:
			q = "bytes=5000" // past max_response_kib: a failure, body paid for
		}
		return nspec{Key: key, Block: "SendWebRequestBlock", Defaults: map[string]any{"url": url + "/?" + q, "method": "POST",
			"max_response_kib": 1 + rng.IntN(3), "retries": rng.IntN(2)}}, link("body")
	case 2: // SECOND; past the node timeout now and then
		s := float64(rng.IntN(150)) / 1000
		if rng.IntN(10) == 0 {
			s = 5
		}
		return nspec{Key: key, Block: "WaitBlock", Defaults: map[string]any{"seconds": s}}, link("data")
	case 3: // TOKEN
		return nspec{Key: key, Block: "AITextGeneratorBlock", Defaults: map[string]any{"model": "gpt-4o",
			"max_tokens": 100 + rng.IntN(3000)}}, link("prompt")
	default: // RUN: the test's paid block, failing or hanging now and then
		d := map[string]any{"sleep_ms": rng.IntN(8)}
		switch r := rng.IntN(20); {
		case r < 2:
			d["fail"] = true
		case r < 3:
			d["hang"] = true
		}
		block := "TestPaidBlock"
		if rng.IntN(3) == 0 {
			block = "TestPaid2Block"
		}
		return nspec{Key: key, Block: block, Defaults: d}, link("input")
	}
}

// costGraph is an input node feeding 1 to 4 nodes drawn by costNode.
func costGraph(e *env, rng *rand.Rand, u *model.User, url, child string, inProcess bool) *model.FullGraph {
	nodes := []nspec{{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x"}}}
	var links []lspec
	for j := range 1 + rng.IntN(4) {
		n, l := costNode(rng, "n"+itoa(int64(j)), url, child, inProcess)
		nodes = append(nodes, n)
		links = append(links, l)
	}
	return e.graph(u, nodes, links)
}

// childGraph is what AgentExecutorBlock nodes run: a short wait (SECOND).
func childGraph(e *env, u *model.User) *model.FullGraph {
	return e.graph(u, []nspec{{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x", "value": 1}},
		{Key: "w", Block: "WaitBlock", Defaults: map[string]any{"seconds": 0.01}},
		{Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "y"}}},
		[]lspec{{Source: "in", SourceName: "result", Sink: "w", SinkName: "data"},
			{Source: "w", SourceName: "data", Sink: "out", SinkName: "value"}})
}

// ledgerSampler checks, every 20ms until stopped, in one statement (one
// snapshot), that no user's balance is negative or differs from their
// ledger's sum. stop returns the first violation and how many samples ran.
func ledgerSampler(e *env) (stop func() (int, error)) {
	quit := make(chan struct{})
	done := make(chan error, 1)
	var samples atomic.Int64
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			var bad int
			err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM user_credits c
				WHERE c.balance < 0 OR c.balance <> (SELECT coalesce(sum(amount), 0) FROM credit_transactions t WHERE t.user_id = c.user_id)`).Scan(&bad)
			if err == nil && bad > 0 {
				err = fmt.Errorf("%d users' ledgers do not sum to their balance, or are negative", bad)
			}
			if err != nil {
				done <- err
				return
			}
			samples.Add(1)
			select {
			case <-quit:
				done <- nil
				return
			case <-tick.C:
			}
		}
	}()
	return func() (int, error) {
		close(quit)
		err := <-done
		return int(samples.Load()), err
	}
}

// checkCostInvariants checks, once every run has ended, the invariants of
// issue 15 for every user: the ledger sums to the balance, which is not
// negative; each node execution is charged at most once net (its charge
// less its refund is between 0 and the charge); each node execution's
// cost and each run's totalCost (child runs included) equal what the
// ledger kept for them; and no ledger line of a run names a node
// execution that does not exist. It returns how many checks it made.
func checkCostInvariants(t *testing.T, e *env, users []*model.User) int {
	t.Helper()
	ctx := context.Background()
	checks := 0
	check := func(ok bool, format string, args ...any) {
		t.Helper()
		checks++
		if !ok {
			t.Errorf(format, args...)
		}
	}
	for _, u := range users {
		bal, sum := ledger(t, e, u.ID)
		check(bal == sum, "user %s: balance %d, ledger sums to %d", u.ID, bal, sum)
		check(bal >= 0, "user %s: balance %d", u.ID, bal)
		byRef := ledgerByReference(t, e, u.ID) // fails on a second charge or refund of one reference
		for ref, c := range byRef {
			check(c.cost >= 0 && c.refund >= 0 && c.refund <= c.cost, "%s: charged %d, refunded %d", ref, c.cost, c.refund)
		}
		rows, err := e.pool.Query(ctx, `SELECT id FROM graph_executions WHERE user_id = $1`, u.ID)
		require.NoError(t, err)
		var ids []uuid.UUID
		for rows.Next() {
			var id uuid.UUID
			require.NoError(t, rows.Scan(&id))
			ids = append(ids, id)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		nes, err := e.store.NodeExecutionsByExecutions(ctx, ids)
		require.NoError(t, err)
		referenced := map[string]bool{}
		for _, id := range ids {
			ex := e.exec(id)
			check(ex.Status.IsTerminal(), "run %s is %s (a child of node execution %v)", id, ex.Status, ex.ParentNodeExecutionID)
			var kept int64
			for _, ne := range nes[id] {
				check(ne.Status.IsTerminal(), "node execution %s is %s in a run %s", ne.ID, ne.Status, ex.Status)
				c, s := byRef[ne.ID.String()], byRef[ne.ID.String()+":seconds"]
				referenced[ne.ID.String()] = true
				net := c.cost - c.refund + s.cost - s.refund
				check(ne.Stats.Cost == net, "node execution %s (%s): cost %d, the ledger kept %d (%+v %+v)", ne.ID, ne.Status, ne.Stats.Cost, net, c, s)
				kept += net
			}
			check(ex.Stats.TotalCost == kept, "run %s (%s): totalCost %d, its node executions kept %d", id, ex.Status, ex.Stats.TotalCost, kept)
			// The ledger lines naming the run say the same.
			var lines int64
			require.NoError(t, e.pool.QueryRow(ctx, `SELECT coalesce(-sum(amount), 0) FROM credit_transactions
				WHERE graph_execution_id = $1 AND transaction_type IN ('EXECUTION_COST', 'REFUND')`, id).Scan(&lines))
			check(ex.Stats.TotalCost == lines, "run %s (%s): totalCost %d, the ledger's debits less refunds for it %d", id, ex.Status, ex.Stats.TotalCost, lines)
		}
		for ref := range byRef {
			check(referenced[strings.TrimSuffix(ref, ":seconds")], "user %s: a charge for no node execution: %s", u.ID, ref)
		}
	}
	return checks
}

// endWatch collects the terminal events of every run of a database's
// engines (in-process or worker processes) from Redis, subscribed before
// any run is submitted.
type endWatch struct {
	ps    *redis.PubSub
	ended map[string]model.Status
}

func (e *env) endWatch() *endWatch {
	ps := e.rdb.PSubscribe(context.Background(), e.prefix+"exec:*")
	e.t.Cleanup(func() { _ = ps.Close() })
	_, err := ps.Receive(context.Background())
	require.NoError(e.t, err)
	return &endWatch{ps: ps, ended: map[string]model.Status{}}
}

// wait returns once every id has published its end, or fails the test.
func (w *endWatch) wait(t *testing.T, ids []uuid.UUID, within time.Duration) {
	t.Helper()
	msgs := w.ps.Channel(redis.WithChannelSize(100000))
	timeout := time.After(within)
	for {
		left := 0
		for _, id := range ids {
			if _, ok := w.ended[id.String()]; !ok {
				left++
			}
		}
		if left == 0 {
			return
		}
		select {
		case m := <-msgs:
			evs, err := events.Decode([]byte(m.Payload))
			require.NoError(t, err)
			for _, ev := range evs {
				if ev.Terminal() {
					w.ended[ev.ExecutionID] = model.Status(ev.Status)
				}
			}
		case <-timeout:
			t.Fatalf("%d of %d runs did not end", left, len(ids))
		}
	}
}

// The randomized invariant test: 200 concurrent runs of 8 users
// with small balances, mixing all five cost kinds (RUN: the test's paid
// block and sub-agent runs; BYTE and REQUEST: web requests to a local
// server; SECOND: waits; TOKEN: a model behind the stub on the operator's
// key), with failures (failing blocks, 5xx and 4xx answers, bodies past
// max_response_kib, refused model calls, insufficient credits), node
// timeouts (hanging blocks and requests, waits past the timeout) and
// cancels at random moments. While they run the ledger sums to the balance
// and no balance is negative; once all ended, checkCostInvariants holds,
// and a paid test block kept its price if it ran and nothing otherwise.
// Seeded: AGENTGRAPH_TEST_SEED replays the graphs and timings chosen.
func TestCostInvariantsRandomized(t *testing.T) {
	t.Parallel()
	seed := testSeed(t)
	rng := newRand(seed)
	srv := costServer(t)
	stub := costStub()
	defer stub.Close()
	e := newEnv(t, Options{NodeTimeout: 300 * time.Millisecond, AllowPrivateNetwork: true,
		Credentials: credentials.WithOperatorKeys(userCreds(nil),
			credentials.OperatorKeys{"openai": {Secret: "sk-operator", BaseURL: stub.OpenAIBaseURL()}})})
	ctx := context.Background()

	users := make([]*model.User, 8)
	children := map[uuid.UUID]string{}
	for i := range users {
		users[i] = e.user(int64(5 + rng.IntN(60)))
		children[users[i].ID] = childGraph(e, users[i]).ID.String()
	}
	const runs = 200
	type runInfo struct {
		u    *model.User
		fg   *model.FullGraph
		id   uuid.UUID
		wait time.Duration // when to cancel it; < 0: never
	}
	infos := make([]*runInfo, runs)
	for i := range infos {
		u := users[rng.IntN(len(users))]
		ri := &runInfo{u: u, fg: costGraph(e, rng, u, srv.URL, children[u.ID], true), wait: -1}
		if rng.IntN(4) == 0 {
			ri.wait = time.Duration(rng.IntN(60)) * time.Millisecond
		}
		infos[i] = ri
	}

	ends := e.endWatch()
	stopSampling := ledgerSampler(e)
	done := make(chan struct{})
	for _, ri := range infos {
		go func() {
			defer func() { done <- struct{}{} }()
			ex, err := e.eng.Submit(ctx, ri.u.ID, ri.fg.ID, 0, map[string]any{"x": "hello"}, model.UserContext{})
			if !assertNoError(t, err) {
				return
			}
			ri.id = ex.ID
			if ri.wait < 0 {
				return
			}
			<-time.After(ri.wait) // when the cancel lands is what is randomized
			if _, err := e.eng.Cancel(ctx, ri.u.ID, ex.ID); err != nil && !errors.Is(err, model.ErrConflict) {
				assertNoError(t, err)
			}
		}()
	}
	for range infos {
		<-done
	}
	require.False(t, t.Failed())
	ids := make([]uuid.UUID, len(infos))
	for i, ri := range infos {
		ids[i] = ri.id
	}
	ends.wait(t, ids, waitFor)
	samples, err := stopSampling()
	require.NoError(t, err)

	checks := samples
	checks += checkCostInvariants(t, e, users)
	// The paid test block: kept its price if its block ran (once), else nothing.
	statuses := map[model.Status]int{}
	for _, ri := range infos {
		statuses[ends.ended[ri.id.String()]]++
		byRef := ledgerByReference(t, e, ri.u.ID)
		for key, nes := range e.nodeRuns(ri.fg, ri.id) {
			var price int64
			for _, n := range ri.fg.Nodes {
				if n.Key == key {
					switch n.BlockID.String() {
					case paid1Block().Info().ID:
						price = 1
					case paid2Block().Info().ID:
						price = 2
					}
				}
			}
			if price == 0 {
				continue
			}
			for _, ne := range nes {
				want := int64(0)
				if n := paidRan(ri.id, ne.NodeID); n > 0 {
					require.Equal(t, int64(1), n, "a block runs once per node execution")
					want = price
				}
				c := byRef[ne.ID.String()]
				checks++
				require.Equal(t, want, c.cost-c.refund, "node execution %s (%s): kept %+v", ne.ID, ne.Status, c)
			}
		}
	}
	kinds := map[string]int64{}
	rows, err := e.pool.Query(ctx, `SELECT c.cost_type::text, count(*) FROM credit_transactions t
		JOIN block_costs c ON c.block_id = t.block_id WHERE t.transaction_type = 'EXECUTION_COST' GROUP BY 1`)
	require.NoError(t, err)
	for rows.Next() {
		var k string
		var n int64
		require.NoError(t, rows.Scan(&k, &n))
		kinds[k] = n
	}
	require.NoError(t, rows.Err())
	for _, k := range []string{"RUN", "BYTE", "REQUEST", "SECOND", "TOKEN"} {
		checks++
		require.Positive(t, kinds[k], "no charge of a %s-priced block: %v", k, kinds)
	}
	t.Logf("seed %d: %d runs %v, charges by block cost kind %v: %d invariant checks (%d ledger samples while running)",
		seed, runs, statuses, kinds, checks, samples)
}

// The same mix (without the test-only block, which a worker process does
// not have) run by a real worker process that is kill -9ed while the runs
// go; a second worker takes the runs over. Charges committed by the dead
// worker are neither lost nor taken twice: checkCostInvariants holds for
// every user, and the ledger never went wrong meanwhile.
func TestCostInvariantsWorkerKilled(t *testing.T) {
	t.Parallel()
	seed := testSeed(t)
	rng := newRand(seed + 1)
	srv := costServer(t)
	stub := costStub()
	defer stub.Close()
	// The test's engine only submits (never started as a worker); it checks
	// at submit that the model's provider has a key.
	e := newEnv(t, Options{Credentials: credentials.WithOperatorKeys(userCreds(nil),
		credentials.OperatorKeys{"openai": {Secret: "sk-operator", BaseURL: stub.OpenAIBaseURL()}})})
	e.eng.Stop()
	workerEnv := []string{"ALLOW_PRIVATE_NETWORK=true", "NODE_TIMEOUT=1s",
		"OPENAI_API_KEY=sk-operator", "OPENAI_BASE_URL=" + stub.OpenAIBaseURL()}

	users := make([]*model.User, 4)
	children := map[uuid.UUID]string{}
	for i := range users {
		users[i] = e.user(int64(10 + rng.IntN(60)))
		children[users[i].ID] = childGraph(e, users[i]).ID.String()
	}
	const runs = 40
	graphs := make([]*model.FullGraph, runs)
	owners := make([]*model.User, runs)
	for i := range graphs {
		owners[i] = users[rng.IntN(len(users))]
		graphs[i] = costGraph(e, rng, owners[i], srv.URL, children[owners[i].ID], false)
	}

	ends := e.endWatch()
	nodeEnds := e.rdb.PSubscribe(context.Background(), e.prefix+"exec:*")
	t.Cleanup(func() { _ = nodeEnds.Close() })
	_, err := nodeEnds.Receive(context.Background())
	require.NoError(t, err)
	stopSampling := ledgerSampler(e)
	first, _ := startWorker(t, e.url, e.prefix, workerEnv...)
	ids := make([]uuid.UUID, runs)
	for i, fg := range graphs {
		ids[i] = e.submit(owners[i], fg, map[string]any{"x": "hello"}).ID
	}
	// kill -9 once a tenth of the runs' nodes ended: charges and refunds
	// have been committed, and others are in flight.
	msgs := nodeEnds.Channel(redis.WithChannelSize(100000))
	timeout := time.After(waitFor)
	for ended := 0; ended < runs/10; {
		select {
		case m := <-msgs:
			evs, err := events.Decode([]byte(m.Payload))
			require.NoError(t, err)
			for _, ev := range evs {
				if ev.Kind == events.KindNodeStatus && model.Status(ev.Status).IsTerminal() {
					ended++
				}
			}
		case <-timeout:
			t.Fatal("no node ended on the first worker")
		}
	}
	require.NoError(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()
	// A run the dead worker ended may have had its end committed but not
	// published: read the runs already over (nothing changes them now).
	for _, id := range ids {
		if ex := e.exec(id); ex.Status.IsTerminal() {
			ends.ended[id.String()] = ex.Status
		}
	}
	startWorker(t, e.url, e.prefix, workerEnv...)

	ends.wait(t, ids, waitFor)
	samples, err := stopSampling()
	require.NoError(t, err)
	checks := samples + checkCostInvariants(t, e, users)
	statuses := map[model.Status]int{}
	for _, id := range ids {
		statuses[ends.ended[id.String()]]++
	}
	t.Logf("seed %d: %d runs %v across a kill -9: %d invariant checks (%d ledger samples while running)",
		seed, runs, statuses, checks, samples)
}
