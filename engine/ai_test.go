package engine

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/blocks/llm"
	"github.com/agentgraph/agentgraph/blocks/llm/llmstub"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// aiGraph is AgentInputBlock → AITextGeneratorBlock(gpt-4o-mini) → AgentOutputBlock.
func aiGraph(e *env, u *model.User, modelName string) *model.FullGraph {
	return e.graph(u, []nspec{
		{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "question"}},
		{Key: "ai", Block: "AITextGeneratorBlock", Defaults: map[string]any{"model": modelName, "max_tokens": 100}},
		{Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "answer"}},
	}, []lspec{{Source: "in", SourceName: "result", Sink: "ai", SinkName: "prompt"},
		{Source: "ai", SourceName: "response", Sink: "out", SinkName: "value"}})
}

// userCreds is ForRun of a user-credential table kept in memory: the
// engine's side of credentials is what is tested here (the encrypted store
// has its own tests, and TestBlockGetsUserCredentials goes through it).
func userCreds(own map[uuid.UUID]blocks.Credential) credentials.ForRunFunc {
	return func(_ context.Context, userID uuid.UUID, providers []string) (map[string]blocks.Credential, error) {
		out := map[string]blocks.Credential{}
		if c, ok := own[userID]; ok {
			for _, p := range providers {
				if p == c.Provider {
					out[p] = c
				}
			}
		}
		return out, nil
	}
}

func (e *env) ledger(u *model.User) (balance, sum int64, lines []string) {
	ctx := context.Background()
	require.NoError(e.t, e.pool.QueryRow(ctx, "SELECT balance FROM user_credits WHERE user_id = $1", u.ID).Scan(&balance))
	require.NoError(e.t, e.pool.QueryRow(ctx, "SELECT coalesce(sum(amount), 0) FROM credit_transactions WHERE user_id = $1", u.ID).Scan(&sum))
	rows, err := e.pool.Query(ctx, "SELECT transaction_type || ' ' || amount || ' ' || coalesce(description, '') FROM credit_transactions WHERE user_id = $1 ORDER BY created_at, id", u.ID)
	require.NoError(e.t, err)
	defer rows.Close()
	for rows.Next() {
		var l string
		require.NoError(e.t, rows.Scan(&l))
		lines = append(lines, l)
	}
	return balance, sum, lines
}

// The check: on the operator's key, the graph completes with the
// model's text, the subscriber sees NODE_OUTPUT_DELTA before the end, the
// stub sees the operator's key, and the balance goes down by the token cost
// (reserved first, the unused part refunded in the node's final commit).
func TestAITextGeneratorEndToEnd(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	stub := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{"Hello", " from", " the model"}, Input: 4000, Output: 3000, Gate: gate}
	})
	defer stub.Close()
	e := newEnv(t, Options{Credentials: credentials.WithOperatorKeys(userCreds(nil),
		credentials.OperatorKeys{"openai": {Secret: "sk-operator", BaseURL: stub.OpenAIBaseURL()}})})
	u := e.user(1000)
	fg := aiGraph(e, u, "gpt-4o-mini")
	w := e.watch(fg.ID)
	ex := e.submit(u, fg, map[string]any{"question": "Say hello"})
	w.until(ex.ID, func(ev events.Event) bool { return ev.Kind == events.KindNodeOutputDelta })
	close(gate)
	got := w.until(ex.ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status, "%v", got.ErrorMessage)
	var outs map[string][]string
	require.NoError(t, json.Unmarshal(got.Outputs, &outs))
	require.Equal(t, []string{"Hello from the model"}, outs["answer"])

	// Deltas came, in order, before the node's stored output and the end.
	var text string
	sawOutput := false
	for _, ev := range w.evs[ex.ID.String()] {
		switch {
		case ev.Kind == events.KindNodeOutputDelta:
			require.True(t, ev.Delta)
			require.False(t, sawOutput, "a delta after the stored output")
			var d string
			require.NoError(t, json.Unmarshal(ev.Value, &d))
			text += d
		case ev.Kind == events.KindNodeOutput && ev.Pin == "response":
			sawOutput = true
		}
	}
	require.Equal(t, "Hello from the model", text)

	seen := stub.Seen()
	require.Len(t, seen, 1)
	require.Equal(t, "Bearer sk-operator", seen[0].Authorization)
	require.Equal(t, "Say hello", seen[0].Body["messages"].([]any)[0].(map[string]any)["content"])

	m, _ := llm.Lookup("gpt-4o-mini")
	cost := m.Price(4000, 3000)
	balance, sum, lines := e.ledger(u)
	require.Equal(t, 1000-cost, balance, "ledger: %v", lines)
	require.Equal(t, balance, sum, "the ledger sums to the balance: %v", lines)
	require.Len(t, lines, 3, "purchase, reservation, release: %v", lines)
	require.Contains(t, lines[2], "REFUND")
	require.Contains(t, lines[2], "gpt-4o-mini: 4000 input + 3000 output tokens")
	runs := e.nodeRuns(fg, ex.ID)
	require.Equal(t, cost, runs["ai"][0].Stats.Cost)
}

