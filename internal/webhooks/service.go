// Package webhooks accepts signed webhook deliveries and turns each into
// exactly one queued run, and manages the webhooks' signing secrets. The
// HTTP side (status codes, limits) is internal/server's webhook handler.
package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/batch"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Signature headers: ours, and GitHub's (accepted for webhooks whose node
// says provider "github"). Both carry "sha256=" and the hex HMAC-SHA256 of
// the raw body under the webhook's secret.
const (
	HeaderSignature       = "X-Agentgraph-Signature"
	HeaderGitHubSignature = "X-Hub-Signature-256"
	HeaderDelivery        = "X-Agentgraph-Delivery"
	HeaderGitHubDelivery  = "X-GitHub-Delivery"
)

// Service verifies and stores deliveries.
type Service struct {
	store *db.Store
	// cipher seals secrets at rest; nil (no ENCRYPTION_KEY): they are
	// stored in clear, as they must stay readable to check signatures.
	cipher *credentials.Cipher
	// MaxActiveRuns is the owner's limit of queued and running runs
	// (MAX_RUNS_PER_USER); a delivery over it is refused. 0: none.
	maxActiveRuns int
	onQueued      func(ctx context.Context, runs []*model.GraphExecution)
	deliveries    batch.Batcher[deliveryReq]
	targets       batch.Batcher[targetReq]
	cache         targetCache
}

// New builds the service; onQueued is told of each new run (the engine
// publishes its QUEUED event).
func New(store *db.Store, cipher *credentials.Cipher, maxActiveRuns int, onQueued func(context.Context, []*model.GraphExecution)) *Service {
	if onQueued == nil {
		onQueued = func(context.Context, []*model.GraphExecution) {}
	}
	s := &Service{store: store, cipher: cipher, maxActiveRuns: maxActiveRuns, onQueued: onQueued}
	s.deliveries.Run = s.deliverBatch
	s.targets.Run = s.lookupBatch
	return s
}

// RotateSecret gives one of the user's webhooks a new random secret and
// returns it: the only time it is shown.
func (s *Service) RotateSecret(ctx context.Context, userID, id uuid.UUID) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	secret := "whsec_" + hex.EncodeToString(raw)
	stored, encrypted := []byte(secret), false
	if s.cipher != nil {
		sealed, err := s.cipher.SealBytes(stored)
		if err != nil {
			return "", err
		}
		stored, encrypted = sealed, true
	}
	if _, err := s.store.WebhookSetSecret(ctx, userID, id, stored, encrypted); err != nil {
		return "", err
	}
	return secret, nil
}

// Errors of Accept the handler maps to status codes.
var (
	ErrBadSignature = errors.New("missing or wrong signature")
	ErrTooManyRuns  = db.ErrTooManyRuns
	// ErrStaleTarget: the webhook changed since Target answered (it may
	// answer from its cache); Forget it and start over.
	ErrStaleTarget = db.ErrStaleTarget
)

// Target looks up an enabled webhook (model.ErrNotFound otherwise), in
// one statement with the lookups of concurrent deliveries — or answers
// from a cache of recent lookups (cached true), which may be stale: a
// signature it refuses must be checked again with a fresh one (Forget),
// and Accept stores nothing for a stale one (ErrStaleTarget).
func (s *Service) Target(ctx context.Context, id uuid.UUID) (t *db.WebhookTarget, cached bool, err error) {
	if t := s.cache.get(id); t != nil {
		return t, true, nil
	}
	r := &targetReq{id: id, done: make(chan struct{})}
	s.targets.Do(r, r.done)
	t, err = r.t, r.err
	if err == nil && !t.UserActive {
		err = model.NotFound("webhook")
	}
	if err == nil {
		s.cache.put(id, t)
	}
	return t, false, err
}

// Forget drops the cached lookup of a webhook.
func (s *Service) Forget(id uuid.UUID) { s.cache.forget(id) }

// Verify checks a signature header value ("sha256=<hex>") of body in
// constant time. A webhook without a secret accepts nothing.
func (s *Service) Verify(t *db.WebhookTarget, body []byte, ours, github string) error {
	if t.Secret == nil {
		return ErrBadSignature
	}
	secret := t.Secret
	if t.SecretEncrypted {
		if s.cipher == nil {
			return ErrBadSignature
		}
		var err error
		if secret, err = s.cipher.OpenBytes(t.Secret); err != nil {
			return ErrBadSignature
		}
	}
	sig := ours
	if sig == "" && t.Provider == "github" {
		sig = github
	}
	got, ok := strings.CutPrefix(sig, "sha256=")
	if !ok {
		return ErrBadSignature
	}
	gotMAC, err := hex.DecodeString(got)
	if err != nil {
		return ErrBadSignature
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	if !hmac.Equal(gotMAC, m.Sum(nil)) {
		return ErrBadSignature
	}
	return nil
}

// Accept stores a verified delivery and its run (committed when it
// returns, in one transaction with the deliveries accepted concurrently),
// or answers the run of the same delivery id stored before.
func (s *Service) Accept(ctx context.Context, t *db.WebhookTarget, deliveryID string, body []byte, payload any) (*model.GraphExecution, error) {
	sum := sha256.Sum256(body)
	r := &deliveryReq{d: db.Delivery{Target: t, DeliveryID: deliveryID, BodySHA256: sum[:], Payload: payload,
		MaxActiveRuns: s.maxActiveRuns}, done: make(chan struct{})}
	s.deliveries.Do(r, r.done)
	return r.res.Execution, r.res.Err
}
