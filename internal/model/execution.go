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

// ExecutionStats is the seed's ExecutionStats (stored as JSON on the run).
type ExecutionStats struct {
	TotalNodes     int     `json:"total_nodes"`
	CompletedNodes int     `json:"completed_nodes"`
	FailedNodes    int     `json:"failed_nodes"`
	TotalCost      int64   `json:"total_cost"`
	ExecutionTime  float64 `json:"execution_time"`
	MemoryUsage    int64   `json:"memory_usage"`
}

// SuccessRate is the seed's calculate_success_rate, in [0, 1].
func (s ExecutionStats) SuccessRate() float64 {
	if s.TotalNodes == 0 {
		return 0
	}
	return float64(s.CompletedNodes) / float64(s.TotalNodes)
}

// NodeExecutionStats is the seed's NodeExecutionStats.
type NodeExecutionStats struct {
	NodeID        string  `json:"node_id"`
	BlockName     string  `json:"block_name"`
	ExecutionTime float64 `json:"execution_time"`
	InputSize     int64   `json:"input_size"`
	OutputSize    int64   `json:"output_size"`
	Cost          int64   `json:"cost"`
	MemoryUsage   int64   `json:"memory_usage"`
	CPUUsage      float64 `json:"cpu_usage"`
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
}

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
