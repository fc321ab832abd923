package db

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// syncWebhooks gives each WEBHOOK node of the graph's active version its
// webhook (an existing node key keeps its id, hence its URL) and disables
// the others. Called in the transaction that activates a version.
func (s *Store) syncWebhooks(ctx context.Context, graphID uuid.UUID) error {
	return s.q.WebhookSyncGraph(ctx, s.db, graphID)
}

// WebhooksByGraphs returns the enabled webhooks of these graphs (one
// statement; the Graph.webhooks loader), by graph then node key.
func (s *Store) WebhooksByGraphs(ctx context.Context, graphIDs []uuid.UUID) (map[uuid.UUID][]model.Webhook, error) {
	rows, err := s.q.WebhookListByGraphs(ctx, s.db, graphIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID][]model.Webhook, len(graphIDs))
	for _, r := range rows {
		out[r.GraphID] = append(out[r.GraphID], *webhookFromRow(r))
	}
	return out, nil
}

// WebhookTarget is an enabled webhook with what a delivery needs.
type WebhookTarget struct {
	model.Webhook
	Secret          []byte // nil: no secret yet (every request is refused)
	SecretEncrypted bool
	GraphVersion    int // the graph's active version
	UserActive      bool
}

// WebhookForDelivery returns an enabled webhook of a graph with an active
// version; model.ErrNotFound otherwise.
func (s *Store) WebhookForDelivery(ctx context.Context, id uuid.UUID) (*WebhookTarget, error) {
	ts, err := s.WebhooksForDelivery(ctx, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	if t := ts[id]; t != nil {
		return t, nil
	}
	return nil, model.NotFound("webhook")
}

// WebhooksForDelivery is WebhookForDelivery for many ids in one
// statement; those not found are absent from the map.
func (s *Store) WebhooksForDelivery(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*WebhookTarget, error) {
	rows, err := s.q.WebhookGetForDeliveryMany(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]*WebhookTarget, len(rows))
	for _, r := range rows {
		w := webhookFromRow(dbsqlc.Webhook{ID: r.ID, UserID: r.UserID, GraphID: r.GraphID, NodeKey: r.NodeKey,
			Provider: r.Provider, Secret: r.Secret, IsActive: r.IsActive, CreatedAt: r.CreatedAt})
		out[r.ID] = &WebhookTarget{Webhook: *w, Secret: r.Secret, SecretEncrypted: r.SecretEncrypted,
			GraphVersion: int(r.GraphVersion), UserActive: r.UserActive}
	}
	return out, nil
}

// WebhookSetSecret stores a new signing secret (sealed by the caller when
// encrypted) for one of the user's webhooks.
func (s *Store) WebhookSetSecret(ctx context.Context, userID, id uuid.UUID, secret []byte, encrypted bool) (*model.Webhook, error) {
	r, err := s.q.WebhookSetSecret(ctx, s.db, dbsqlc.WebhookSetSecretParams{ID: id, UserID: userID,
		Secret: secret, SecretEncrypted: encrypted})
	if err != nil {
		return nil, notFound(err, "webhook")
	}
	return webhookFromRow(r), nil
}

// Delivery is an accepted webhook request to store.
type Delivery struct {
	Target     *WebhookTarget
	DeliveryID string
	BodySHA256 []byte
	Payload    any // the parsed body: the run's input for the webhook's node
	// MaxActiveRuns refuses the delivery (ErrTooManyRuns) when the owner
	// already has this many runs queued or running; 0: no limit.
	MaxActiveRuns int
}

// ErrTooManyRuns: the owner is at their concurrent-run limit.
var ErrTooManyRuns = errors.New("too many runs in progress")

// ErrStaleTarget: the delivery's webhook is no longer as its Target says
// (disabled, its secret rotated, a new active version, its owner
// deactivated): nothing was stored; look the webhook up again.
var ErrStaleTarget = errors.New("the webhook changed since it was looked up")

