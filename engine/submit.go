package engine

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Submit queues a run of the user's graph (version 0 = the active one).
// The graph must exist and be the user's (else model.ErrNotFound, exactly
// like a missing one), the user active, every required input given and
// each input valid for its AgentInputBlock. The run is stored QUEUED, its
// event published, and a worker is woken.
func (e *Engine) Submit(ctx context.Context, userID uuid.UUID, graphID uuid.UUID, version int, inputs map[string]any, uc model.UserContext) (*model.GraphExecution, error) {
	user, err := e.store.UserGet(ctx, e.store.Pool, userID)
	if err != nil {
		return nil, err
	}
	if !user.IsActive {
		return nil, fmt.Errorf("%w: the user is deactivated", model.ErrForbidden)
	}
	fg, err := e.store.GraphLoad(ctx, e.store.Pool, graphID, version)
	if err != nil {
		return nil, err
	}
	if fg.UserID != userID {
		return nil, model.NotFound("graph")
	}
	if uc.Timezone == "" {
		uc.Timezone = user.Timezone
	}
	if uc.Locale == "" {
		uc.Locale = user.Locale
	}
	return e.submit(ctx, fg, userID, inputs, uc, nil)
}

func (e *Engine) submit(ctx context.Context, fg *model.FullGraph, userID uuid.UUID, inputs map[string]any, uc model.UserContext, parent *uuid.UUID) (*model.GraphExecution, error) {
	g, err := compile(fg, e.reg, e.opts.Strict)
	if err != nil {
		return nil, err
	}
	if inputs == nil {
		inputs = map[string]any{}
	}
	if err := g.checkInputs(e.reg, inputs); err != nil {
		return nil, err
	}
	var ex *model.GraphExecution
	err = e.store.InTx(ctx, func(tx pgx.Tx) error {
		ex, err = e.store.ExecutionInsert(ctx, tx, db.NewExecution{ID: uuid.New(), GraphID: fg.ID,
			GraphVersion: fg.Version, UserID: userID, Inputs: inputs, UserContext: uc, ParentNodeExecutionID: parent})
		return err
	})
	if err != nil {
		return nil, err
	}
	e.publishNow(ctx, events.Event{ExecutionID: ex.ID.String(), GraphID: ex.GraphID.String(),
		UserID: userID.String(), Seq: ex.LastSeq, Kind: events.KindGraphStatus, Status: string(model.StatusQueued),
		At: ex.CreatedAt.UTC()})
	if parent == nil {
		e.wakeClaimer()
	}
	return ex, nil
}
