package db

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Notification channels the engine LISTENs on: a new run to claim, and a
// cancel request for a run some worker holds (payload: execution id).
const (
	ChannelExecutionQueued = "agentgraph_execution_queued"
	ChannelExecutionCancel = "agentgraph_execution_cancel"
)

// Claimed is a run a worker just took the lease of.
type Claimed struct {
	Exec            *model.GraphExecution
	WasQueued       bool // QUEUED→RUNNING happened in the claim (its event is Exec.LastSeq)
	CancelRequested bool
	// Resumes counts takeovers from workers that died or could not write the
	// run (this claim included).
	Resumes int
}

// NewExecution is what submitting a run stores.
type NewExecution struct {
	ID                    uuid.UUID
	GraphID               uuid.UUID
	GraphVersion          int
	UserID                uuid.UUID
	Inputs                map[string]any
	UserContext           model.UserContext
	ParentNodeExecutionID *uuid.UUID
	TotalNodes            int
	// ClaimedHere: the inserting worker claims the run in the same
	// transaction, so no other worker needs waking. Skipping NOTIFY matters:
	// Postgres serialises the commits of notifying transactions.
	ClaimedHere bool
}

// ExecutionInsert stores a QUEUED run (its QUEUED event is seq 1) and
// notifies listening workers when the transaction commits.
func (s *Store) ExecutionInsert(ctx context.Context, ex DBTX, n NewExecution) (*model.GraphExecution, error) {
	inputs, err := json.Marshal(n.Inputs)
	if err != nil {
		return nil, model.Invalid("inputs", "not JSON-encodable: %v", err)
	}
	if n.Inputs == nil {
		inputs = []byte("{}")
	}
	uc, _ := json.Marshal(n.UserContext)
	stats, _ := json.Marshal(model.ExecutionStats{TotalNodes: 0})
	p := dbsqlc.GraphExecutionInsertParams{ID: n.ID, GraphID: n.GraphID, GraphVersion: int32(n.GraphVersion),
		UserID: n.UserID, Inputs: inputs, UserContext: uc, Stats: stats}
	if n.ParentNodeExecutionID != nil {
		p.ParentNodeExecutionID = uuid.NullUUID{UUID: *n.ParentNodeExecutionID, Valid: true}
	}
	row, err := s.q.GraphExecutionInsert(ctx, ex, p)
	if err != nil {
		return nil, err
	}
	if n.ParentNodeExecutionID == nil && !n.ClaimedHere {
		if _, err := ex.Exec(ctx, "SELECT pg_notify($1, $2)", ChannelExecutionQueued, row.ID.String()); err != nil {
			return nil, err
		}
	}
	return executionFromRow(row), nil
}

// ExecutionClaim claims up to limit runnable top-level runs for owner (see
// the query), respecting perUser (0 = unlimited) running runs per user.
func (s *Store) ExecutionClaim(ctx context.Context, owner string, leaseSeconds float64, limit, perUser int) ([]Claimed, error) {
	var out []Claimed
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		rows, err := s.q.GraphExecutionClaim(ctx, tx, dbsqlc.GraphExecutionClaimParams{
			Owner: owner, LeaseSeconds: leaseSeconds, Scan: int32(limit * 4), PerUser: int64(perUser), Lim: int32(limit),
		})
		if err != nil {
			return err
		}
		out = out[:0]
		for _, r := range rows {
			out = append(out, Claimed{Exec: executionFromRow(dbsqlc.GraphExecution{
				ID: r.ID, GraphID: r.GraphID, GraphVersion: r.GraphVersion, UserID: r.UserID, Status: r.Status,
				Inputs: r.Inputs, Outputs: r.Outputs, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, EndedAt: r.EndedAt,
				UpdatedAt: r.UpdatedAt, ErrorMessage: r.ErrorMessage, Stats: r.Stats, UserContext: r.UserContext,
				IsShared: r.IsShared, ShareToken: r.ShareToken, ParentNodeExecutionID: r.ParentNodeExecutionID,
				LeaseOwner: r.LeaseOwner, LeaseExpiresAt: r.LeaseExpiresAt, LastSeq: r.LastSeq,
			}), WasQueued: r.WasQueued, CancelRequested: r.CancelRequestedAt != nil, Resumes: int(r.Resumes)})
		}
		return nil
	})
	return out, err
}