// DeliveryResult answers one delivery of WebhookDeliverMany.
type DeliveryResult struct {
	Execution *model.GraphExecution
	Replay    bool // the delivery id was stored before: its run, nothing new
	Err       error
}

// WebhookDeliver stores one delivery (WebhookDeliverMany of one).
func (s *Store) WebhookDeliver(ctx context.Context, d Delivery) (ex *model.GraphExecution, replay bool, err error) {
	r := s.WebhookDeliverMany(ctx, []Delivery{d})[0]
	return r.Execution, r.Replay, r.Err
}

// WebhookDeliverMany stores deliveries and their QUEUED runs, committed
// before it returns (an accepted delivery is never lost), in one statement
// for them all (storeDeliveries): without a run limit that is one round
// trip and one commit per batch, which is what bounds a webhook's rate. A
// delivery id stored before (or earlier in the same batch) answers that
// run (Replay); with a different body it is a conflict. A delivery whose
// Target is stale (it may come from a cache) is refused: ErrStaleTarget. Over its owner's
// MaxActiveRuns a new delivery is refused (ErrTooManyRuns), counting the
// batch's earlier ones: the count and the statement then share a
// transaction. If the statement fails, each delivery is retried alone, so
// one bad delivery fails only itself. Results are in the order of ds.
func (s *Store) WebhookDeliverMany(ctx context.Context, ds []Delivery) []DeliveryResult {
	out := make([]DeliveryResult, len(ds))
	if len(ds) == 0 {
		return out
	}
	const (
		fresh   = iota
		taken   // the key was taken: a replay or a conflict
		tooMany // refused unless it is a replay
	)
	state := make([]int, len(ds))
	store := func(st *Store) error {
		for i := range state {
			state[i] = fresh
		}
		if err := st.admit(ctx, ds, state, tooMany); err != nil {
			return err
		}
		var at []int
		for i := range ds {
			if state[i] == fresh {
				at = append(at, i)
			}
		}
		stored, err := st.storeDeliveries(ctx, ds, at)
		if err != nil {
			return err
		}
		for _, i := range at {
			if ex := stored[i]; ex != nil {
				out[i] = DeliveryResult{Execution: ex}
			} else {
				state[i] = taken
			}
		}
		return nil
	}
	var err error
	if s.anyRunLimit(ds) {
		err = s.InTx(ctx, store)
	} else {
		err = store(s) // one statement: its own transaction
	}
	if err != nil {
		if len(ds) == 1 {
			out[0] = DeliveryResult{Err: err}
			return out
		}
		for i := range ds {
			out[i] = s.WebhookDeliverMany(ctx, ds[i:i+1])[0]
		}
		return out
	}
	for i, d := range ds {
		if state[i] == fresh {
			continue
		}
		ex, err := s.replayed(ctx, d)
		switch {
		case ex != nil || err != nil:
			out[i] = DeliveryResult{Execution: ex, Replay: true, Err: err}
		case state[i] == tooMany:
			out[i] = DeliveryResult{Err: ErrTooManyRuns}
		default: // neither stored nor stored before: the statement's check of the target refused it
			out[i] = DeliveryResult{Err: ErrStaleTarget}
		}
	}
	return out
}

func (s *Store) anyRunLimit(ds []Delivery) bool {
	for _, d := range ds {
		if d.MaxActiveRuns > 0 {
			return true
		}
	}
	return false
}

