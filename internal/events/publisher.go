package events

import (
	"context"
	"fmt"
	"slices"
	"sync"
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
	pb := publishBufs.Get().(*publishBuf)
	defer pb.release()
	// Each event is encoded once, back to back in pb.enc, and assigned to
	// its message; the messages are then laid out at their exact sizes in
	// pb.out. Both stay untouched until the pipeline has been sent.
	var bound Event // one copy for every event: it escapes (appendEvent)
	for i := range events {
		ev := &events[i]
		if ev.ExecutionID == "" || ev.GraphID == "" {
			return fmt.Errorf("events: publish event %d (%s seq %d): executionId and graphId are required", i, ev.Kind, ev.Seq)
		}
		bound = p.bound(*ev)
		start := len(pb.enc)
		var err error
		if pb.enc, err = appendEvent(pb.enc, &bound); err != nil {
			return fmt.Errorf("events: encode event %d (%s seq %d): %w", i, ev.Kind, ev.Seq, err)
		}
		size := len(pb.enc) - start
		g, ok := pb.open[ev.ExecutionID]
		if !ok || pb.groups[g].n == maxMessageEvents || pb.groups[g].bytes+pb.groups[g].n+size > maxMessageBytes {
			g = len(pb.groups)
			pb.groups = append(pb.groups, message{channel: execChannel(p.prefix, ev.ExecutionID)})
			pb.open[ev.ExecutionID] = g
		}
		pb.groups[g].n++
		pb.groups[g].bytes += size
		pb.events = append(pb.events, encoded{end: len(pb.enc), group: g})
		if ev.Kind == KindGraphStatus {
			pb.graph = append(pb.graph, redisMessage{graphChannel(p.prefix, ev.GraphID), pb.enc[start:len(pb.enc):len(pb.enc)]})
		}
	}
	pb.layout()
	_, err := p.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, g := range pb.groups {
			pipe.Publish(ctx, g.channel, pb.out[g.at:g.at+g.size])
		}
		for _, m := range pb.graph {
			pipe.Publish(ctx, m.channel, m.payload)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("events: publish %d events: %w", len(events), err)
	}
	return nil
}

// publishBufs recycles Publish's buffers. A commit of a wide fan-out
// publishes thousands of events: growing each message's buffer event by
// event, copying every event for the wire on the heap and cloning each
// graph message made Publish 17–19% of the engine's CPU in the fan-out
// scenario. BenchmarkPublish (1,000 events of 10 runs): 964 KB and 1,386
// allocations a call before, 9 KB and 169 now; 2.0 ms → 1.2 ms.
var publishBufs = sync.Pool{New: func() any { return &publishBuf{open: map[string]int{}} }}

// publishBuf is one Publish call's working memory.
type publishBuf struct {
	enc    []byte         // every event's encoding, back to back
	events []encoded      // per event: where its encoding ends, its message
	groups []message      // the execution channels' messages, in order of first appearance
	open   map[string]int // execution id → its message being filled (index in groups)
	graph  []redisMessage // GRAPH_STATUS events for the graph channels, slices of enc
	out    []byte         // the messages, back to back (layout)
}

type encoded struct{ end, group int }

// message is one PUBLISH on an execution channel: n events of bytes in
// all; once laid out, size bytes at out[at:], the next event going at
// out[next] while they are copied. Its bound (maxMessageBytes) counts one
// more byte per event, for the commas and brackets.
type message struct {
	channel                  string
	n, bytes, size, at, next int
}

// layout writes each message into out: a lone event as it is, several as
// one JSON array.
func (pb *publishBuf) layout() {
	total := 0
	for i := range pb.groups {
		g := &pb.groups[i]
		g.size, g.at, g.next = g.bytes, total, total
		if g.n > 1 {
			g.size += g.n + 1 // '[', a comma between events, ']'
			g.next++
		}
		total += g.size
	}
	pb.out = slices.Grow(pb.out[:0], total)[:total]
	for _, g := range pb.groups {
		if g.n > 1 {
			pb.out[g.at], pb.out[g.at+g.size-1] = '[', ']'
		}
	}
	start := 0
	for _, e := range pb.events {
		g := &pb.groups[e.group]
		if g.n > 1 && g.next > g.at+1 {
			pb.out[g.next] = ','
			g.next++
		}
		g.next += copy(pb.out[g.next:], pb.enc[start:e.end])
		start = e.end
	}
}

// maxPooledPublish is the largest working memory put back for reuse: a
// rare huge batch should not stay pinned.
const maxPooledPublish = 4 << 20

func (pb *publishBuf) release() {
	if cap(pb.enc)+cap(pb.out) > maxPooledPublish {
		return
	}
	pb.enc, pb.out = pb.enc[:0], pb.out[:0]
	pb.events, pb.groups = pb.events[:0], pb.groups[:0]
	clear(pb.graph) // do not pin channels or payloads
	pb.graph = pb.graph[:0]
	clear(pb.open)
	publishBufs.Put(pb)
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
