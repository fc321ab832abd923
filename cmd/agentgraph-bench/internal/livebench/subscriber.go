package livebench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// subscriptionQuery selects what a progress UI would: enough to place the
// event and show its value.
const subscriptionQuery = `subscription($id: ID!) { executionEvents(executionId: $id) {
  seq kind executionId nodeId pin value at } }`

// dialer keeps the bench's own buffers small: 10,000 clients live in this
// process during the memory phase.
var dialer = websocket.Dialer{
	Subprotocols:     []string{"graphql-transport-ws"},
	ReadBufferSize:   1024,
	WriteBufferSize:  1024,
	WriteBufferPool:  &sync.Pool{},
	HandshakeTimeout: 30 * time.Second,
	Proxy:            func(*http.Request) (*url.URL, error) { return nil, nil }, // load only ever targets 127.0.0.1
}

// subscriber is one graphql-transport-ws connection with one
// executionEvents subscription. After the handshake only its reader
// goroutine touches the socket (it also answers the server's pings).
type subscriber struct {
	ws   *websocket.Conn
	exec int // index of the run it follows

	// Set by the reader; read by the bench after done is closed.
	snapshotSeq int64           // seq of the first SNAPSHOT
	got         int64           // events received exactly in order
	dup         int64           // events at or below the current position
	covered     int64           // seqs a re-sent SNAPSHOT covered instead of events
	resnapshots int64           // SNAPSHOTs after the first
	latency     []time.Duration // recv − at of each in-order event
	failure     error           // protocol failure that ended reading

	last    atomic.Int64 // current position (seq)
	target  atomic.Int64 // seq to reach before the bench stops waiting; 0 = none
	reached chan struct{}
	once    sync.Once
	done    chan struct{} // closed when the reader returns
}

