package events

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Publisher sends events to Redis. The engine calls it only after the DB
// transaction that assigned the events' Seq has committed, so a subscriber
// that sees an event can always find the matching state in Postgres.
type Publisher struct {
	rdb    redis.UniversalClient
	prefix string
	// local, when set, is this process's Hub: deltas reach its subscribers
	// at once as well as through Redis (DeliverDeltasLocally).
	local atomic.Pointer[Hub]

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

// maxMessageEvents and maxMessageBytes bound one Redis message: consecutive
// events of one execution share a message (one PUBLISH, one decode in every
// hub) up to these limits.
const (
	maxMessageEvents = 64
	maxMessageBytes  = 64 << 10
)

// Publish sends events in one pipelined round trip. The events of one
// execution travel together on its execution channel, in their order, as one
// message per up to 64 events (a JSON array when there are several; see
// Decode): one PUBLISH and one decode in every hub instead of one per event.
// GRAPH_STATUS events also go to the graph channel, which is all graph
// subscribers want, so node events are not sent twice. Events are validated
// and encoded before anything is sent, so a bad event publishes nothing of
// the batch. A publish failure is not fatal to the engine: subscribers detect
// the Seq gap and re-read the snapshot.
func (p *Publisher) Publish(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	type group struct {
		channel string
		buf     []byte // the events, comma-separated, after room for a '['
		n       int
	}
	var (
		groups  []*group // in order of first appearance
		open    = map[string]*group{}
		graph   []redisMessage
		scratch []byte // one event's encoding
	)
	for i, ev := range events {
		if ev.ExecutionID == "" || ev.GraphID == "" {
			return fmt.Errorf("events: publish event %d (%s seq %d): executionId and graphId are required", i, ev.Kind, ev.Seq)
		}
		bound := p.bound(ev)
		var err error
		scratch, err = appendEvent(scratch[:0], &bound)
		if err != nil {
			return fmt.Errorf("events: encode event %d (%s seq %d): %w", i, ev.Kind, ev.Seq, err)
		}
		g := open[ev.ExecutionID]
		if g == nil || g.n == maxMessageEvents || len(g.buf)+len(scratch) > maxMessageBytes {
			g = &group{channel: execChannel(p.prefix, ev.ExecutionID), buf: make([]byte, 1, 1+len(scratch)*4)}
			open[ev.ExecutionID] = g
			groups = append(groups, g)
		}
		if g.n > 0 {
			g.buf = append(g.buf, ',')
		}
		g.buf = append(g.buf, scratch...)
		g.n++
		if ev.Kind == KindGraphStatus {
			graph = append(graph, redisMessage{graphChannel(p.prefix, ev.GraphID), bytes.Clone(scratch)})
		}
	}
	_, err := p.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, g := range groups {
			b := g.buf[1:]
			if g.n > 1 {
				g.buf[0] = '['
				b = append(g.buf, ']')
			}
			pipe.Publish(ctx, g.channel, b)
		}
		for _, m := range graph {
			pipe.Publish(ctx, m.channel, m.payload)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("events: publish %d events: %w", len(events), err)
	}
	return nil
}

type redisMessage struct {
	channel string
	payload []byte
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
	if len(ev.Outputs) > limit {
		ev.Outputs = nil // subscribers read them
	}
	if ev.At.IsZero() {
		ev.At = time.Now().UTC()
	}
	return ev
}
