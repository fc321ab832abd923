package model

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Status is the seed's ExecutionStatus, shared by graph and node executions.
type Status string

const (
	StatusQueued    Status = "QUEUED"
	StatusRunning   Status = "RUNNING"
	StatusCompleted Status = "COMPLETED"
	StatusFailed    Status = "FAILED"
	StatusCancelled Status = "CANCELLED"
	StatusTimeout   Status = "TIMEOUT"
)

// IsTerminal is the seed's is_terminal.
func (s Status) IsTerminal() bool {
	switch s {
	case StatusCompleted, StatusFailed, StatusCancelled, StatusTimeout:
		return true
	}
	return false
}

// CanMoveTo reports whether s → next is an allowed move of the state machine:
// QUEUED→RUNNING→(COMPLETED|FAILED|CANCELLED|TIMEOUT), QUEUED→CANCELLED.
func (s Status) CanMoveTo(next Status) bool {
	switch s {
	case StatusQueued:
		return next == StatusRunning || next == StatusCancelled
	case StatusRunning:
		return next.IsTerminal()
	}
	return false
}

// UserContext is the seed's UserContext carried by a run.
type UserContext struct {
	Timezone    string         `json:"timezone"`
	Locale      string         `json:"locale"`
	Preferences map[string]any `json:"preferences"`
}

// LocalTime is the seed's get_local_time; an unknown zone falls back to UTC.
func (c UserContext) LocalTime(now time.Time) time.Time {
	if loc, err := time.LoadLocation(c.Timezone); err == nil && c.Timezone != "" {
		return now.In(loc)
	}
	return now.UTC()
}

// ExecutionStats is the seed's ExecutionStats (stored as JSON on the run,
// written when the run ends). Node counts are of the graph's nodes, as the
// seed means them; one node may run many times (once per value it
// receives), and its executions are counted apart. A node counts as failed
// when any of its executions FAILED or timed out, and as completed when at
// least one COMPLETED and none failed; a node that never ran, or whose
// executions were all cancelled, counts as neither.
type ExecutionStats struct {
	TotalNodes     int `json:"total_nodes"`     // nodes of the graph version run
	CompletedNodes int `json:"completed_nodes"` // see above
	FailedNodes    int `json:"failed_nodes"`    // see above
	// Node executions by how they ended (failed: FAILED or TIMEOUT).
	NodeExecutions          int     `json:"node_executions"`
	CompletedNodeExecutions int     `json:"completed_node_executions"`
	FailedNodeExecutions    int     `json:"failed_node_executions"`
	CancelledNodeExecutions int     `json:"cancelled_node_executions"`
	TotalCost               int64   `json:"total_cost"`     // credits kept: charged less refunded
	ExecutionTime           float64 `json:"execution_time"` // wall-clock seconds from the run's start to its end
}

// SuccessRate is the seed's calculate_success_rate, in [0, 1]: the share of
// the graph's nodes that completed (0 for a graph with no nodes, and before
// the run's stats are written). Nodes on a branch not taken count against
// it, so a COMPLETED run may have a rate below 1.
func (s ExecutionStats) SuccessRate() float64 {
	if s.TotalNodes == 0 {
		return 0
	}
	return float64(s.CompletedNodes) / float64(s.TotalNodes)
}

// NodeExecutionStats is the seed's NodeExecutionStats. The seed's
// memory_usage and cpu_usage are not kept: blocks share one process, so no
// per-node measurement of either exists.
type NodeExecutionStats struct {
	NodeID        string  `json:"node_id"`
	BlockName     string  `json:"block_name"`
	ExecutionTime float64 `json:"execution_time"`
	InputSize     int64   `json:"input_size"`
	OutputSize    int64   `json:"output_size"`
	Cost          int64   `json:"cost"`
	// ParentNodeExecutionID names the node execution that ran this one as a
	// tool (an agent step, engine/tools.go); "" for a node the graph ran.
	ParentNodeExecutionID string `json:"parent_node_execution_id,omitempty"`
}

// GraphExecution is the seed's GraphExecution.
type GraphExecution struct {
	ID                    uuid.UUID
	GraphID               uuid.UUID
	GraphVersion          int
	UserID                uuid.UUID
	Status                Status
	Inputs                json.RawMessage
	Outputs               json.RawMessage // {"name": [values...]}
	CreatedAt             time.Time
	StartedAt             *time.Time
	EndedAt               *time.Time
	ErrorMessage          *string
	Stats                 ExecutionStats
	UserContext           UserContext
	IsShared              bool
	ShareToken            *string
	ParentNodeExecutionID *uuid.UUID
	LastSeq               int64
	Trigger               Trigger
	// MaxCost is the run's budget in credits (nil: none): the engine starts
	// no charge that would take the run's spend past it.
	MaxCost *int64
	// TraceContext is the W3C traceparent of the span the run was created
	// under ("" when not traced): every worker that runs it continues that
	// trace.
	TraceContext string
	// LogLevel is the level of the engine's own lines in the run's log:
	// LogLevelDebug adds a line per node execution's start and finish;
	// LogLevelInfo (the default) writes only the run's end and failures.
	LogLevel string
	// NotBefore: no worker starts the run earlier (a schedule's run fired
	// ahead of its occurrence); nil: at once.
	NotBefore *time.Time
}

// RunOptions are what executeGraph may set on a run besides its inputs.
type RunOptions struct {
	// MaxCost is the run's budget in credits (nil: none).
	MaxCost *int64
	// LogLevel is LogLevelDebug or LogLevelInfo ("": INFO, the default).
	LogLevel string
}

// A run's log levels (GraphExecution.LogLevel), the seed's LogLevel names.
const (
	LogLevelDebug = "DEBUG"
	LogLevelInfo  = "INFO"
)

// ExecutionSnapshot is a run and its node executions as of one consistent
// read: what a live stream starts from, and re-reads when it may have
// missed events. Execution.LastSeq is the sequence number of the last event
// it covers.
type ExecutionSnapshot struct {
	Execution      *GraphExecution
	NodeExecutions []NodeExecution // in creation order
	At             time.Time       // when it was read
}

// Duration is the seed's get_duration; nil before the run started.
func (e *GraphExecution) Duration(now time.Time) *time.Duration {
	return duration(e.StartedAt, e.EndedAt, now)
}

// IsRunning is the seed's is_running.
func (e *GraphExecution) IsRunning() bool {
	return e.Status == StatusQueued || e.Status == StatusRunning
}

// CanBeCancelled is the seed's can_be_cancelled.
func (e *GraphExecution) CanBeCancelled() bool { return e.IsRunning() }

// NodeExecution is the seed's NodeExecution.
type NodeExecution struct {
	ID               uuid.UUID
	GraphExecutionID uuid.UUID
	NodeID           uuid.UUID
	Status           Status
	Inputs           json.RawMessage
	Outputs          json.RawMessage // {"pin": [values...]}
	CreatedAt        time.Time
	StartedAt        *time.Time
	EndedAt          *time.Time
	ErrorMessage     *string
	Stats            NodeExecutionStats
}

// Duration is the seed's get_duration.
func (e *NodeExecution) Duration(now time.Time) *time.Duration {
	return duration(e.StartedAt, e.EndedAt, now)
}

// Cost is the seed's get_cost.
func (e *NodeExecution) Cost() int64 { return e.Stats.Cost }

func duration(start, end *time.Time, now time.Time) *time.Duration {
	if start == nil {
		return nil
	}
	stop := now
	if end != nil {
		stop = *end
	}
	d := stop.Sub(*start)
	return &d
}
