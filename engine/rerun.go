package engine

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/model"
)

// Rerun starts a new run of what one of the user's runs ran: the same graph
// version, inputs, user context, budget and log level ("run again"). The
// inputs are the stored ones, secret inputs included, which every read
// masks: a client could not send them again itself.
func (e *Engine) Rerun(ctx context.Context, userID, executionID uuid.UUID) (*model.GraphExecution, error) {
	ex, err := e.store.ExecutionGet(ctx, executionID)
	if err != nil {
		return nil, err
	}
	if ex.UserID != userID {
		return nil, model.NotFound("execution")
	}
	// Numbers stay json.Number, as executeGraph hands them over: an
	// integer past 2^53 is run again as it was given, not rounded.
	var inputs map[string]any
	if len(ex.Inputs) > 0 {
		if err := model.DecodeExact(ex.Inputs, &inputs); err != nil {
			return nil, fmt.Errorf("run %s: stored inputs: %w", ex.ID, err)
		}
	}
	return e.SubmitWith(ctx, userID, ex.GraphID, ex.GraphVersion, inputs, ex.UserContext,
		model.RunOptions{MaxCost: ex.MaxCost, LogLevel: ex.LogLevel})
}
