package livestream

import (
	"context"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// GraphSink takes a graph stream's values, in order, on the hub's reader
// goroutine: it must not block.
type GraphSink interface {
	// Changed reports a status change of one of the user's runs. Nothing
	// is dropped, and a Redis reconnect needs no replay: each change only
	// says "read the run", and reading it gives its current state.
	Changed(c RunChange)
}

// RunChange is a status change of one run.
type RunChange struct {
	ID    uuid.UUID
	store Store
}

// Read returns the run as stored now. Consumers call it when they deliver
// the change, one change at a time and in order, so the last state they
// send is the newest.
func (c RunChange) Read(ctx context.Context) (*model.GraphExecution, error) {
	return c.store.ExecutionGet(ctx, c.ID)
}

// Graph streams the status changes of userID's runs of graph graphID into
// sink until ctx is done. Other users' runs of the graph (a template's, a
// shared graph's) are not reported.
func (s *Streams) Graph(ctx context.Context, graphID, userID uuid.UUID, sink GraphSink) {
	user := userID.String()
	sub := s.hub.SubscribeGraphFunc(graphID.String(), func(ev *events.Event) {
		if ev == nil || ev.Kind != events.KindGraphStatus || ev.UserID != user {
			return // a reconnect needs no replay: each change is read anew
		}
		id, err := uuid.Parse(ev.ExecutionID)
		if err != nil {
			return
		}
		sink.Changed(RunChange{ID: id, store: s.store})
	})
	context.AfterFunc(ctx, sub.Close)
}
