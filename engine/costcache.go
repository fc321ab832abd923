package engine

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
)

// costsTTL is how long operator-set block costs are used before they are
// read again: a change (setBlockCosts) is in force on every worker within
// it, without a rebuild or a restart.
const costsTTL = 2 * time.Second

// storeCosts is the default CostSource: the costs operators set, read from
// the database (db.Store.BlockCostsOperator) and kept in memory; every
// other block costs what the code says, which is what block sync stored.
// The hot path only loads a pointer: a stale snapshot is answered while
// one goroutine reads the next.
type storeCosts struct {
	store   *db.Store
	cur     atomic.Pointer[costSnapshot]
	loading atomic.Bool
	mu      sync.Mutex // serialises Reload
}

type costSnapshot struct {
	at      time.Time
	byBlock map[string][]blocks.Cost
}

func (c *storeCosts) For(blockID string, code []blocks.Cost) []blocks.Cost {
	snap := c.cur.Load()
	if snap == nil {
		// The first read waits for the operator's costs: answering the
		// code's costs meanwhile would run a just-started worker's first
		// nodes at the wrong price (free, for a block an operator made paid).
		snap = c.first()
	}
	if time.Since(snap.at) > costsTTL {
		if c.loading.CompareAndSwap(false, true) {
			go func() {
				defer c.loading.Store(false)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = c.Reload(ctx)
			}()
		}
	}
	if costs, ok := snap.byBlock[blockID]; ok {
		return costs
	}
	return code
}

// first loads the snapshot once, whoever asks first; the others wait for it.
func (c *storeCosts) first() *costSnapshot {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.mu.Lock()
	snap := c.cur.Load()
	c.mu.Unlock()
	if snap == nil {
		_ = c.Reload(ctx) // on an error it stores the code's costs, retried after the TTL
		snap = c.cur.Load()
	}
	return snap
}

// Reload reads the operator-set costs now.
func (c *storeCosts) Reload(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	changes, err := c.store.BlockCostsOperator(ctx)
	if err != nil {
		if c.cur.Load() == nil { // keep the code's costs, retry after the TTL
			c.cur.Store(&costSnapshot{at: time.Now(), byBlock: map[string][]blocks.Cost{}})
		}
		return err
	}
	m := make(map[string][]blocks.Cost, len(changes))
	for _, ch := range changes {
		costs := make([]blocks.Cost, len(ch.Costs))
		for i, x := range ch.Costs {
			costs[i] = blocks.Cost{Type: blocks.CostType(x.Type), Amount: x.Amount, Currency: x.Currency, Description: x.Description}
			var f map[string]any
			if json.Unmarshal(x.Filter, &f) == nil && len(f) > 0 {
				costs[i].Filter = f
			}
		}
		m[ch.BlockID.String()] = costs
	}
	c.cur.Store(&costSnapshot{at: time.Now(), byBlock: m})
	return nil
}

// ReloadCosts makes operator-set block costs changed in this process take
// effect at once here (other processes see them within costsTTL).
func (e *Engine) ReloadCosts(ctx context.Context) error {
	if c, ok := e.opts.Costs.(*storeCosts); ok {
		return c.Reload(ctx)
	}
	return nil
}

// CostsFor is a block's costs in force: operator-set, else code (the
// code's costs).
func (e *Engine) CostsFor(blockID string, code []blocks.Cost) []blocks.Cost {
	if e.opts.Costs == nil {
		return code
	}
	return e.opts.Costs.For(blockID, code)
}