// storeDeliveries takes the keys of ds[at...] and stores a QUEUED run for
// each key taken, with one NOTIFY, in one statement
// (WebhookDeliveryStoreMany). It answers the runs by index into ds; a
// delivery whose key was already taken has none.
func (s *Store) storeDeliveries(ctx context.Context, ds []Delivery, at []int) (map[int]*model.GraphExecution, error) {
	if len(at) == 0 {
		return nil, nil
	}
	type run struct {
		ID           uuid.UUID `json:"id"`
		GraphID      uuid.UUID `json:"graph_id"`
		GraphVersion int       `json:"graph_version"`
		UserID       uuid.UUID `json:"user_id"`
		Inputs       any       `json:"inputs"`
		WebhookID    uuid.UUID `json:"webhook_id"`
		DeliveryID   string    `json:"delivery_id"`
	}
	p := dbsqlc.WebhookDeliveryStoreManyParams{Stats: newRunStats, Channel: ChannelExecutionQueued}
	runs := make([]run, 0, len(at))
	index := make(map[uuid.UUID]int, len(at))
	for _, i := range at {
		d := ds[i]
		id := uuid.New()
		index[id] = i
		p.WebhookIds = append(p.WebhookIds, d.Target.ID)
		p.DeliveryIds = append(p.DeliveryIds, d.DeliveryID)
		p.BodySha256s = append(p.BodySha256s, d.BodySHA256)
		p.ExecutionIds = append(p.ExecutionIds, id)
		p.Secrets = append(p.Secrets, d.Target.Secret)
		p.GraphVersions = append(p.GraphVersions, int32(d.Target.GraphVersion))
		p.Providers = append(p.Providers, d.Target.Provider)
		runs = append(runs, run{ID: id, GraphID: d.Target.GraphID, GraphVersion: d.Target.GraphVersion,
			UserID: d.Target.UserID, Inputs: map[string]any{d.Target.NodeKey: d.Payload},
			WebhookID: d.Target.ID, DeliveryID: d.DeliveryID})
	}
	var err error
	if p.Runs, err = json.Marshal(runs); err != nil {
		return nil, model.Invalid("inputs", "not JSON-encodable: %v", err)
	}
	rows, err := s.q.WebhookDeliveryStoreMany(ctx, s.db, p)
	if err != nil {
		return nil, err
	}
	out := make(map[int]*model.GraphExecution, len(rows))
	for _, r := range rows {
		out[index[r.ID]] = executionFromRow(dbsqlc.GraphExecution(r))
	}
	return out, nil
}

// admit marks the deliveries over their owner's concurrent-run limit
// (refused is their state), counting the owner's runs in progress once for
// the batch and each earlier delivery of it as one more.
func (s *Store) admit(ctx context.Context, ds []Delivery, state []int, refused int) error {
	var owners []uuid.UUID
	seen := map[uuid.UUID]bool{}
	for _, d := range ds {
		if d.MaxActiveRuns > 0 && !seen[d.Target.UserID] {
			seen[d.Target.UserID] = true
			owners = append(owners, d.Target.UserID)
		}
	}
	if len(owners) == 0 {
		return nil
	}
	rows, err := s.q.WebhookOwnersActiveRuns(ctx, s.db, owners)
	if err != nil {
		return err
	}
	active := make(map[uuid.UUID]int64, len(rows))
	for _, r := range rows {
		active[r.UserID] = r.Active
	}
	for i, d := range ds {
		if d.MaxActiveRuns <= 0 {
			continue
		}
		if active[d.Target.UserID] >= int64(d.MaxActiveRuns) {
			state[i] = refused
			continue
		}
		active[d.Target.UserID]++
	}
	return nil
}

// replayed answers a delivery id already stored: its run, or a conflict
// when the body differs. Nothing when the id is new.
func (s *Store) replayed(ctx context.Context, d Delivery) (*model.GraphExecution, error) {
	r, err := s.q.WebhookDeliveryGet(ctx, s.db, dbsqlc.WebhookDeliveryGetParams{WebhookID: d.Target.ID, DeliveryID: d.DeliveryID})
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	if !bytes.Equal(r.BodySha256, d.BodySHA256) {
		return nil, model.ConflictError("delivery %q was already received with a different body", d.DeliveryID)
	}
	return s.ExecutionGet(ctx, r.ExecutionID)
}

func webhookFromRow(r dbsqlc.Webhook) *model.Webhook {
	return &model.Webhook{ID: r.ID, UserID: r.UserID, GraphID: r.GraphID, NodeKey: r.NodeKey, Provider: r.Provider,
		HasSecret: r.Secret != nil, IsActive: r.IsActive, CreatedAt: r.CreatedAt}
}
