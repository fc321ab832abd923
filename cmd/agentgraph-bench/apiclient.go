package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
	"github.com/agentgraph/agentgraph/internal/model"
)

// executeMutation submits a run of the bench's graph with its one input.
const executeMutation = `mutation Run($g: ID!, $in: JSON) { executeGraph(graphId: $g, inputs: $in) { id } }`

// followSubscription is what a client following a run to its result
// selects: each event's place and value, the end's status and outputs.
const followSubscription = `subscription Follow($id: ID!) { executionEvents(executionId: $id) {
  seq kind status nodeId nodeExecutionId pin value error at outputs } }`

// apiTransport is shared by every client: one kept-alive connection each.
var apiTransport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, Proxy: nil}

// apiClient is one user's session: executeGraph over HTTP, and one
// graphql-transport-ws connection on which it follows its runs, one
// subscription after the other.
type apiClient struct {
	http    *http.Client
	url     string // http://…/graphql
	key     string
	graphID string
	ws      *websocket.Conn
	subs    int // subscriptions started, for their ids
}

// clientOut is what one client saw.
type clientOut struct {
	ids                   []uuid.UUID // runs followed to COMPLETED
	submit, follow, total []time.Duration
	frames, ended         int
	failures              []string
}

func newAPIClient(base, key, graphID string) (*apiClient, error) {
	ws, err := livebench.Dial("ws"+strings.TrimPrefix(base, "http")+"/graphql", key)
	if err != nil {
		return nil, err
	}
	return &apiClient{http: &http.Client{Transport: apiTransport, Timeout: time.Minute}, url: base + "/graphql",
		key: key, graphID: graphID, ws: ws}, nil
}

func (c *apiClient) close() { _ = c.ws.Close() }

// loop submits and follows runs until deadline; a failure ends it (the
// session may be out of step with the server after one).
func (c *apiClient) loop(ctx context.Context, deadline time.Time) *clientOut {
	o := &clientOut{}
	for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
		t0 := time.Now()
		id, err := c.execute(ctx, i)
		if err != nil {
			o.failures = append(o.failures, "executeGraph: "+err.Error())
			return o
		}
		t1 := time.Now()
		frames, ended, err := c.followRun(id)
		t2 := time.Now()
		if err != nil {
			o.failures = append(o.failures, fmt.Sprintf("run %s: %v", id, err))
			return o
		}
		o.ids = append(o.ids, id)
		o.submit, o.follow, o.total = append(o.submit, t1.Sub(t0)), append(o.follow, t2.Sub(t1)), append(o.total, t2.Sub(t0))
		o.frames += frames
		if ended {
			o.ended++
		}
	}
	return o
}

// execute submits run number i and returns its id.
func (c *apiClient) execute(ctx context.Context, i int) (uuid.UUID, error) {
	body, _ := json.Marshal(map[string]any{"query": executeMutation,
		"variables": map[string]any{"g": c.graphID, "in": map[string]any{"x": i}}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return uuid.Nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := c.http.Do(req)
	if err != nil {
		return uuid.Nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return uuid.Nil, err
	}
	var out struct {
		Data *struct {
			ExecuteGraph *struct{ ID string } `json:"executeGraph"`
		} `json:"data"`
		Errors []struct{ Message string } `json:"errors"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Data == nil || out.Data.ExecuteGraph == nil {
		return uuid.Nil, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(raw))
	}
	return uuid.Parse(out.Data.ExecuteGraph.ID)
}

// wsFrame is a server message; the payload is decoded by type.
type wsFrame struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// eventPayload is a "next" message's payload, decoded as far as the
// checks need.
type eventPayload struct {
	Data struct {
		Event *struct {
			Seq    int64  `json:"seq"`
			Kind   string `json:"kind"`
			Status string `json:"status"`
		} `json:"executionEvents"`
	} `json:"data"`
	Errors []struct{ Message string } `json:"errors"`
}

// followRun subscribes to run id and reads its stream to the server's
// "complete", checking it: a SNAPSHOT first, then every seq once and in
// order (a later SNAPSHOT may cover some), and a COMPLETED end. It returns
// the "next" messages read and whether the first SNAPSHOT already showed
// the end.
func (c *apiClient) followRun(id uuid.UUID) (frames int, endedFirst bool, err error) {
	c.subs++
	opID := strconv.Itoa(c.subs)
	msg, _ := json.Marshal(map[string]any{"type": "subscribe", "id": opID,
		"payload": map[string]any{"query": followSubscription, "variables": map[string]string{"id": id.String()}}})
	if err := c.ws.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
		return 0, false, err
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, msg); err != nil {
		return 0, false, err
	}
	var last int64 = -1 // no SNAPSHOT yet
	end := ""
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return frames, endedFirst, err
		}
		var f wsFrame
		if err := json.Unmarshal(data, &f); err != nil {
			return frames, endedFirst, fmt.Errorf("undecodable message: %s", data)
		}
		switch {
		case f.Type == "ping":
			if err := c.ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"pong"}`)); err != nil {
				return frames, endedFirst, err
			}
			continue
		case f.Type == "pong":
			continue
		case f.ID != opID:
			return frames, endedFirst, fmt.Errorf("message of another operation: %s", data)
		case f.Type == "complete":
			if end != "COMPLETED" {
				return frames, endedFirst, fmt.Errorf("stream completed after status %q", end)
			}
			return frames, endedFirst, nil
		case f.Type != "next":
			return frames, endedFirst, fmt.Errorf("unexpected message: %s", data)
		}
		frames++
		var p eventPayload
		if err := json.Unmarshal(f.Payload, &p); err != nil || p.Data.Event == nil || len(p.Errors) > 0 {
			return frames, endedFirst, fmt.Errorf("next without an event: %s", data)
		}
		ev := p.Data.Event
		switch {
		case ev.Kind == "SNAPSHOT":
			if last < 0 && isFinal(ev.Status) {
				endedFirst = true
			}
			if isFinal(ev.Status) {
				end = ev.Status
			}
			last = max(last, ev.Seq)
		case last < 0:
			return frames, endedFirst, fmt.Errorf("%s before the SNAPSHOT", ev.Kind)
		case ev.Kind == "NODE_OUTPUT_DELTA": // outside the sequence
		case ev.Seq != last+1:
			return frames, endedFirst, fmt.Errorf("seq %d after %d", ev.Seq, last)
		default:
			last = ev.Seq
			if ev.Kind == "GRAPH_STATUS" && isFinal(ev.Status) {
				end = ev.Status
			}
		}
	}
}

// isFinal reports whether an ExecutionStatus ends a run.
func isFinal(status string) bool { return model.Status(status).IsTerminal() }
