package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

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
	MaxCost               *int64 // the run's budget in credits; nil: none
	TraceContext          string // the W3C traceparent it was created under; "": none
	LogLevel              string // DEBUG or INFO (model.GraphExecution.LogLevel); "": INFO
}

// logLevel is n's log level as stored: INFO unless DEBUG was asked for.
func (n NewExecution) logLevel() dbsqlc.LogLevel {
	if n.LogLevel == "" {
		return dbsqlc.LogLevelINFO
	}
	return dbsqlc.LogLevel(n.LogLevel)
}

// newRunStats is the stats column of a run not yet started.
var newRunStats, _ = json.Marshal(model.ExecutionStats{})

// ExecutionInsert stores a QUEUED run (its QUEUED event is seq 1) and, for
// a top-level run, notifies listening workers when its transaction commits.
func (s *Store) ExecutionInsert(ctx context.Context, n NewExecution) (*model.GraphExecution, error) {
	var out *model.GraphExecution
	err := s.InTx(ctx, func(tx *Store) (err error) {
		out, err = tx.insertExecution(ctx, n)
		return err
	})
	return out, err
}

// insertExecution is ExecutionInsert inside its transaction.
func (s *Store) insertExecution(ctx context.Context, n NewExecution) (*model.GraphExecution, error) {
	inputs, err := json.Marshal(n.Inputs)
	if err != nil {
		return nil, model.Invalid("inputs", "not JSON-encodable: %v", err)
	}
	if n.Inputs == nil {
		inputs = []byte("{}")
	}
	uc, _ := json.Marshal(n.UserContext)
	p := dbsqlc.GraphExecutionInsertParams{ID: n.ID, GraphID: n.GraphID, GraphVersion: int32(n.GraphVersion),
		UserID: n.UserID, Inputs: inputs, UserContext: uc, Stats: newRunStats, LogLevel: n.logLevel()}
	if n.ParentNodeExecutionID != nil {
		p.ParentNodeExecutionID = uuid.NullUUID{UUID: *n.ParentNodeExecutionID, Valid: true}
	}
	if n.MaxCost != nil {
		p.MaxCost = pgtype.Int8{Int64: *n.MaxCost, Valid: true}
	}
	if n.TraceContext != "" {
		p.TraceContext = &n.TraceContext
	}
	row, err := s.q.GraphExecutionInsert(ctx, s.db, p)
	if err != nil {
		return nil, runTargetGone(err)
	}
	if n.ParentNodeExecutionID == nil {
		if _, err := s.db.Exec(ctx, "SELECT pg_notify($1, $2)", ChannelExecutionQueued, row.ID.String()); err != nil {
			return nil, err
		}
	}
	return executionFromRow(row), nil
}

// ExecutionInsertClaimed stores new top-level runs already claimed by
// owner, in one autocommitted statement: concurrent submits to a worker
// with free slots share one round trip and one commit, and wake no other
// worker (no NOTIFY, which matters because Postgres serialises the commits
// of notifying transactions). For each run, in order, it returns the run as
// inserted QUEUED (what the submitter answers) and the claim (what the
// worker starts). One bad row fails the whole statement.
func (s *Store) ExecutionInsertClaimed(ctx context.Context, ns []NewExecution, owner string, leaseSeconds float64) ([]*model.GraphExecution, []*Claimed, error) {
	type row struct {
		ID           uuid.UUID       `json:"id"`
		GraphID      uuid.UUID       `json:"graph_id"`
		GraphVersion int             `json:"graph_version"`
		UserID       uuid.UUID       `json:"user_id"`
		Inputs       any             `json:"inputs"`
		UserContext  json.RawMessage `json:"user_context"`
		MaxCost      *int64          `json:"max_cost"`
		TraceContext *string         `json:"trace_context"`
		LogLevel     dbsqlc.LogLevel `json:"log_level"`
	}
	rows := make([]row, len(ns))
	for i, n := range ns {
		uc, _ := json.Marshal(n.UserContext)
		inputs := any(n.Inputs)
		if n.Inputs == nil {
			inputs = map[string]any{}
		}
		rows[i] = row{n.ID, n.GraphID, n.GraphVersion, n.UserID, inputs, uc, n.MaxCost, nil, n.logLevel()}
		if n.TraceContext != "" {
			rows[i].TraceContext = &n.TraceContext
		}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return nil, nil, model.Invalid("inputs", "not JSON-encodable: %v", err)
	}
	got, err := s.q.GraphExecutionInsertClaimed(ctx, s.db, dbsqlc.GraphExecutionInsertClaimedParams{
		Stats: newRunStats, Owner: owner, LeaseSeconds: leaseSeconds, Rows: b})
	if err != nil {
		return nil, nil, runTargetGone(err)
	}
	byID := make(map[uuid.UUID]dbsqlc.GraphExecution, len(got))
	for _, r := range got {
		byID[r.ID] = r
	}
	queued := make([]*model.GraphExecution, len(ns))
	claimed := make([]*Claimed, len(ns))
	for i, n := range ns {
		r, ok := byID[n.ID]
		if !ok {
			return nil, nil, fmt.Errorf("insert claimed: run %s not returned", n.ID)
		}
		claimed[i] = &Claimed{Exec: executionFromRow(r), WasQueued: true}
		q := *claimed[i].Exec
		q.Status, q.LastSeq, q.StartedAt = model.StatusQueued, 1, nil
		queued[i] = &q
	}
	return queued, claimed, nil
}