// heldDeltas is the real publisher whose Redis send of live deltas waits
// until release is closed: a Redis far away or busy, for as long as the
// test needs, rather than for a fixed time a busy machine may outlast.
type heldDeltas struct {
	*events.Publisher
	release <-chan struct{}
}

func (s heldDeltas) SendDeltas(ctx context.Context, ds ...events.Delta) error {
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.Publisher.SendDeltas(ctx, ds...)
}

// A node does not wait for its live text's round trip to Redis (its block
// returns, its end is stored), yet its deltas still reach Redis before its
// stored output and its end are published there; meanwhile other runs'
// events are not held up. The deltas' send is held until the other run has
// completed, so each "meanwhile" is an order of events, not a race against
// a clock.
func TestAIDeltasSentWithoutHoldingTheNode(t *testing.T) {
	t.Parallel()
	stub := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{"Hello", " from", " the model"}, Input: 10, Output: 3}
	})
	defer stub.Close()
	release := make(chan struct{})
	released := sync.OnceFunc(func() { close(release) })
	defer released() // a failure below must not leave the engine's sends waiting
	e := newEnvPublishing(t, Options{Credentials: credentials.WithOperatorKeys(userCreds(nil),
		credentials.OperatorKeys{"openai": {Secret: "sk-operator", BaseURL: stub.OpenAIBaseURL()}})},
		func(p *events.Publisher) Publisher { return heldDeltas{p, release} })
	u := e.user(1000)
	fg := aiGraph(e, u, "gpt-4o-mini")
	w := e.watch(fg.ID)
	ex := e.submit(u, fg, map[string]any{"question": "Say hello"})
	// Stored as ended while its deltas are still held: the block did not
	// wait for their round trip.
	require.Eventually(t, func() bool { return e.exec(ex.ID).Status.IsTerminal() }, waitFor, 5*time.Millisecond,
		"the run waited for its node's deltas to be sent")
	chain := e.graph(u, ch(chainOf("StoreValueBlock", nil, 3)))
	cw := e.watch(chain.ID)
	require.Equal(t, model.StatusCompleted, cw.until(e.submit(u, chain, map[string]any{"x": 1}).ID, nil).Status,
		"another run's events reach Redis while this node's deltas are held")
	released()
	got := w.until(ex.ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status, "%v", got.ErrorMessage)
	ai := e.nodeRuns(fg, ex.ID)["ai"][0]
	var text string
	sawOutput := false
	for _, ev := range w.evs[ex.ID.String()] {
		switch {
		case ev.Kind == events.KindNodeOutputDelta:
			require.False(t, sawOutput, "a delta after the stored output")
			var d string
			require.NoError(t, json.Unmarshal(ev.Value, &d))
			text += d
		case ev.NodeExecutionID == ai.ID.String() && (ev.Kind == events.KindNodeOutput || ev.Kind == events.KindNodeStatus && ev.Status == string(model.StatusCompleted)):
			sawOutput = true
		}
	}
	require.Equal(t, "Hello from the model", text)
}

