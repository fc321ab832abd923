package events

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Decode parses one Redis message: a single event object, or an array of
// events of one execution in Seq order. The payload is the caller's to
// give: decoded values (Event.Value) may share its memory.
//
// Every API process decodes every message of a run someone follows there,
// about four events per node the run moves, so this is on the hot path of
// runs followed through the API (encoding/json took an eighth of a serving
// process's CPU there). What the Publisher writes (json.Marshal of an
// Event, no escaped characters in its strings) is read by decodeFast, in
// one pass without reflection; anything else goes through encoding/json,
// which also gives the errors.
func Decode(payload []byte) ([]*Event, error) {
	if evs, ok := decodeFast(payload); ok {
		return evs, nil
	}
	payload = bytes.TrimLeft(payload, " \t\r\n")
	if len(payload) > 0 && payload[0] == '[' {
		var evs []*Event
		if err := json.Unmarshal(payload, &evs); err != nil {
			return nil, err
		}
		return evs, nil
	}
	ev := new(Event)
	if err := json.Unmarshal(payload, ev); err != nil {
		return nil, err
	}
	return []*Event{ev}, nil
}

// decodeFast reads the compact JSON json.Marshal writes for an Event or an
// array of them. It reports false, having decoded nothing usable, on
// anything else: whitespace, escapes in a string, keys or types it does
// not know, a value that is not valid JSON. Strings repeated from the
// previous event (the execution, graph and user ids of a batch, a node's
// ids across its events) are shared.
func decodeFast(b []byte) ([]*Event, bool) {
	d := fastDecoder{b: b}
	if d.peek() != '[' {
		ev, ok := d.event(nil)
		if !ok || d.i != len(b) {
			return nil, false
		}
		return []*Event{ev}, true
	}
	d.i++
	evs := make([]*Event, 0, bytes.Count(b, []byte(`{"executionId":`)))
	var prev *Event
	for {
		ev, ok := d.event(prev)
		if !ok {
			return nil, false
		}
		evs, prev = append(evs, ev), ev
		switch d.next() {
		case ',':
		case ']':
			return evs, d.i == len(b)
		default:
			return nil, false
		}
	}
}

type fastDecoder struct {
	b []byte
	i int
}

func (d *fastDecoder) peek() byte {
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *fastDecoder) next() byte {
	c := d.peek()
	d.i++
	return c
}

// str reads a string without escapes and returns its content.
func (d *fastDecoder) str() ([]byte, bool) {
	if d.next() != '"' {
		return nil, false
	}
	end := bytes.IndexByte(d.b[d.i:], '"')
	if end < 0 {
		return nil, false
	}
	s := d.b[d.i : d.i+end]
	high := false
	for _, c := range s {
		if c < 0x20 || c == '\\' {
			return nil, false // invalid there, or an escape: encoding/json's to read
		}
		high = high || c >= 0x80
	}
	if high && !utf8.Valid(s) {
		return nil, false // encoding/json would replace what is not UTF-8
	}
	d.i += end + 1
	return s, true
}

// text is str as a string, the same string as was's when equal.
func (d *fastDecoder) text(was string) (string, bool) {
	s, ok := d.str()
	if !ok {
		return "", false
	}
	if was != "" && string(s) == was {
		return was, true
	}
	return string(s), true
}

// word reads a kind or a status: one of a few strings, not allocated again.
func (d *fastDecoder) word() (string, bool) {
	s, ok := d.str()
	if !ok {
		return "", false
	}
	for _, w := range words {
		if string(s) == w {
			return w, true
		}
	}
	return string(s), true
}

var words = []string{string(KindNodeStatus), string(KindNodeOutput), string(KindGraphStatus), string(KindNodeOutputDelta),
	"RUNNING", "COMPLETED", "QUEUED", "FAILED", "CANCELLED", "TIMEOUT", "TERMINATED"}

// literal reads the bytes of a number, true, false or null.
func (d *fastDecoder) literal() []byte {
	start := d.i
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ',', '}', ']':
			return d.b[start:d.i]
		}
		d.i++
	}
	return d.b[start:d.i]
}