// runTargetGone maps the foreign-key violation of a run whose graph
// version (or user) was deleted after the submit checked it, a deleteGraph
// racing executeGraph, to NOT_FOUND, as if the delete had come first.
func runTargetGone(err error) error {
	switch code, name := constraint(err); {
	case code != codeForeignKeyViolation:
		return err
	case name == "graph_executions_user_id_fkey":
		return model.NotFound("user")
	default:
		return model.NotFound("graph")
	}
}

// SubmitTarget is what a submit checks before storing a run.
type SubmitTarget struct {
	UserActive       bool
	Timezone, Locale string
	Preferences      json.RawMessage // as stored: a run's defaults
	Graph            model.GraphKey
	GraphOwner       uuid.UUID
}

// TargetRequest is one submit's question for SubmitTargets.
type TargetRequest struct {
	UserID, GraphID uuid.UUID
	Version         int // 0: the active one
}

// SubmitTargets answers many submits' checks in one round trip, in order:
// for each request the user's state and the graph version it would run, or
// model.ErrNotFound for a missing user or graph version.
func (s *Store) SubmitTargets(ctx context.Context, reqs []TargetRequest) ([]*SubmitTarget, []error, error) {
	p := dbsqlc.SubmitTargetsParams{UserIds: make([]uuid.UUID, len(reqs)), GraphIds: make([]uuid.UUID, len(reqs)),
		Versions: make([]int32, len(reqs))}
	for i, r := range reqs {
		p.UserIds[i], p.GraphIds[i], p.Versions[i] = r.UserID, r.GraphID, int32(r.Version)
	}
	rows, err := s.q.SubmitTargets(ctx, s.db, p)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*SubmitTarget, len(reqs))
	errs := make([]error, len(reqs))
	for i := range errs {
		errs[i] = model.NotFound("user")
	}
	for _, r := range rows {
		i := int(r.Ord) - 1
		if i < 0 || i >= len(reqs) {
			continue
		}
		if !r.GraphID.Valid || r.GraphVersion == nil {
			errs[i] = model.NotFound("graph")
			continue
		}
		out[i], errs[i] = &SubmitTarget{UserActive: r.IsActive, Timezone: r.Timezone, Locale: r.Locale, Preferences: r.Preferences,
			Graph: model.GraphKey{ID: r.GraphID.UUID, Version: int(*r.GraphVersion)}, GraphOwner: r.GraphUserID.UUID}, nil
	}
	return out, errs, nil
}

// ClaimPlans opens the claim's transaction: the claim walks
// idx_graph_exec_claim in created_at order and stops after what it takes.
// Planned from the statistics of a small or never-analyzed table, it was a
// bitmap of every entry of that index then a sort (and a bitmap stays a
// fair choice for the planner as the queue grows). The index is partial
// (QUEUED or RUNNING), but every run passes through it and the entries of
// the versions a run left behind stay until a VACUUM; an index scan marks
// them dead as it meets them, a bitmap scan never does: 13,000 such entries
// and 1,300 heap pages per claim in the webhooks bench, 3.3 ms a claim
// (plans_test.go checks the plan). One statement for both settings (a SET
// takes one), local to the transaction as SET LOCAL is.
const ClaimPlans = "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)"

