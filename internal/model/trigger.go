package model

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// TriggerKind says why a run started.
type TriggerKind string

// The kinds of trigger.
const (
	TriggerManual   TriggerKind = "MANUAL"   // executeGraph
	TriggerSchedule TriggerKind = "SCHEDULE" // an occurrence of a schedule
	TriggerWebhook  TriggerKind = "WEBHOOK"  // a delivery to a webhook
	TriggerAgent    TriggerKind = "AGENT"    // a child run of an AGENT block
)

// Trigger is why a run started, with the schedule or webhook delivery that
// started it.
type Trigger struct {
	Kind       TriggerKind
	ScheduleID *uuid.UUID
	WebhookID  *uuid.UUID
	DeliveryID *string
}

// MisfirePolicy says what a schedule does with occurrences missed while no
// scheduler ran: run once for all of them, or skip them.
type MisfirePolicy string

// The misfire policies.
const (
	MisfireRunOnce MisfirePolicy = "RUN_ONCE"
	MisfireSkip    MisfirePolicy = "SKIP"
)

// Schedule runs a graph version with fixed inputs at the occurrences of a
// cron expression in a time zone.
type Schedule struct {
	ID            uuid.UUID
	UserID        uuid.UUID
	GraphID       uuid.UUID
	GraphVersion  int
	Name          string
	Cron          string
	Timezone      string
	Inputs        json.RawMessage
	MisfirePolicy MisfirePolicy
	IsActive      bool
	NextRunAt     time.Time
	LastRunAt     *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ScheduleOccurrence is one fired occurrence: its run, or why none started.
type ScheduleOccurrence struct {
	ScheduleID   uuid.UUID
	OccurrenceAt time.Time
	ExecutionID  *uuid.UUID
	Error        *string
	FiredAt      time.Time
}

// Webhook is the ingress of one WEBHOOK node key of a graph.
type Webhook struct {
	ID        uuid.UUID
	UserID    uuid.UUID
	GraphID   uuid.UUID
	NodeKey   string
	Provider  string // "agentgraph", or "github" (also accepts X-Hub-Signature-256)
	HasSecret bool
	IsActive  bool
	CreatedAt time.Time
}
