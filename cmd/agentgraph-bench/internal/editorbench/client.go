package editorbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"
)

// client speaks GraphQL over HTTP POST to the launched server as one user,
// on keep-alive connections (as many idle ones as there are workers).
type client struct {
	url, apiKey string
	http        *http.Client
}

func newClient(base, apiKey string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext, DisableCompression: true}
	return &client{url: base + "/graphql", apiKey: apiKey, http: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

func (c *client) close() { c.http.Transport.(*http.Transport).CloseIdleConnections() }

// body is the request body of one operation.
func body(query string, vars map[string]any) ([]byte, error) {
	return json.Marshal(map[string]any{"query": query, "variables": vars})
}

// post sends one request body and returns the whole answer; any status
// but 200 is an error.
func (c *client) post(ctx context.Context, b []byte, buf *bytes.Buffer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, buf.Bytes())
	}
	return nil
}

// do runs one operation and decodes data.<field> into out; a GraphQL error
// is an error.
func (c *client) do(ctx context.Context, query string, vars map[string]any, field string, out any) error {
	b, err := body(query, vars)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := c.post(ctx, b, &buf); err != nil {
		return err
	}
	var r struct {
		Data   map[string]json.RawMessage `json:"data"`
		Errors []json.RawMessage          `json:"errors"`
	}
	if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
		return fmt.Errorf("decoding the answer: %w", err)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("GraphQL errors: %s", r.Errors[0])
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(r.Data[field], out)
}
