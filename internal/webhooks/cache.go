package webhooks

import (
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db"
)

// targetCache keeps recent webhook lookups, so a delivery does not wait
// for a round trip to Postgres before its signature is checked. It is
// never trusted alone: the statement that stores a delivery checks that
// the webhook is still as the cached target says (db.ErrStaleTarget), and
// a signature refused with a cached secret is checked again with a fresh
// lookup (the secret may have just been rotated). The TTL only bounds how
// long an unused entry is kept.
type targetCache struct {
	mu sync.Mutex
	m  map[uuid.UUID]cachedTarget
}

type cachedTarget struct {
	t  *db.WebhookTarget
	at time.Time
}

const (
	targetTTL       = time.Minute
	targetCacheSize = 10_000
)

func (c *targetCache) get(id uuid.UUID) *db.WebhookTarget {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || time.Since(e.at) > targetTTL {
		return nil
	}
	return e.t
}

func (c *targetCache) put(id uuid.UUID, t *db.WebhookTarget) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= targetCacheSize {
		c.m = make(map[uuid.UUID]cachedTarget)
	}
	c.m[id] = cachedTarget{t: t, at: time.Now()}
}

func (c *targetCache) forget(id uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}
