package db

import (
	"bytes"
	"context"
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
	r, err := s.q.WebhookGetForDelivery(ctx, s.db, id)
	if err != nil {
		return nil, notFound(err, "webhook")
	}
	w := webhookFromRow(dbsqlc.Webhook{ID: r.ID, UserID: r.UserID, GraphID: r.GraphID, NodeKey: r.NodeKey,
		Provider: r.Provider, Secret: r.Secret, IsActive: r.IsActive, CreatedAt: r.CreatedAt})
	return &WebhookTarget{Webhook: *w, Secret: r.Secret, SecretEncrypted: r.SecretEncrypted,
		GraphVersion: int(r.GraphVersion), UserActive: r.UserActive}, nil
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

// WebhookDeliver stores a delivery and its QUEUED run in one transaction
// (committed before it returns, so an accepted delivery is never lost).
// The same delivery id again answers the run stored the first time
// (replay true); with a different body it is a conflict.
func (s *Store) WebhookDeliver(ctx context.Context, d Delivery) (ex *model.GraphExecution, replay bool, err error) {
	if ex, err := s.replayed(ctx, d); ex != nil || err != nil {
		return ex, true, err
	}
	errTaken := errors.New("delivery id taken")
	err = s.InTx(ctx, func(tx *Store) error {
		if d.MaxActiveRuns > 0 {
			n, err := tx.q.WebhookOwnerActiveRuns(ctx, tx.db, d.Target.UserID)
			if err != nil {
				return err
			}
			if n >= int64(d.MaxActiveRuns) {
				return ErrTooManyRuns
			}
		}
		id := uuid.New()
		// The key first: a concurrent request with the same delivery id
		// waits here for this transaction, then finds the key taken.
		if _, err := tx.q.WebhookDeliveryInsert(ctx, tx.db, dbsqlc.WebhookDeliveryInsertParams{
			WebhookID: d.Target.ID, DeliveryID: d.DeliveryID, BodySha256: d.BodySHA256, ExecutionID: id}); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return errTaken
			}
			return err
		}
		wid, did := d.Target.ID, d.DeliveryID
		runs, err := tx.insertTriggered(ctx, []TriggeredRun{{
			NewExecution: NewExecution{ID: id, GraphID: d.Target.GraphID, GraphVersion: d.Target.GraphVersion,
				UserID: d.Target.UserID, Inputs: map[string]any{d.Target.NodeKey: d.Payload}},
			Trigger: model.Trigger{Kind: model.TriggerWebhook, WebhookID: &wid, DeliveryID: &did}}})
		if err != nil {
			return err
		}
		ex = runs[0]
		return nil
	})
	if errors.Is(err, errTaken) {
		ex, err = s.replayed(ctx, d)
		if ex == nil && err == nil {
			err = errors.New("webhook delivery vanished after its key was taken")
		}
		return ex, true, err
	}
	return ex, false, err
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
