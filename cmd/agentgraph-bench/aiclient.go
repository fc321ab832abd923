package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// aiClient is the ai bench's view of the launched serve: GraphQL over
// HTTP to start runs, graphql-transport-ws to follow them, as a UI does.
type aiClient struct {
	base, key string
	http      *http.Client
}

func newAIClient(base, key string) *aiClient {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &aiClient{base: base, key: key, http: &http.Client{Transport: t, Timeout: 2 * time.Minute}}
}

// execute starts a run of graph with inputs and returns its id.
func (c *aiClient) execute(ctx context.Context, graphID string, inputs map[string]any) (string, error) {
	return executeGraphHTTP(ctx, c.http, c.base+"/graphql", c.key, graphID, inputs)
}

var aiDialer = websocket.Dialer{
	Subprotocols: []string{"graphql-transport-ws"}, ReadBufferSize: 1024, WriteBufferSize: 1024,
	HandshakeTimeout: 30 * time.Second,
	Proxy:            func(*http.Request) (*url.URL, error) { return nil, nil },
}

// runWatch follows one run's executionEvents until the stream completes.
type runWatch struct {
	ws         *websocket.Conn
	firstDelta time.Time // when the first NODE_OUTPUT_DELTA frame was read
	deltaText  string    // its text
	deltaAt    time.Time // its event's at: when the engine made it (just before publishing it)
	status     string    // the run's last status seen
	err        error
	done       chan struct{} // closed when the stream ended
	ended      time.Time     // when it ended
}

// follow subscribes to run id's events and returns once its SNAPSHOT came.
func (c *aiClient) follow(id string) (*runWatch, error) {
	ws, resp, err := aiDialer.Dial(strings.Replace(c.base, "http", "ws", 1)+"/graphql", nil)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	_ = resp.Body.Close()
	w := &runWatch{ws: ws, done: make(chan struct{})}
	fail := func(err error) (*runWatch, error) { _ = ws.Close(); return nil, err }
	_ = ws.SetReadDeadline(time.Now().Add(60 * time.Second))
	msgs := []any{
		map[string]any{"type": "connection_init", "payload": map[string]string{"Authorization": "Bearer " + c.key}},
		map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{
			"query":     `subscription($id: ID!) { executionEvents(executionId: $id) { kind status value at } }`,
			"variables": map[string]string{"id": id}}},
	}
	if err := ws.WriteJSON(msgs[0]); err != nil {
		return fail(err)
	}
	var m aiWSMessage
	if err := ws.ReadJSON(&m); err != nil || m.Type != "connection_ack" {
		return fail(fmt.Errorf("connection_init: got %q (%v)", m.Type, err))
	}
	if err := ws.WriteJSON(msgs[1]); err != nil {
		return fail(err)
	}
	m = aiWSMessage{}
	if err := ws.ReadJSON(&m); err != nil {
		return fail(err)
	}
	if ev := m.Payload.Data.Event; m.Type != "next" || ev == nil || ev.Kind != "SNAPSHOT" {
		return fail(fmt.Errorf("expected a SNAPSHOT first, got %q %+v", m.Type, m.Payload.Errors))
	}
	w.status = m.Payload.Data.Event.Status
	_ = ws.SetReadDeadline(time.Time{})
	go w.read()
	return w, nil
}

type aiWSMessage struct {
	Type    string `json:"type"`
	Payload struct {
		Data struct {
			Event *struct {
				Kind   string          `json:"kind"`
				Status string          `json:"status"`
				Value  json.RawMessage `json:"value"`
				At     time.Time       `json:"at"`
			} `json:"executionEvents"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"payload"`
}

func (w *runWatch) read() {
	defer close(w.done)
	defer func() { w.ended = time.Now() }()
	defer w.ws.Close()
	for {
		_, data, err := w.ws.ReadMessage()
		at := time.Now() // before decoding: parsing is the client's cost
		if err != nil {
			w.err = err
			return
		}
		var m aiWSMessage
		if err := json.Unmarshal(data, &m); err != nil {
			w.err = err
			return
		}
		switch m.Type {
		case "ping":
			_ = w.ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"pong"}`))
		case "complete":
			return
		case "next":
			ev := m.Payload.Data.Event
			if ev == nil {
				continue
			}
			if ev.Kind == "NODE_OUTPUT_DELTA" && w.firstDelta.IsZero() {
				w.firstDelta, w.deltaAt = at, ev.At
				_ = json.Unmarshal(ev.Value, &w.deltaText)
			}
			if ev.Kind == "GRAPH_STATUS" || ev.Kind == "SNAPSHOT" {
				w.status = ev.Status
			}
		default:
			w.err = fmt.Errorf("unexpected %q message: %s", m.Type, data)
			return
		}
	}
}

// wait returns the run's final status once its stream completed.
func (w *runWatch) wait(ctx context.Context) (string, error) {
	select {
	case <-w.done:
		return w.status, w.err
	case <-ctx.Done():
		_ = w.ws.Close()
		<-w.done
		return w.status, ctx.Err()
	}
}
