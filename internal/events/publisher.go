package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Publisher sends events to Redis. The engine calls it only after the DB
// transaction that assigned the events' Seq has committed, so a subscriber
// that sees an event can always find the matching state in Postgres.
type Publisher struct {
	rdb    redis.UniversalClient
	prefix string

	// MaxInlineValue is the largest Value (in bytes) sent inline; larger values
	// are dropped and ValueTruncated is set. 0 means DefaultMaxInlineValue.
	// Set it before the first Publish.
	MaxInlineValue int
}

// NewPublisher returns a Publisher writing to channels under prefix (the same
// prefix the Hubs use, e.g. "agentgraph:").
func NewPublisher(rdb redis.UniversalClient, prefix string) *Publisher {
	return &Publisher{rdb: rdb, prefix: prefix}
}

// Publish sends events in one pipelined round trip. Each event goes to its
// execution channel and its graph channel. Events are validated and encoded
// before anything is sent, so a bad event publishes nothing of the batch.
// A publish failure is not fatal to the engine: subscribers detect the Seq gap
// and re-read the snapshot.
func (p *Publisher) Publish(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	payloads := make([][]byte, len(events))
	for i, ev := range events {
		if ev.ExecutionID == "" || ev.GraphID == "" {
			return fmt.Errorf("events: publish event %d (%s seq %d): executionId and graphId are required", i, ev.Kind, ev.Seq)
		}
		b, err := json.Marshal(p.bound(ev))
		if err != nil {
			return fmt.Errorf("events: encode event %d (%s seq %d): %w", i, ev.Kind, ev.Seq, err)
		}
		payloads[i] = b
	}
	_, err := p.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, ev := range events {
			pipe.Publish(ctx, execChannel(p.prefix, ev.ExecutionID), payloads[i])
			pipe.Publish(ctx, graphChannel(p.prefix, ev.GraphID), payloads[i])
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("events: publish %d events: %w", len(events), err)
	}
	return nil
}

// bound returns ev ready for the wire: Value over the inline limit is removed
// and flagged, and a missing timestamp is filled in. ev is a copy, so the
// caller's event is untouched.
func (p *Publisher) bound(ev Event) Event {
	limit := p.MaxInlineValue
	if limit <= 0 {
		limit = DefaultMaxInlineValue
	}
	if len(ev.Value) > limit {
		ev.Value = nil
		ev.ValueTruncated = true
	}
	if ev.At.IsZero() {
		ev.At = time.Now().UTC()
	}
	return ev
}