// ExecutionClaim claims up to limit runnable top-level runs for owner (see
// the query), respecting perUser (0 = unlimited) running runs per user.
func (s *Store) ExecutionClaim(ctx context.Context, owner string, leaseSeconds float64, limit, perUser int) ([]Claimed, error) {
	var out []Claimed
	err := s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.db.Exec(ctx, ClaimPlans); err != nil {
			return fmt.Errorf("claim settings: %w", err)
		}
		rows, err := s.q.GraphExecutionClaim(ctx, tx.db, dbsqlc.GraphExecutionClaimParams{
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
				TriggerKind: r.TriggerKind, ScheduleID: r.ScheduleID, WebhookID: r.WebhookID, DeliveryID: r.DeliveryID,
				MaxCost: r.MaxCost, TraceContext: r.TraceContext, LogLevel: r.LogLevel, NotBefore: r.NotBefore,
			}), WasQueued: r.WasQueued, CancelRequested: r.CancelRequestedAt != nil, Resumes: int(r.Resumes)})
		}
		return nil
	})
	return out, err
}

// ExecutionClaimByID claims one run for owner. With requireExpired, a run
// another worker holds a live lease on is not taken (model.ErrNotFound).
func (s *Store) ExecutionClaimByID(ctx context.Context, owner string, leaseSeconds float64, id uuid.UUID, requireExpired bool) (*Claimed, error) {
	r, err := s.q.GraphExecutionClaimByID(ctx, s.db, dbsqlc.GraphExecutionClaimByIDParams{
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
		TriggerKind: r.TriggerKind, ScheduleID: r.ScheduleID, WebhookID: r.WebhookID, DeliveryID: r.DeliveryID,
		MaxCost: r.MaxCost, TraceContext: r.TraceContext, LogLevel: r.LogLevel, NotBefore: r.NotBefore,
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
	rows, err := s.q.GraphExecutionHeartbeat(ctx, s.db, dbsqlc.GraphExecutionHeartbeatParams{
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
	return s.q.GraphExecutionRelease(ctx, s.db, dbsqlc.GraphExecutionReleaseParams{Ids: ids, Owner: owner})
}

// ExecutionCancelQueued moves a QUEUED run of the user to CANCELLED;
// model.ErrNotFound when it is not (or no longer) QUEUED.
func (s *Store) ExecutionCancelQueued(ctx context.Context, userID, id uuid.UUID) (*model.GraphExecution, error) {
	row, err := s.q.GraphExecutionCancelQueued(ctx, s.db, dbsqlc.GraphExecutionCancelQueuedParams{ID: id, UserID: userID})
	if err != nil {
		return nil, notFound(err, "queued execution")
	}
	return executionFromRow(row), nil
}

// ExecutionRequestCancel flags a RUNNING run of the user for cancellation
// and notifies the workers; model.ErrNotFound when it is not RUNNING.
func (s *Store) ExecutionRequestCancel(ctx context.Context, userID, id uuid.UUID) (*model.GraphExecution, error) {
	row, err := s.q.GraphExecutionRequestCancel(ctx, s.db, dbsqlc.GraphExecutionRequestCancelParams{ID: id, UserID: userID})
	if err != nil {
		return nil, notFound(err, "running execution")
	}
	if _, err := s.db.Exec(ctx, "SELECT pg_notify($1, $2)", ChannelExecutionCancel, id.String()); err != nil {
		return nil, err
	}
	return executionFromRow(row), nil
}

// ExecutionDescendantCharges gives what each run below run id (child runs,
// theirs, ...) holds charged, by run id; runs charged nothing are included.
func (s *Store) ExecutionDescendantCharges(ctx context.Context, id uuid.UUID) (map[uuid.UUID]int64, error) {
	rows, err := s.q.GraphExecutionDescendantCharges(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]int64, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Charged
	}
	return out, nil
}

// PendingInput is a node execution still waiting for some linked pins.
type PendingInput struct {
	ID        uuid.UUID
	NodeID    uuid.UUID
	Inputs    json.RawMessage
	CreatedAt time.Time
}

// ExecutionPendingInputs lists a run's waiting partial inputs in creation order.
func (s *Store) ExecutionPendingInputs(ctx context.Context, id uuid.UUID) ([]PendingInput, error) {
	rows, err := s.q.NodeInputListByExecution(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	out := make([]PendingInput, len(rows))
	for i, r := range rows {
		out[i] = PendingInput{ID: r.ID, NodeID: r.NodeID, Inputs: r.Inputs, CreatedAt: r.CreatedAt}
	}
	return out, nil
}
