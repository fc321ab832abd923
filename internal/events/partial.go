package events

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Partial text. NODE_OUTPUT_DELTA events are live-only, so a subscriber
// that joins while a model is still writing would see only the text that
// comes after it joined. The text so far of every running node is
// therefore kept in Redis next to the deltas: each delta is APPENDed to its
// node's text before it is published (one pipelined round trip, in that
// order), and a stream reads the texts right after its snapshot (Partials).
// Each delta carries its byte Offset in the pin's text, so the stream hands
// over exactly what the texts did not cover: no gap, no duplicate. Keys
// expire after partialTTL (renewed by every delta) and are deleted when
// the node's block returns (EndPartial): nothing here is the record.
const partialTTL = 10 * time.Minute

// partialIndexKey is a hash of the execution's running texts: field
// "<node execution id>|<pin>" → the delta event that started it (no Value).
func partialIndexKey(prefix, executionID string) string { return prefix + "partial:" + executionID }

func partialTextKey(prefix, executionID, field string) string {
	return prefix + "partial:" + executionID + ":" + field
}

func partialField(nodeExecutionID, pin string) string { return nodeExecutionID + "|" + pin }

// Delta is one NODE_OUTPUT_DELTA event (Offset set) and its text, not yet
// JSON: what SendDeltas appends to the node's partial text.
type Delta struct {
	Event Event
	Text  string
}

// PublishDelta appends text (ev's, not yet JSON) to the node's partial text
// and publishes ev (a NODE_OUTPUT_DELTA with Offset set), in one round trip:
// DeliverDelta, then SendDeltas.
func (p *Publisher) PublishDelta(ctx context.Context, ev Event, text string) error {
	if err := p.DeliverDelta(ev); err != nil {
		return err
	}
	return p.SendDeltas(ctx, Delta{Event: ev, Text: text})
}

// DeliverDelta hands ev to this process's subscribers at once, with
// DeliverDeltasLocally; without, it only checks ev. It does not wait for
// Redis: SendDeltas does that part, and may run later, elsewhere (the
// engine sends a node's deltas from a goroutine of their own, in order).
func (p *Publisher) DeliverDelta(ev Event) error {
	if err := checkDelta(ev); err != nil {
		return err
	}
	if h := p.local.Load(); h != nil {
		local := p.bound(ev) // the subscribers' own copy: they keep it after this returns
		h.deliverLocal(&local)
	}
	return nil
}

func checkDelta(ev Event) error {
	if ev.ExecutionID == "" || ev.GraphID == "" || ev.NodeExecutionID == "" {
		return fmt.Errorf("events: publish delta: executionId, graphId and nodeExecutionId are required")
	}
	return nil
}

// SendDeltas appends each delta's text to its node's partial text and
// publishes its event, in their order, in one pipelined round trip.
func (p *Publisher) SendDeltas(ctx context.Context, ds ...Delta) error {
	if len(ds) == 0 {
		return nil
	}
	type encoded struct{ msg, meta []byte }
	enc := make([]encoded, len(ds))
	for i, d := range ds {
		if err := checkDelta(d.Event); err != nil {
			return err
		}
		bound := p.bound(d.Event)
		msg, err := appendEvent(nil, &bound)
		if err != nil {
			return fmt.Errorf("events: encode delta: %w", err)
		}
		meta := d.Event
		meta.Value, meta.Offset = nil, 0
		rawMeta, err := appendEvent(nil, &meta)
		if err != nil {
			return err
		}
		enc[i] = encoded{msg, rawMeta}
	}
	_, err := p.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, d := range ds {
			ev := d.Event
			field := partialField(ev.NodeExecutionID, ev.Pin)
			index, textKey := partialIndexKey(p.prefix, ev.ExecutionID), partialTextKey(p.prefix, ev.ExecutionID, field)
			pipe.Append(ctx, textKey, d.Text)
			pipe.Expire(ctx, textKey, partialTTL)
			pipe.HSet(ctx, index, field, enc[i].meta)
			pipe.Expire(ctx, index, partialTTL)
			pipe.Publish(ctx, execChannel(p.prefix, ev.ExecutionID), enc[i].msg)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("events: publish delta: %w", err)
	}
	return nil
}

// DeliverDeltasLocally has DeliverDelta (and PublishDelta) hand each delta to h's subscribers
// (this process's) at once, before its Redis round trip, as well as
// publishing it: a model's token then reaches a websocket of the process
// that runs the model without waiting for Redis to send it back (issue
// 12's first token → frame), while subscribers on other processes get it
// through Redis as before. The copy that comes back through Redis is
// dropped by the run stream, whose deltas are placed by their Offset in
// the pin's text (livestream's handDeltaLocked): a subscriber that listens
// on an execution channel itself sees such a delta twice. Sequenced events
// keep the one path: published after their commit, in commit order. h must
// use this publisher's prefix; call before the first delta.
func (p *Publisher) DeliverDeltasLocally(h *Hub) error {
	if h.prefix != p.prefix {
		return fmt.Errorf("events: the hub's prefix %q is not the publisher's %q", h.prefix, p.prefix)
	}
	p.local.Store(h)
	return nil
}

// EndPartial forgets a node execution's partial texts: its block returned,
// and what it produced is stored (or was never complete).
func (p *Publisher) EndPartial(ctx context.Context, executionID, nodeExecutionID string, pins []string) error {
	if len(pins) == 0 {
		return nil
	}
	index := partialIndexKey(p.prefix, executionID)
	_, err := p.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, pin := range pins {
			f := partialField(nodeExecutionID, pin)
			pipe.HDel(ctx, index, f)
			pipe.Del(ctx, partialTextKey(p.prefix, executionID, f))
		}
		return nil
	})
	return err
}

// Partials reads the text so far of every node of the execution still
// streaming, each as one NODE_OUTPUT_DELTA event from Offset 0.
func (h *Hub) Partials(ctx context.Context, executionID string) ([]*Event, error) {
	index := partialIndexKey(h.prefix, executionID)
	fields, err := h.rdb.HGetAll(ctx, index).Result()
	if err != nil || len(fields) == 0 {
		return nil, err
	}
	names := make([]string, 0, len(fields))
	keys := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
		keys = append(keys, partialTextKey(h.prefix, executionID, f))
	}
	texts, err := h.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, err
	}
	var out []*Event
	for i, f := range names {
		text, ok := texts[i].(string)
		if !ok || text == "" {
			continue // ended meanwhile
		}
		ev := new(Event)
		if json.Unmarshal([]byte(fields[f]), ev) != nil || !strings.HasPrefix(f, ev.NodeExecutionID+"|") {
			continue
		}
		ev.Value, _ = json.Marshal(text)
		ev.Offset = 0
		out = append(out, ev)
	}
	return out, nil
}