// wsMessage is any server message; payload is decoded only as far as the
// bench needs.
type wsMessage struct {
	Type    string `json:"type"`
	Payload struct {
		Data struct {
			Event *struct {
				Seq  int64     `json:"seq"`
				Kind string    `json:"kind"`
				At   time.Time `json:"at"`
			} `json:"executionEvents"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"payload"`
}

// Dial opens a graphql-transport-ws connection to wsURL (ws://…/graphql)
// and authenticates it with apiKey in connection_init; it returns once the
// server acknowledged. The caller owns the connection (and answers pings).
func Dial(wsURL, apiKey string) (*websocket.Conn, error) {
	return dialWith(&dialer, wsURL, apiKey)
}

// burstDialer is for a few clients that each follow whole runs: the server
// writes a run's events in bursts of several kilobytes (one write of up to
// 64 KiB), which a 1 KiB buffer takes in many reads. With 64 KiB a burst
// is one read: a third of the API bench's client reads per run.
var burstDialer = func() websocket.Dialer {
	d := dialer
	d.ReadBufferSize = 64 << 10
	return d
}()

// DialBursts is Dial for a client that reads whole runs' bursts
// (agentgraph-bench api): 20 such connections, not 10,000.
func DialBursts(wsURL, apiKey string) (*websocket.Conn, error) {
	return dialWith(&burstDialer, wsURL, apiKey)
}

func dialWith(d *websocket.Dialer, wsURL, apiKey string) (*websocket.Conn, error) {
	ws, resp, err := d.Dial(wsURL, nil)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	_ = resp.Body.Close()
	_ = ws.SetReadDeadline(time.Now().Add(60 * time.Second))
	init, _ := json.Marshal(map[string]any{"type": "connection_init",
		"payload": map[string]string{"Authorization": "Bearer " + apiKey}})
	if err := ws.WriteMessage(websocket.TextMessage, init); err != nil {
		_ = ws.Close()
		return nil, err
	}
	var m wsMessage
	if err := ws.ReadJSON(&m); err != nil || m.Type != "connection_ack" {
		_ = ws.Close()
		return nil, fmt.Errorf("connection_init: got %q (%v)", m.Type, err)
	}
	_ = ws.SetReadDeadline(time.Time{})
	return ws, nil
}

// subscribe connects, authenticates, subscribes to run exec (executionID)
// and returns once the SNAPSHOT arrived: from then on the subscriber's
// position is known and every later event must arrive exactly once.
func subscribe(wsURL, apiKey string, exec int, executionID string, expectEvents int) (*subscriber, error) {
	ws, err := Dial(wsURL, apiKey)
	if err != nil {
		return nil, err
	}
	s := &subscriber{ws: ws, exec: exec, reached: make(chan struct{}), done: make(chan struct{}),
		latency: make([]time.Duration, 0, expectEvents)}
	fail := func(err error) (*subscriber, error) {
		_ = ws.Close()
		return nil, err
	}
	_ = ws.SetReadDeadline(time.Now().Add(60 * time.Second))
	sub, _ := json.Marshal(map[string]any{"type": "subscribe", "id": "1",
		"payload": map[string]any{"query": subscriptionQuery, "variables": map[string]string{"id": executionID}}})
	if err := ws.WriteMessage(websocket.TextMessage, sub); err != nil {
		return fail(err)
	}
	m := wsMessage{}
	if err := ws.ReadJSON(&m); err != nil {
		return fail(err)
	}
	if ev := m.Payload.Data.Event; m.Type != "next" || ev == nil || ev.Kind != "SNAPSHOT" {
		return fail(fmt.Errorf("expected a SNAPSHOT first, got %q %+v", m.Type, m.Payload.Errors))
	}
	s.snapshotSeq = m.Payload.Data.Event.Seq
	s.last.Store(s.snapshotSeq)
	_ = ws.SetReadDeadline(time.Time{})
	go s.read()
	return s, nil
}

// read consumes the stream until the socket closes, checking continuity.
func (s *subscriber) read() {
	defer close(s.done)
	var m wsMessage
	for {
		_, data, err := s.ws.ReadMessage()
		recv := time.Now() // before decoding: parsing is the client's cost, not the server's
		if err != nil {
			if !isClosedByUs(err) {
				s.failure = err
			}
			return
		}
		m = wsMessage{}
		if !fastDecode(data, &m) {
			if err := json.Unmarshal(data, &m); err != nil {
				s.failure = fmt.Errorf("undecodable message: %w", err)
				return
			}
		}
		switch m.Type {
		case "ping":
			if err := s.ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"pong"}`)); err != nil {
				return
			}
			continue
		case "next":
		default: // error or complete: the run's stream ended, which never should here
			s.failure = fmt.Errorf("unexpected %q message: %s", m.Type, data)
			return
		}
		ev := m.Payload.Data.Event
		if ev == nil {
			s.failure = fmt.Errorf("next without an event: %s", data)
			return
		}
		last := s.last.Load()
		switch {
		case ev.Kind == "SNAPSHOT": // the server re-read Postgres: what it skipped was not delivered as events
			s.resnapshots++
			if ev.Seq > last {
				s.covered += ev.Seq - last
				last = ev.Seq
			}
		case ev.Seq <= last:
			s.dup++
		default:
			s.got++
			s.latency = append(s.latency, recv.Sub(ev.At))
			last = ev.Seq
		}
		s.last.Store(last)
		if t := s.target.Load(); t > 0 && last >= t {
			s.once.Do(func() { close(s.reached) })
		}
	}
}

// expect sets the position the subscriber must reach; reached closes when
// it has (possibly already).
func (s *subscriber) expect(seq int64) {
	s.target.Store(seq)
	if s.last.Load() >= seq {
		s.once.Do(func() { close(s.reached) })
	}
}

// close ends the connection and waits for the reader, after which the
// counters may be read.
func (s *subscriber) close() {
	_ = s.ws.Close()
	<-s.done
}

func isClosedByUs(err error) bool {
	return strings.Contains(err.Error(), "use of closed network connection")
}

// fastDecode reads a "next" frame's seq, kind and at without a full JSON
// decode: at 10,000 frames/s the bench's clients share two cores with the
// server they measure, and encoding/json was a fifth of their CPU. It
// relies on the subscription's field order (seq and kind come before the
// user's value, at comes last) and reports false for anything it does not
// recognise, which then takes the full decode.
func fastDecode(data []byte, m *wsMessage) bool {
	h, ok := ReadEventHead(data)
	if !ok {
		return false
	}
	atAt := bytes.LastIndex(data, []byte(`"at":"`))
	if atAt < h.end {
		return false
	}
	rest := data[atAt+len(`"at":"`):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return false
	}
	at, err := time.Parse(time.RFC3339Nano, string(rest[:end]))
	if err != nil {
		return false
	}
	m.Type = "next"
	m.Payload.Data.Event = &struct {
		Seq  int64     `json:"seq"`
		Kind string    `json:"kind"`
		At   time.Time `json:"at"`
	}{h.Seq, h.Kind, at}
	return true
}

// EventHead is what a "next" frame of an executionEvents subscription says
// before the event's user value.
type EventHead struct {
	ID     string // the operation's
	Seq    int64
	Kind   string
	Status string // "" when not selected or null
	end    int    // offset past the last field read
}

// ReadEventHead reads a "next" frame's operation id, seq, kind and status
// without a full JSON decode (see fastDecode for why). It relies on the
// server writing type and id first and on the subscription selecting seq,
// then kind, then optionally status, before any field holding a user's
// value (whose text could look like a field); it reports false for
// anything it does not recognise (errors included), which the caller then
// decodes fully.
func ReadEventHead(data []byte) (h EventHead, ok bool) {
	const next = `{"type":"next","id":"`
	if !bytes.HasPrefix(data, []byte(next)) || bytes.Contains(data, []byte(`"errors"`)) {
		return h, false
	}
	id, rest, ok := cutQuoted(data[len(next):])
	if !ok {
		return h, false
	}
	h.ID = string(id)
	seqAt := bytes.Index(rest, []byte(`"seq":`))
	if seqAt < 0 {
		return h, false
	}
	rest = rest[seqAt+len(`"seq":`):]
	end := bytes.IndexAny(rest, ",}")
	if end < 0 {
		return h, false
	}
	seq, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	if err != nil {
		return h, false
	}
	h.Seq, rest = seq, rest[end:]
	const kind = `,"kind":"`
	if !bytes.HasPrefix(rest, []byte(kind)) {
		return h, false
	}
	k, rest, ok := cutQuoted(rest[len(kind):])
	if !ok {
		return h, false
	}
	h.Kind = known(k)
	const status = `,"status":"`
	if bytes.HasPrefix(rest, []byte(status)) {
		st, after, ok := cutQuoted(rest[len(status):])
		if !ok {
			return h, false
		}
		h.Status, rest = known(st), after
	}
	h.end = len(data) - len(rest)
	return h, true
}

// known is b as a string, without allocating for the event kinds and
// statuses the frames repeat (the clients share the machine with the
// server they measure).
func known(b []byte) string {
	switch string(b) {
	case "SNAPSHOT":
		return "SNAPSHOT"
	case "NODE_STATUS":
		return "NODE_STATUS"
	case "NODE_OUTPUT":
		return "NODE_OUTPUT"
	case "GRAPH_STATUS":
		return "GRAPH_STATUS"
	case "QUEUED":
		return "QUEUED"
	case "RUNNING":
		return "RUNNING"
	case "COMPLETED":
		return "COMPLETED"
	}
	return string(b)
}

// cutQuoted splits b at its first '"': the text before (a JSON string's
// content without escapes) and what follows the quote.
func cutQuoted(b []byte) (text, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '"')
	if i < 0 || bytes.IndexByte(b[:i], '\\') >= 0 {
		return nil, nil, false
	}
	return b[:i], b[i+1:], true
}
