package engine

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Cancel stops one of the user's runs. A QUEUED run moves to CANCELLED
// directly. A RUNNING run is stopped by the worker holding it — this one
// at once; another through NOTIFY (or its next heartbeat) — and Cancel
// waits for the end, up to ctx or 10 s, returning the run as it then is.
// A run whose worker is gone is taken over and cancelled here. A finished
// run is a conflict naming its status; another user's is not found.
func (e *Engine) Cancel(ctx context.Context, userID, executionID uuid.UUID) (*model.GraphExecution, error) {
	ex, err := e.store.ExecutionGet(ctx, executionID)
	if err != nil {
		return nil, err
	}
	if ex.UserID != userID {
		return nil, model.NotFound("execution")
	}
	if ex.Status.IsTerminal() {
		return nil, model.ConflictError("the execution already ended %s", ex.Status)
	}
	if ex.Status == model.StatusQueued {
		got, err := e.store.ExecutionCancelQueued(ctx, userID, executionID)
		if err == nil {
			e.publishNow(ctx, events.Event{ExecutionID: got.ID.String(), GraphID: got.GraphID.String(),
				UserID: userID.String(), Seq: got.LastSeq, Kind: events.KindGraphStatus,
				Status: string(model.StatusCancelled), Error: "cancelled by user", At: e.now().UTC()})
			return got, nil
		}
		if !errors.Is(err, model.ErrNotFound) {
			return nil, err
		}
		// Claimed meanwhile: cancel it as a running run.
	}
	if r := e.heldRun(executionID); r != nil {
		r.requestStop(model.StatusCancelled, "cancelled by user")
		select {
		case <-r.done:
		case <-ctx.Done():
		}
		return e.store.ExecutionGet(ctx, executionID)
	}
	if _, err := e.store.ExecutionRequestCancel(ctx, userID, executionID); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return e.cancelResult(ctx, executionID)
		}
		return nil, err
	}
	// A run nobody holds (its worker died) is cancelled here.
	if e.running() {
		if r, err := e.takeByID(ctx, executionID, true); err == nil {
			select {
			case <-r.done:
			case <-ctx.Done():
			}
		}
	}
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		cur, err := e.store.ExecutionGet(ctx, executionID)
		if err != nil || cur.Status.IsTerminal() {
			return cur, err
		}
		select {
		case <-wait.Done():
			return cur, nil
		case <-tick.C:
		}
	}
}

// cancelResult answers a cancel that lost a race with the run's end.
func (e *Engine) cancelResult(ctx context.Context, id uuid.UUID) (*model.GraphExecution, error) {
	cur, err := e.store.ExecutionGet(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.Status.IsTerminal() {
		return nil, model.ConflictError("the execution already ended %s", cur.Status)
	}
	return cur, nil
}

// running reports whether Start was called and Stop was not.
func (e *Engine) running() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.started && !e.stopping
}
