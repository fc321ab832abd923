package db_test

import (
	"crypto/sha256"
	"sync"
	"testing"

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