// ExecutionClaimByID claims one run for owner. With requireExpired, a run
// another worker holds a live lease on is not taken (model.ErrNotFound).
func (s *Store) ExecutionClaimByID(ctx context.Context, ex DBTX, owner string, leaseSeconds float64, id uuid.UUID, requireExpired bool) (*Claimed, error) {
	r, err := s.q.GraphExecutionClaimByID(ctx, ex, dbsqlc.GraphExecutionClaimByIDParams{
		Owner: owner, LeaseSeconds: leaseSeconds, ID: id, RequireExpired: requireExpired})
	if err != nil {
		return nil, notFound(err, "claimable execution")
	}
	return &Claimed{Exec: executionFromRow(dbsqlc.GraphExecution{
		ID: r.ID, GraphID: r.GraphID, GraphVersion: r.GraphVersion, UserID: r.UserID, Status: r.Status,
		Inputs: r.Inputs, Outputs: r.Outputs, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, EndedAt: r.EndedAt,
		UpdatedAt: r.UpdatedAt, ErrorMessage: r.ErrorMessage, Stats: r.Stats, UserContext: r.UserContext,
		IsShared: r.IsShared, ShareToken: r.ShareToken, ParentNodeExecutionID: r.ParentNodeExecutionID,
		LeaseOwner: r.LeaseOwner, LeaseExpiresAt: r.LeaseExpiresAt, LastSeq: r.LastSeq,
	}), WasQueued: r.WasQueued, CancelRequested: r.CancelRequestedAt != nil, Resumes: int(r.Resumes)}, nil
}

// LeaseState is a heartbeat's answer for one run owner still holds.
type LeaseState struct {
	ID              uuid.UUID
	CancelRequested bool
	Busy            bool // being written right now (its lease is extended by that write); not checked for a cancel
}

// ExecutionHeartbeat extends owner's leases on ids; runs missing from the
// answer are no longer owner's.
func (s *Store) ExecutionHeartbeat(ctx context.Context, owner string, leaseSeconds float64, ids []uuid.UUID) ([]LeaseState, error) {
	rows, err := s.q.GraphExecutionHeartbeat(ctx, s.Pool, dbsqlc.GraphExecutionHeartbeatParams{
		LeaseSeconds: leaseSeconds, Ids: ids, Owner: owner})
	if err != nil {
		return nil, err
	}
	out := make([]LeaseState, len(rows))
	for i, r := range rows {
		out[i] = LeaseState{ID: r.ID, CancelRequested: r.CancelRequested, Busy: r.Busy}
	}
	return out, nil
}

// ExecutionRelease hands owner's runs back (lease cleared) for another worker.
func (s *Store) ExecutionRelease(ctx context.Context, owner string, ids []uuid.UUID) error {
	return s.q.GraphExecutionRelease(ctx, s.Pool, dbsqlc.GraphExecutionReleaseParams{Ids: ids, Owner: owner})
}

// ExecutionCancelQueued moves a QUEUED run of the user to CANCELLED;
// model.ErrNotFound when it is not (or no longer) QUEUED.
func (s *Store) ExecutionCancelQueued(ctx context.Context, ex DBTX, userID, id uuid.UUID) (*model.GraphExecution, error) {
	row, err := s.q.GraphExecutionCancelQueued(ctx, ex, dbsqlc.GraphExecutionCancelQueuedParams{ID: id, UserID: userID})
	if err != nil {
		return nil, notFound(err, "queued execution")
	}
	return executionFromRow(row), nil
}

// ExecutionRequestCancel flags a RUNNING run of the user for cancellation
// and notifies the workers; model.ErrNotFound when it is not RUNNING.
func (s *Store) ExecutionRequestCancel(ctx context.Context, ex DBTX, userID, id uuid.UUID) (*model.GraphExecution, error) {
	row, err := s.q.GraphExecutionRequestCancel(ctx, ex, dbsqlc.GraphExecutionRequestCancelParams{ID: id, UserID: userID})
	if err != nil {
		return nil, notFound(err, "running execution")
	}
	if _, err := ex.Exec(ctx, "SELECT pg_notify($1, $2)", ChannelExecutionCancel, id.String()); err != nil {
		return nil, err
	}
	return executionFromRow(row), nil
}

// PendingInput is a node execution still waiting for some linked pins.
type PendingInput struct {
	ID        uuid.UUID
	NodeID    uuid.UUID
	Inputs    json.RawMessage
	CreatedAt time.Time
}

// ExecutionPendingInputs lists a run's waiting partial inputs in creation order.
func (s *Store) ExecutionPendingInputs(ctx context.Context, ex DBTX, id uuid.UUID) ([]PendingInput, error) {
	rows, err := s.q.NodeInputListByExecution(ctx, ex, id)
	if err != nil {
		return nil, err
	}
	out := make([]PendingInput, len(rows))
	for i, r := range rows {
		out[i] = PendingInput{ID: r.ID, NodeID: r.NodeID, Inputs: r.Inputs, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// IsNotFound reports whether err is (or wraps) model.ErrNotFound.
func IsNotFound(err error) bool { return errors.Is(err, model.ErrNotFound) }
