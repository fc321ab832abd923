package main

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/model"
)

// endTracker hands run ends (Options.OnRunEnd) to whoever waits for them,
// including ends that came before the wait.
type endTracker struct {
	mu      sync.Mutex
	ended   map[string]runEnded
	waiters map[string]chan runEnded
}

// runEnded is how a run ended and when the engine said so.
type runEnded struct {
	status model.Status
	at     time.Time
}

func newEndTracker() *endTracker {
	return &endTracker{ended: map[string]runEnded{}, waiters: map[string]chan runEnded{}}
}

func (t *endTracker) onEnd(id uuid.UUID, st model.Status) {
	e := runEnded{st, time.Now()}
	t.mu.Lock()
	defer t.mu.Unlock()
	if ch, ok := t.waiters[id.String()]; ok {
		delete(t.waiters, id.String())
		ch <- e
		return
	}
	t.ended[id.String()] = e
}

// wait is the status run id ended with (CANCELLED when ctx ends first).
func (t *endTracker) wait(ctx context.Context, id string) model.Status {
	return t.waitEnd(ctx, id).status
}

// waitEnd is how and when run id ended; when ctx ends first, CANCELLED at
// that moment.
func (t *endTracker) waitEnd(ctx context.Context, id string) runEnded {
	t.mu.Lock()
	if e, ok := t.ended[id]; ok {
		delete(t.ended, id)
		t.mu.Unlock()
		return e
	}
	ch := make(chan runEnded, 1)
	t.waiters[id] = ch
	t.mu.Unlock()
	select {
	case e := <-ch:
		return e
	case <-ctx.Done():
		t.mu.Lock()
		delete(t.waiters, id)
		t.mu.Unlock()
		return runEnded{model.StatusCancelled, time.Now()}
	}
}