// raw reads one JSON value and returns its bytes; it checks the value is
// valid JSON, as encoding/json does for a json.RawMessage.
func (d *fastDecoder) raw() ([]byte, bool) {
	start, depth := d.i, 0
	for d.i < len(d.b) {
		switch c := d.b[d.i]; c {
		case '"':
			d.i++
			for d.i < len(d.b) && d.b[d.i] != '"' {
				if d.b[d.i] == '\\' {
					d.i++
				}
				d.i++
			}
			if d.i >= len(d.b) {
				return nil, false
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return d.valid(start)
			}
			depth--
		case ',':
			if depth == 0 {
				return d.valid(start)
			}
		}
		d.i++
	}
	return d.valid(start)
}

func (d *fastDecoder) valid(start int) ([]byte, bool) {
	v := d.b[start:d.i]
	return v, len(v) > 0 && json.Valid(v)
}

// event reads one Event object; prev (may be nil) lends its ids.
func (d *fastDecoder) event(prev *Event) (*Event, bool) {
	if d.next() != '{' {
		return nil, false
	}
	ev := new(Event)
	var was Event // the strings to share, not values: every field is read below
	if prev != nil {
		was = *prev
	}
	seen := uint16(0)
	for {
		key, ok := d.str()
		if !ok || d.next() != ':' {
			return nil, false
		}
		var bit uint16
		switch string(key) {
		case "executionId":
			bit = 1 << 0
			ev.ExecutionID, ok = d.text(was.ExecutionID)
		case "graphId":
			bit = 1 << 1
			ev.GraphID, ok = d.text(was.GraphID)
		case "userId":
			bit = 1 << 2
			ev.UserID, ok = d.text(was.UserID)
		case "seq":
			bit = 1 << 3
			ev.Seq, ok = d.int()
		case "kind":
			bit = 1 << 4
			var k string
			k, ok = d.word()
			ev.Kind = Kind(k)
		case "status":
			bit = 1 << 5
			ev.Status, ok = d.word()
		case "nodeId":
			bit = 1 << 6
			ev.NodeID, ok = d.text(was.NodeID)
		case "nodeExecutionId":
			bit = 1 << 7
			ev.NodeExecutionID, ok = d.text(was.NodeExecutionID)
		case "pin":
			bit = 1 << 8
			ev.Pin, ok = d.text(was.Pin)
		case "value":
			bit = 1 << 9
			var v []byte
			v, ok = d.raw()
			if ok && string(v) != "null" { // encoding/json leaves a RawMessage's null in; Publisher never writes one
				ev.Value = v
			} else {
				ok = false
			}
		case "valueTruncated":
			bit = 1 << 10
			ev.ValueTruncated, ok = d.bool()
		case "error":
			bit = 1 << 11
			ev.Error, ok = d.text("")
		case "at":
			bit = 1 << 12
			start := d.i
			if _, ok = d.str(); ok {
				ok = ev.At.UnmarshalJSON(d.b[start:d.i]) == nil
			}
		case "delta":
			bit = 1 << 13
			ev.Delta, ok = d.bool()
		case "offset":
			bit = 1 << 14
			ev.Offset, ok = d.int()
		case "outputs":
			bit = 1 << 15
			var v []byte
			v, ok = d.raw()
			if ok && string(v) != "null" {
				ev.Outputs = v
			} else {
				ok = false
			}
		default:
			return nil, false
		}
		if !ok || seen&bit != 0 {
			return nil, false
		}
		seen |= bit
		switch d.next() {
		case ',':
		case '}':
			// The fields json.Marshal always writes; a shared id not read
			// again would be the previous event's.
			const always = 1<<0 | 1<<1 | 1<<2 | 1<<3 | 1<<4 | 1<<12
			return ev, seen&always == always
		default:
			return nil, false
		}
	}
}

func (d *fastDecoder) int() (int64, bool) {
	n, err := strconv.ParseInt(string(d.literal()), 10, 64)
	return n, err == nil
}

func (d *fastDecoder) bool() (bool, bool) {
	switch string(d.literal()) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}
