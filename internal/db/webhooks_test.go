package db_test

import (
	"context"
	"crypto/sha256"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// hookSpec is a graph with webhook nodes of these keys feeding b.
func hookSpec(name string, keys ...string) *model.GraphSpec {
	sp := &model.GraphSpec{Name: name, Nodes: []model.NodeSpec{{Key: "b", BlockID: blockB.String()}}}
	for _, k := range keys {
		def := map[string]any{}
		if k == "gh" {
			def["provider"] = "github"
		}
		sp.Nodes = append(sp.Nodes, model.NodeSpec{Key: k, BlockID: blockHook.String(), InputDefault: def})
		sp.Links = append(sp.Links, model.LinkSpec{SourceKey: k, SourceName: "payload", SinkKey: "b", SinkName: "in"})
	}
	return sp
}

func TestWebhooksFollowTheActiveVersion(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	u := b.user()
	name := "hooks-" + testenv.RandomSuffix(4)
	g, err := b.store.GraphSaveSpec(b.ctx, u.ID, hookSpec(name, "one", "gh"), db.GraphSave{})
	require.NoError(t, err)
	hooks, err := b.store.WebhooksByGraphs(b.ctx, []uuid.UUID{g.ID})
	require.NoError(t, err)
	v1 := hooks[g.ID]
	require.Len(t, v1, 2)
	require.Equal(t, "gh", v1[0].NodeKey)
	require.Equal(t, "github", v1[0].Provider)
	require.Equal(t, "one", v1[1].NodeKey)
	require.Equal(t, "agentgraph", v1[1].Provider)
	require.False(t, v1[1].HasSecret)

	// Version 2 keeps "one" (same id), drops "gh", adds "two".
	_, err = b.store.GraphSaveSpec(b.ctx, u.ID, hookSpec(name, "one", "two"), db.GraphSave{ID: g.ID, Activate: true})
	require.NoError(t, err)
	hooks, err = b.store.WebhooksByGraphs(b.ctx, []uuid.UUID{g.ID})
	require.NoError(t, err)
	v2 := hooks[g.ID]
	require.Len(t, v2, 2)
	require.Equal(t, "one", v2[0].NodeKey)
	require.Equal(t, v1[1].ID, v2[0].ID, "a node key keeps its webhook across versions")
	require.Equal(t, "two", v2[1].NodeKey)
	many, err := b.store.WebhooksForDelivery(b.ctx, []uuid.UUID{v1[0].ID, v2[0].ID, v2[1].ID, uuid.New()})
	require.NoError(t, err)
	require.Len(t, many, 2, "the disabled and the unknown webhook are absent")
	require.Equal(t, "one", many[v2[0].ID].NodeKey)
	require.Equal(t, "two", many[v2[1].ID].NodeKey)
	require.Equal(t, g.Version+1, many[v2[1].ID].GraphVersion)
	_, err = b.store.WebhookForDelivery(b.ctx, v1[0].ID)
	require.ErrorIs(t, err, model.ErrNotFound, "a webhook whose node left the active version is disabled")

	// Reactivating version 1 brings "gh" back with its old id.
	_, err = b.store.GraphSetActive(b.ctx, u.ID, g.ID, 1)
	require.NoError(t, err)
	tg, err := b.store.WebhookForDelivery(b.ctx, v1[0].ID)
	require.NoError(t, err)
	require.Equal(t, 1, tg.GraphVersion)
	require.True(t, tg.UserActive)
	require.Nil(t, tg.Secret)

	// Deleting the graph deletes its webhooks.
	ok, err := b.store.GraphDelete(b.ctx, u.ID, g.ID)
	require.NoError(t, err)
	require.True(t, ok)
	var n int
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM webhooks WHERE graph_id = $1`, g.ID).Scan(&n))
	require.Zero(t, n)
}

func TestWebhookDeliverIsIdempotent(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	u, other := b.user(), b.user()
	g, err := b.store.GraphSaveSpec(b.ctx, u.ID, hookSpec("d-"+testenv.RandomSuffix(4), "in"), db.GraphSave{})
	require.NoError(t, err)
	hooks, err := b.store.WebhooksByGraphs(b.ctx, []uuid.UUID{g.ID})
	require.NoError(t, err)
	id := hooks[g.ID][0].ID

	_, err = b.store.WebhookSetSecret(b.ctx, other.ID, id, []byte("s"), false)
	require.ErrorIs(t, err, model.ErrNotFound, "someone else's webhook")
	w, err := b.store.WebhookSetSecret(b.ctx, u.ID, id, []byte("s3cret"), false)
	require.NoError(t, err)
	require.True(t, w.HasSecret)
	tg, err := b.store.WebhookForDelivery(b.ctx, id)
	require.NoError(t, err)
	require.Equal(t, []byte("s3cret"), tg.Secret)

	body := []byte(`{"a":1}`)
	sum := sha256.Sum256(body)
	d := db.Delivery{Target: tg, DeliveryID: "d-1", BodySHA256: sum[:], Payload: map[string]any{"a": 1.0}}
	// Concurrent identical deliveries: one run, everyone gets it.
	var wg sync.WaitGroup
	got := make([]*model.GraphExecution, 8)
	replays := make([]bool, 8)
	errs := make([]error, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], replays[i], errs[i] = b.store.WebhookDeliver(b.ctx, d)
		}()
	}
	wg.Wait()
	fresh := 0
	for i := range got {
		require.NoError(t, errs[i])
		require.Equal(t, got[0].ID, got[i].ID)
		if !replays[i] {
			fresh++
		}
	}
	require.Equal(t, 1, fresh)
	ex := got[0]
	require.Equal(t, model.TriggerWebhook, ex.Trigger.Kind)
	require.Equal(t, id, *ex.Trigger.WebhookID)
	require.Equal(t, "d-1", *ex.Trigger.DeliveryID)
	require.JSONEq(t, `{"in":{"a":1}}`, string(ex.Inputs))

	// Same id, different body: conflict.
	other2 := sha256.Sum256([]byte(`{"a":2}`))
	d2 := d
	d2.BodySHA256 = other2[:]
	_, _, err = b.store.WebhookDeliver(b.ctx, d2)
	require.ErrorIs(t, err, model.ErrConflict)

	// Over the owner's concurrent-run limit: refused, nothing stored.
	d3 := d
	d3.DeliveryID, d3.MaxActiveRuns = "d-3", 1
	_, _, err = b.store.WebhookDeliver(b.ctx, d3)
	require.ErrorIs(t, err, db.ErrTooManyRuns)
	var n int
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $1`, id).Scan(&n))
	require.Equal(t, 1, n)
}

