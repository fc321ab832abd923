package db

import (
	"context"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// NodeExecutionPages returns one page of each node's executions in the
// user's own runs, newest first, in one statement: at most limit per node,
// after the keyset position when one is given. A node with none is absent.
func (s *Store) NodeExecutionPages(ctx context.Context, userID uuid.UUID, nodeIDs []uuid.UUID, after *Cursor, limit int) (map[uuid.UUID][]model.NodeExecution, error) {
	p := dbsqlc.NodeExecutionPageByNodesParams{NodeIds: nodeIDs, UserID: userID, Lim: int32(limit)}
	if after != nil {
		p.BeforeCreated, p.BeforeID = &after.Time, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	rows, err := s.q.NodeExecutionPageByNodes(ctx, s.db, p)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID][]model.NodeExecution, len(nodeIDs))
	for _, r := range rows {
		out[r.NodeID] = append(out[r.NodeID], nodeExecutionFromRow(r))
	}
	return out, nil
}
