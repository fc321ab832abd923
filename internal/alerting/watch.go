package alerting

import (
	"context"
	"time"

	"github.com/agentgraph/agentgraph/internal/db"
)

// Watch streams the alert events stored after it starts, oldest first,
// until ctx ends. It reads Postgres every poll (the evaluator may run in
// another process, and events are rare: a poll of an indexed seq is
// cheaper than a Redis channel and a hub route of their own). The seq
// cursor makes it gap-free: an event committed late is still newer than
// the cursor, since seq is taken in the transaction that stores it and the
// single evaluator stores them one transaction at a time.
func Watch(ctx context.Context, store *db.Store, poll time.Duration) (<-chan *db.AlertEvent, error) {
	after, err := store.AlertEventLastSeq(ctx)
	if err != nil {
		return nil, err
	}
	if poll <= 0 {
		poll = time.Second
	}
	out := make(chan *db.AlertEvent)
	go func() {
		defer close(out)
		t := time.NewTicker(poll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			evs, err := store.AlertEventsSince(ctx, after)
			if err != nil {
				continue // the next poll tries again; the cursor has not moved
			}
			for _, ev := range evs {
				select {
				case out <- ev:
					after = ev.Seq
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}
