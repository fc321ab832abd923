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
	// Resolve the version (one row), then take the compiled graph from the
	// per-version cache: versions are immutable, so a graph run many times
	// is loaded and compiled once.
	gv, err := e.store.GraphGet(ctx, e.store.Pool, graphID, version)
	if err != nil {
		return nil, err
	}
	if gv.UserID != userID {
		return nil, model.NotFound("graph")
	}
	g, err := e.compiled(ctx, gv.ID, gv.Version)
	if err != nil {
		return nil, err
	}
	if uc.Timezone == "" {
		uc.Timezone = user.Timezone
	}
	if uc.Locale == "" {
		uc.Locale = user.Locale
	}
	return e.submitCompiled(ctx, g, userID, inputs, uc, nil)
}

func (e *Engine) submit(ctx context.Context, fg *model.FullGraph, userID uuid.UUID, inputs map[string]any, uc model.UserContext, parent *uuid.UUID) (*model.GraphExecution, error) {
	g, err := compile(fg, e.reg, e.opts.Strict)
	if err != nil {
		return nil, err
	}
	return e.submitCompiled(ctx, g, userID, inputs, uc, parent)
}

func (e *Engine) submitCompiled(ctx context.Context, g *graph, userID uuid.UUID, inputs map[string]any, uc model.UserContext, parent *uuid.UUID) (*model.GraphExecution, error) {
	fg := g.g
	var err error
	if inputs == nil {
		inputs = map[string]any{}
	}
	if err := g.checkInputs(e.reg, inputs); err != nil {
		return nil, err
	}
	var ex *model.GraphExecution
	err = e.store.InTx(ctx, func(tx pgx.Tx) error {
		ex, err = e.store.ExecutionInsert(ctx, tx, db.NewExecution{ID: newID(), GraphID: fg.ID,
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