// With the user's own key the provider gets it, and no token is charged.
func TestAIUserKeyTakesPrecedence(t *testing.T) {
	t.Parallel()
	stub := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{"mine"}, Input: 10, Output: 1}
	})
	defer stub.Close()
	own := map[uuid.UUID]blocks.Credential{}
	e := newEnv(t, Options{AllowPrivateNetwork: true, Credentials: credentials.WithOperatorKeys(userCreds(own),
		credentials.OperatorKeys{"openai": {Secret: "sk-operator", BaseURL: stub.OpenAIBaseURL()}})})
	u := e.user(0)
	own[u.ID] = blocks.Credential{Provider: "openai", Type: "API_KEY", Secret: "sk-user", BaseURL: stub.OpenAIBaseURL()}
	fg := aiGraph(e, u, "gpt-4o-mini")
	w := e.watch(fg.ID)
	got := w.until(e.submit(u, fg, map[string]any{"question": "q"}).ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status, "%v", got.ErrorMessage)
	require.Equal(t, "Bearer sk-user", stub.Seen()[0].Authorization)
	balance, sum, lines := e.ledger(u)
	require.Zero(t, balance)
	require.Zero(t, sum)
	require.Empty(t, lines)
}

// A reservation the balance cannot cover fails the run before any call.
func TestAIReservationRefused(t *testing.T) {
	t.Parallel()
	stub := llmstub.New(func(int, llmstub.Seen) llmstub.Reply { return llmstub.Reply{Chunks: []string{"x"}} })
	defer stub.Close()
	e := newEnv(t, Options{Credentials: credentials.WithOperatorKeys(userCreds(nil),
		credentials.OperatorKeys{"openai": {Secret: "sk-operator", BaseURL: stub.OpenAIBaseURL()}})})
	u := e.user(1)
	fg := aiGraph(e, u, "gpt-4o")
	w := e.watch(fg.ID)
	got := w.until(e.submit(u, fg, map[string]any{"question": "q"}).ID, nil)
	require.Equal(t, model.StatusFailed, got.Status)
	require.Contains(t, *got.ErrorMessage, "insufficient credits")
	require.Empty(t, stub.Seen())
	balance, sum, _ := e.ledger(u)
	require.Equal(t, int64(1), balance)
	require.Equal(t, balance, sum)
}

// No key for the model's provider: refused at submit, naming node and provider.
func TestAINoKeyRefusedAtSubmit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Credentials: credentials.WithOperatorKeys(userCreds(nil),
		credentials.OperatorKeys{"openai": {Secret: "sk-operator"}})})
	u := e.user(100)
	fg := aiGraph(e, u, "claude-haiku-4-5")
	_, err := e.eng.Submit(context.Background(), u.ID, fg.ID, 0, map[string]any{"question": "q"}, model.UserContext{})
	var ie *model.InputError
	require.ErrorAs(t, err, &ie)
	require.ErrorContains(t, err, `node "ai" (AITextGeneratorBlock) needs anthropic credentials`)
}

// AI blocks run in a lane of their own (pool.go): with one slot for plain
// blocks, three model calls held at their provider neither take that slot
// nor queue ahead of a plain chain, which completes while they wait.
func TestAINodesDoNotHoldPlainSlots(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	stub := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{"Hello", " there"}, Input: 10, Output: 2, Gate: gate}
	})
	defer stub.Close()
	e := newEnv(t, Options{MaxNodes: 1, Credentials: credentials.WithOperatorKeys(userCreds(nil),
		credentials.OperatorKeys{"openai": {Secret: "sk-operator", BaseURL: stub.OpenAIBaseURL()}})})
	u := e.user(100_000)
	ai := aiGraph(e, u, "gpt-4o-mini")
	w := e.watch(ai.ID)
	var calls []uuid.UUID
	for range 3 {
		calls = append(calls, e.submit(u, ai, map[string]any{"question": "hi"}).ID)
	}
	for _, id := range calls { // each call streams its first chunk, then is held
		w.until(id, func(ev events.Event) bool { return ev.Kind == events.KindNodeOutputDelta })
	}
	chain := e.graph(u, ch(chainOf("StoreValueBlock", nil, 5)))
	cw := e.watch(chain.ID)
	ex := e.submit(u, chain, map[string]any{"x": 1})
	require.Equal(t, model.StatusCompleted, cw.until(ex.ID, nil).Status)
	close(gate)
	for _, id := range calls {
		got := w.until(id, nil)
		require.Equal(t, model.StatusCompleted, got.Status, "%v", got.ErrorMessage)
	}
}
