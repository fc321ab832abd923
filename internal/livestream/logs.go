package livestream

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// LogSource is what a run's log stream reads.
type LogSource interface {
	ExecutionLogs(ctx context.Context, executionID uuid.UUID, after *db.Cursor, limit int) ([]db.ExecutionLog, error)
	ExecutionGet(ctx context.Context, id uuid.UUID) (*model.GraphExecution, error)
}

// levelRank orders the seed's log levels.
var levelRank = map[string]int{"DEBUG": 0, "INFO": 1, "WARNING": 2, "ERROR": 3, "CRITICAL": 4}

// Logs streams a run's log lines at minLevel or above: those stored so
// far, then each new one, ending once the run has ended and its last lines
// are sent. Log lines are not published as events (a run may write many
// more of them than status changes), so the stream reads Postgres every
// poll, on the log's keyset (logged_at, id): a line is committed with the
// batch that wrote it, and a run's batches commit in order, so reading
// past the cursor misses none.
func Logs(ctx context.Context, src LogSource, executionID uuid.UUID, minLevel string, poll time.Duration) <-chan db.ExecutionLog {
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	min := levelRank[minLevel]
	out := make(chan db.ExecutionLog)
	go func() {
		defer close(out)
		var after *db.Cursor
		t := time.NewTicker(poll)
		defer t.Stop()
		for {
			// Read the status first: lines read after it include every
			// line of a run that had ended by then.
			ex, err := src.ExecutionGet(ctx, executionID)
			if errors.Is(err, model.ErrNotFound) {
				return // the run is gone (deleted with its graph): no more lines will come
			}
			ended := err == nil && ex.Status.IsTerminal()
			for err == nil {
				var lines []db.ExecutionLog
				lines, err = src.ExecutionLogs(ctx, executionID, after, 500)
				for _, l := range lines {
					after = &db.Cursor{Time: l.LoggedAt, ID: l.ID}
					if levelRank[l.Level] < min {
						continue
					}
					select {
					case out <- l:
					case <-ctx.Done():
						return
					}
				}
				if len(lines) < 500 {
					break
				}
			}
			if ended {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return out
}
