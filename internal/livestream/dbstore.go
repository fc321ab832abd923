package livestream

import (
	"context"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// DBStore is the Store of a process: db.Store reading on its pool. (The
// store's ExecutionGet still takes an executor; once store methods use the
// pool by default, *db.Store is a Store as it is and this adapter goes.)
type DBStore struct{ *db.Store }

// ExecutionGet reads a run on the pool.
func (s DBStore) ExecutionGet(ctx context.Context, id uuid.UUID) (*model.GraphExecution, error) {
	return s.Store.ExecutionGet(ctx, s.Pool, id)
}