// Concurrent deliveries share one transaction; within it a repeated id
// answers the first one's run, a different body under a stored id is a
// conflict, the owner's limit counts the batch's earlier deliveries, and a
// delivery that cannot be stored fails alone.
func TestWebhookDeliverManyAnswersEachDelivery(t *testing.T) {
	t.Parallel()
	// Its own database: another test's BlockSync beside this one's graph
	// save can deadlock in a shared one (seen as a rare flake of
	// TestWebhooksFollowTheActiveVersion).
	b := setup(t, true)
	u := b.user()
	g, err := b.store.GraphSaveSpec(b.ctx, u.ID, hookSpec("m-"+testenv.RandomSuffix(4), "in"), db.GraphSave{})
	require.NoError(t, err)
	hooks, err := b.store.WebhooksByGraphs(b.ctx, []uuid.UUID{g.ID})
	require.NoError(t, err)
	tg, err := b.store.WebhookForDelivery(b.ctx, hooks[g.ID][0].ID)
	require.NoError(t, err)
	del := func(id, body string, payload any) db.Delivery {
		sum := sha256.Sum256([]byte(body))
		return db.Delivery{Target: tg, DeliveryID: id, BodySHA256: sum[:], Payload: payload}
	}
	wait, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	l, err := b.store.Listen(wait, db.ChannelExecutionQueued)
	require.NoError(t, err)
	defer l.Close()
	first, _, err := b.store.WebhookDeliver(b.ctx, del("old", `{"a":0}`, map[string]any{"a": 0}))
	require.NoError(t, err)

	res := b.store.WebhookDeliverMany(b.ctx, []db.Delivery{
		del("a", `{"a":1}`, map[string]any{"a": 1}),
		del("a", `{"a":1}`, map[string]any{"a": 1}),                // the same delivery twice in one batch
		del("old", `{"a":0}`, map[string]any{"a": 0}),              // stored before
		del("old", `{"a":9}`, map[string]any{"a": 9}),              // stored before, another body
		del("bad", `{"a":2}`, map[string]any{"c": make(chan int)}), // cannot be stored
		del("b", `{"a":3}`, map[string]any{"a": 3}),
	})
	require.Len(t, res, 6)
	require.NoError(t, res[0].Err)
	require.False(t, res[0].Replay)
	require.JSONEq(t, `{"in":{"a":1}}`, string(res[0].Execution.Inputs))
	require.NoError(t, res[1].Err)
	require.True(t, res[1].Replay)
	require.Equal(t, res[0].Execution.ID, res[1].Execution.ID)
	require.NoError(t, res[2].Err)
	require.True(t, res[2].Replay)
	require.Equal(t, first.ID, res[2].Execution.ID)
	require.ErrorIs(t, res[3].Err, model.ErrConflict)
	require.Error(t, res[4].Err, "a payload that is not JSON fails its own delivery")
	require.Nil(t, res[4].Execution)
	require.NoError(t, res[5].Err)
	require.False(t, res[5].Replay)
	require.NotEqual(t, res[0].Execution.ID, res[5].Execution.ID)
	// The workers are told: one NOTIFY per stored batch, naming one of its runs.
	for _, want := range []map[string]bool{{first.ID.String(): true},
		{res[0].Execution.ID.String(): true, res[5].Execution.ID.String(): true}} {
		_, p, err := l.Wait(wait)
		require.NoError(t, err)
		require.True(t, want[p], "notified %s, want one of %v", p, want)
	}
	var n int
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $1`, tg.ID).Scan(&n))
	require.Equal(t, 3, n, "old, a and b")
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM graph_executions WHERE webhook_id = $1`, tg.ID).Scan(&n))
	require.Equal(t, 3, n, "one run each")

	// The limit counts the owner's runs in progress (3 queued) and the
	// batch's earlier deliveries: with a limit of 5, two more fit.
	aID := res[0].Execution.ID
	limited := func(id string) db.Delivery {
		d := del(id, `{"a":1}`, map[string]any{"a": 1})
		d.MaxActiveRuns = 5
		return d
	}
	res = b.store.WebhookDeliverMany(b.ctx, []db.Delivery{limited("l1"), limited("l2"), limited("l3"), limited("a")})
	require.NoError(t, res[0].Err)
	require.NoError(t, res[1].Err)
	require.ErrorIs(t, res[2].Err, db.ErrTooManyRuns)
	require.NoError(t, res[3].Err, "a replay is answered even over the limit")
	require.True(t, res[3].Replay)
	require.Equal(t, aID, res[3].Execution.ID)

	// A target looked up before its secret was rotated is stale: nothing stored.
	_, err = b.store.WebhookSetSecret(b.ctx, u.ID, tg.ID, []byte("rotated"), false)
	require.NoError(t, err)
	res = b.store.WebhookDeliverMany(b.ctx, []db.Delivery{del("s1", `{"a":1}`, map[string]any{"a": 1})})
	require.ErrorIs(t, res[0].Err, db.ErrStaleTarget)
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $1 AND delivery_id = 's1'`, tg.ID).Scan(&n))
	require.Zero(t, n)
	fresh, err := b.store.WebhookForDelivery(b.ctx, tg.ID)
	require.NoError(t, err)
	d := del("s1", `{"a":1}`, map[string]any{"a": 1})
	d.Target = fresh
	res = b.store.WebhookDeliverMany(b.ctx, []db.Delivery{d})
	require.NoError(t, res[0].Err, "a fresh lookup stores it")
}
