package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// wsClient speaks graphql-transport-ws to a test server.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

type wsMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

// dialWS opens a websocket to h's /graphql and completes connection_init.
func dialWS(t *testing.T, h http.Handler) *wsClient {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	dialer := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 5 * time.Second}
	conn, resp, err := dialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = conn.Close() })
	c := &wsClient{t: t, conn: conn}
	require.NoError(t, conn.WriteJSON(map[string]any{"type": "connection_init"}))
	require.Equal(t, "connection_ack", c.read().Type)
	return c
}

func (c *wsClient) subscribe(id, query string) {
	c.t.Helper()
	require.NoError(c.t, c.conn.WriteJSON(map[string]any{"type": "subscribe", "id": id, "payload": map[string]any{"query": query}}))
}

func (c *wsClient) read() wsMessage {
	c.t.Helper()
	require.NoError(c.t, c.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	var m wsMessage
	require.NoError(c.t, c.conn.ReadJSON(&m))
	return m
}

// gqlErrors decodes the errors of an "error" payload (an array) or of a
// "next" payload (a response).
func gqlErrors(t *testing.T, m wsMessage) []gqlError {
	t.Helper()
	var errs []gqlError
	if m.Type == "error" {
		require.NoError(t, json.Unmarshal(m.Payload, &errs), string(m.Payload))
		return errs
	}
	var resp struct{ Errors []gqlError }
	require.NoError(t, json.Unmarshal(m.Payload, &resp), string(m.Payload))
	return resp.Errors
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Locations  []any          `json:"locations"`
	Extensions map[string]any `json:"extensions"`
}

func queryBody(q string) string { return mustJSON(map[string]string{"query": q}) }

// post sends a GraphQL POST and decodes the errors of the answer.
func post(t *testing.T, h http.Handler, body string, header ...string) (*httptest.ResponseRecorder, []gqlError) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var resp struct{ Errors []gqlError }
	if rec.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp), rec.Body.String())
	}
	return rec, resp.Errors
}
