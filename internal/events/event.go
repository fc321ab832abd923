// Package events carries live execution events from the engine to API
// instances: the engine publishes them to Redis after each DB commit
// (Publisher), and every API process keeps a single pattern subscription that
// fans them out to its local subscribers (Hub).
//
// Redis pub/sub is lossy by design (no persistence, no replay), so Postgres
// stays the source of truth: a subscriber subscribes first, reads the snapshot
// from Postgres, forwards only events with Seq newer than the snapshot, and
// re-reads the snapshot whenever its Subscription signals Resync (it was too
// slow, or the Redis connection dropped) or it sees a Seq gap.
package events

import (
	"encoding/json"
	"time"
)

// Kind says what changed.
type Kind string

// Event kinds.
const (
	KindGraphStatus Kind = "GRAPH_STATUS" // the execution as a whole changed status
	KindNodeStatus  Kind = "NODE_STATUS"  // one node execution changed status
	KindNodeOutput  Kind = "NODE_OUTPUT"  // a node execution produced a value on an output pin
	// KindNodeOutputDelta is live text of an output pin still being written
	// (a model's tokens): never stored, Delta set, Seq not its own.
	KindNodeOutputDelta Kind = "NODE_OUTPUT_DELTA"
)

// DefaultMaxInlineValue bounds Event.Value on the wire. Pub/sub messages are
// copied to every API instance and every subscriber buffer, so a large block
// output is not inlined; clients fetch it from the node execution instead.
const DefaultMaxInlineValue = 8 << 10

// Event is one change to an execution, as published on Redis (JSON).
type Event struct {
	ExecutionID     string          `json:"executionId"`
	GraphID         string          `json:"graphId"`
	UserID          string          `json:"userId"`
	Seq             int64           `json:"seq"` // per-execution, gap-free, assigned by the engine in the same DB transaction as the change
	Kind            Kind            `json:"kind"`
	Status          string          `json:"status,omitempty"` // QUEUED RUNNING COMPLETED FAILED CANCELLED TIMEOUT
	NodeID          string          `json:"nodeId,omitempty"`
	NodeExecutionID string          `json:"nodeExecutionId,omitempty"`
	Pin             string          `json:"pin,omitempty"`
	Value           json.RawMessage `json:"value,omitempty"`
	ValueTruncated  bool            `json:"valueTruncated,omitempty"` // value too large to inline: clients read it from the node execution
	Error           string          `json:"error,omitempty"`
	At              time.Time       `json:"at"`
	// Delta: a live-only event (NODE_OUTPUT_DELTA) outside the gap-free
	// sequence: Seq is the last seq assigned when it was made, and streams
	// forward it without sequence checks.
	Delta bool `json:"delta,omitempty"`
	// Offset is a delta's position in its pin's text so far, in bytes (the
	// text before it): a stream that handed over a node's partial text
	// (Hub.Partials) skips what that covered.
	Offset int64 `json:"offset,omitempty"`
	// Outputs are the run's outputs as stored at its end, on the terminal
	// event of a run that ended in the engine, when no larger than a value
	// sent inline: every API process showing the end would otherwise read
	// them (one statement per run). Absent: read them.
	Outputs json.RawMessage `json:"outputs,omitempty"`
}

// Terminal reports whether e ends its execution: a GRAPH_STATUS event with a
// final status. Subscribers use it to complete the stream; node-level final
// statuses do not end anything.
func (e Event) Terminal() bool {
	if e.Kind != KindGraphStatus {
		return false
	}
	switch e.Status {
	case "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT":
		return true
	}
	return false
}
