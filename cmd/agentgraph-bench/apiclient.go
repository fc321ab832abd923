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

// executeMutation submits a run of a graph with its inputs.
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
	subs    int          // subscriptions started, for their ids
	frame   bytes.Buffer // the message being read, reused: the client shares the machine with the server
}

// clientOut is what one client saw.
type clientOut struct {
	ids                   []uuid.UUID // runs followed to COMPLETED
	submit, follow, total []time.Duration
	frames, ended         int
	resnapshots           int   // SNAPSHOTs after the first: the server re-read the run
	events                int64 // seqs the runs' streams covered after their first SNAPSHOT
	failures              []string
}

func newAPIClient(base, key, graphID string) (*apiClient, error) {
	ws, err := livebench.DialBursts("ws"+strings.TrimPrefix(base, "http")+"/graphql", key)
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
		f, err := c.followRun(id)
		t2 := time.Now()
		if err != nil {
			o.failures = append(o.failures, fmt.Sprintf("run %s: %v", id, err))
			return o
		}
		o.ids = append(o.ids, id)
		o.submit, o.follow, o.total = append(o.submit, t1.Sub(t0)), append(o.follow, t2.Sub(t1)), append(o.total, t2.Sub(t0))
		o.frames += f.frames
		o.resnapshots += f.resnapshots
		o.events += f.last - f.first
		if f.endedFirst {
			o.ended++
		}
	}
	return o
}

// execute submits run number i and returns its id.
func (c *apiClient) execute(ctx context.Context, i int) (uuid.UUID, error) {
	id, err := executeGraphHTTP(ctx, c.http, c.url, c.key, c.graphID, map[string]any{"x": i})
	if err != nil {
		return uuid.Nil, err
	}
	return uuid.Parse(id)
}

// executeGraphHTTP starts a run of graphID with inputs through POST url
// (…/graphql) as the user of key, and returns the run's id. The api and ai
// benches both submit this way.
func executeGraphHTTP(ctx context.Context, hc *http.Client, url, key, graphID string, inputs map[string]any) (string, error) {
	body, _ := json.Marshal(map[string]any{"query": executeMutation,
		"variables": map[string]any{"g": graphID, "in": inputs}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	var out struct {
		Data *struct {
			ExecuteGraph *struct{ ID string } `json:"executeGraph"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Data == nil || out.Data.ExecuteGraph == nil {
		return "", fmt.Errorf("executeGraph: %s: %s", resp.Status, bytes.TrimSpace(raw))
	}
	return out.Data.ExecuteGraph.ID, nil
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

// followed is what one subscription delivered.
type followed struct {
	frames      int   // "next" messages
	resnapshots int   // SNAPSHOTs after the first
	first, last int64 // seq of the first SNAPSHOT, of the last message
	endedFirst  bool  // the first SNAPSHOT already showed the end
}

// followRun subscribes to run id and reads its stream to the server's
// "complete", checking it: a SNAPSHOT first, then every seq once and in
// order (a later SNAPSHOT may cover some), and a COMPLETED end.
func (c *apiClient) followRun(id uuid.UUID) (f followed, err error) {
	c.subs++
	opID := strconv.Itoa(c.subs)
	msg, _ := json.Marshal(map[string]any{"type": "subscribe", "id": opID,
		"payload": map[string]any{"query": followSubscription, "variables": map[string]string{"id": id.String()}}})
	if err := c.ws.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
		return f, err
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, msg); err != nil {
		return f, err
	}
	f.last = -1 // no SNAPSHOT yet
	end := ""
	for {
		data, err := c.read()
		if err != nil {
			return f, err
		}
		typ, ev, err := decodeFrame(data)
		if err != nil {
			return f, err
		}
		switch {
		case typ == "ping":
			if err := c.ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"pong"}`)); err != nil {
				return f, err
			}
			continue
		case typ == "pong":
			continue
		case ev.ID != opID:
			return f, fmt.Errorf("message of another operation: %s", data)
		case typ == "complete":
			if end != "COMPLETED" {
				return f, fmt.Errorf("stream completed after status %q", end)
			}
			return f, nil
		case typ != "next":
			return f, fmt.Errorf("unexpected message: %s", data)
		}
		f.frames++
		switch {
		case ev.Kind == "SNAPSHOT":
			if f.last < 0 {
				f.first, f.endedFirst = ev.Seq, isFinal(ev.Status)
			} else {
				f.resnapshots++
			}
			if isFinal(ev.Status) {
				end = ev.Status
			}
			f.last = max(f.last, ev.Seq)
		case f.last < 0:
			return f, fmt.Errorf("%s before the SNAPSHOT", ev.Kind)
		case ev.Kind == "NODE_OUTPUT_DELTA": // outside the sequence
		case ev.Seq != f.last+1:
			return f, fmt.Errorf("seq %d after %d", ev.Seq, f.last)
		default:
			f.last = ev.Seq
			if ev.Kind == "GRAPH_STATUS" && isFinal(ev.Status) {
				end = ev.Status
			}
		}
	}
}

// read reads the next message into c.frame, valid until the next read
// (ReadMessage would allocate each one afresh).
func (c *apiClient) read() ([]byte, error) {
	_, r, err := c.ws.NextReader()
	if err != nil {
		return nil, err
	}
	c.frame.Reset()
	if _, err := c.frame.ReadFrom(r); err != nil {
		return nil, err
	}
	return c.frame.Bytes(), nil
}

// decodeFrame reads a server message: its type, and for "next" the
// event's head; the operation id is in head.ID for every type. The
// frames of the run's events take the fast path (livebench.ReadEventHead).
func decodeFrame(data []byte) (typ string, head livebench.EventHead, err error) {
	if h, ok := livebench.ReadEventHead(data); ok {
		return "next", h, nil
	}
	var m wsFrame
	if err := json.Unmarshal(data, &m); err != nil {
		return "", head, fmt.Errorf("undecodable message: %s", data)
	}
	head.ID = m.ID
	if m.Type != "next" {
		return m.Type, head, nil
	}
	var p eventPayload
	if err := json.Unmarshal(m.Payload, &p); err != nil || p.Data.Event == nil || len(p.Errors) > 0 {
		return "", head, fmt.Errorf("next without an event: %s", data)
	}
	head.Seq, head.Kind, head.Status = p.Data.Event.Seq, p.Data.Event.Kind, p.Data.Event.Status
	return "next", head, nil
}

// isFinal reports whether an ExecutionStatus ends a run.
func isFinal(status string) bool { return model.Status(status).IsTerminal() }
