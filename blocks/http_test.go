package blocks

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// echoServer answers /echo with what it received, /text with plain text,
// /status/4xx|5xx with an error body, and holds /slow until the client
// gives up.
func echoServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"method":       r.Method,
			"body":         string(body),
			"content_type": r.Header.Get("Content-Type"),
			"token":        r.Header.Get("X-Token"),
		})
	})
	mux.HandleFunc("/text", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "plain {not json")
	})
	mux.HandleFunc("/status/404", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"detail":"nope"}`)
	})
	mux.HandleFunc("/status/503", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "down")
	})
	mux.HandleFunc("/slow", func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// local is the run context of a deployment that allows private networks:
// the test server listens on 127.0.0.1.
var local = &RunContext{AllowPrivateNetwork: true}

func mustRunLocal(t *testing.T, input map[string]any) []output {
	t.Helper()
	outs, err := runCtx(t, context.Background(), local, "SendWebRequestBlock", input)
	require.NoError(t, err)
	return outs
}

func pinValue(t *testing.T, got []output, pin string) any {
	t.Helper()
	for _, o := range got {
		if o.Pin == pin {
			return o.Value
		}
	}
	require.Failf(t, "pin not yielded", "%s in %v", pin, got)
	return nil
}

func TestSendWebRequestBlock(t *testing.T) {
	t.Parallel()
	srv := echoServer(t)
	tests := []struct {
		name    string
		input   map[string]any
		pins    []string
		pin     string
		want    any
		headers bool
	}{
		{
			name:  "default POST with JSON body",
			input: map[string]any{"url": srv.URL + "/echo", "body": map[string]any{"a": 1}, "headers": map[string]any{"X-Token": "t"}},
			pins:  []string{"response", "status", "headers"},
			pin:   "response",
			want:  map[string]any{"method": "POST", "body": `{"a":1}`, "content_type": "application/json", "token": "t"},
		},
		{
			name:  "GET without body",
			input: map[string]any{"url": srv.URL + "/echo", "method": "GET"},
			pins:  []string{"response", "status", "headers"},
			pin:   "response",
			want:  map[string]any{"method": "GET", "body": "", "content_type": "", "token": ""},
		},
		{
			name:  "string body sent verbatim",
			input: map[string]any{"url": srv.URL + "/echo", "method": "PUT", "body": "raw text"},
			pins:  []string{"response", "status", "headers"},
			pin:   "response",
			want:  map[string]any{"method": "PUT", "body": "raw text", "content_type": "", "token": ""},
		},
		{
			name:  "json_format marks a string body as JSON",
			input: map[string]any{"url": srv.URL + "/echo", "body": `{"x":true}`, "json_format": true},
			pins:  []string{"response", "status", "headers"},
			pin:   "response",
			want:  map[string]any{"method": "POST", "body": `{"x":true}`, "content_type": "application/json", "token": ""},
		},
		{
			name:  "text response stays text",
			input: map[string]any{"url": srv.URL + "/text", "method": "GET"},
			pins:  []string{"response", "status", "headers"},
			pin:   "response",
			want:  "plain {not json",
		},
		{
			name:  "4xx on client_error",
			input: map[string]any{"url": srv.URL + "/status/404", "method": "GET"},
			pins:  []string{"client_error", "status", "headers"},
			pin:   "client_error",
			want:  map[string]any{"detail": "nope"},
		},
		{
			name:  "5xx on server_error",
			input: map[string]any{"url": srv.URL + "/status/503", "method": "GET"},
			pins:  []string{"server_error", "status", "headers"},
			pin:   "server_error",
			want:  "down",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := mustRunLocal(t, tt.input)
			var pins []string
			for _, o := range got {
				pins = append(pins, o.Pin)
			}
			require.Equal(t, tt.pins, pins)
			require.Equal(t, tt.want, pinValue(t, got, tt.pin))
		})
	}
}

func TestSendWebRequestStatusAndHeaders(t *testing.T) {
	t.Parallel()
	srv := echoServer(t)
	got := mustRunLocal(t, map[string]any{"url": srv.URL + "/echo", "method": "GET"})
	require.Equal(t, 200.0, pinValue(t, got, "status"))
	headers := pinValue(t, got, "headers").(map[string]any)
	require.Equal(t, "a, b", headers["X-Multi"])
	require.Equal(t, "application/json", headers["Content-Type"])
}

func TestSendWebRequestConnectionRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	got, err := runCtx(t, context.Background(), local, "SendWebRequestBlock", map[string]any{"url": "http://" + addr + "/x", "method": "GET"})
	require.Error(t, err)
	require.Contains(t, err.Error(), "GET http://"+addr+"/x: request failed")
	require.Contains(t, err.Error(), "connection refused")
	require.Empty(t, got)
}

func TestSendWebRequestTimeout(t *testing.T) {
	t.Parallel()
	srv := echoServer(t)
	_, err := runCtx(t, context.Background(), local, "SendWebRequestBlock", map[string]any{"url": srv.URL + "/slow", "method": "GET", "timeout": 0.05})
	require.ErrorContains(t, err, "timed out after 0.05s")
}

func TestSendWebRequestCancelled(t *testing.T) {
	t.Parallel()
	srv := echoServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := runCtx(t, ctx, local, "SendWebRequestBlock", map[string]any{"url": srv.URL + "/slow", "method": "GET"})
	require.ErrorIs(t, err, context.Canceled)
}

func TestSendWebRequestBadInput(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"ftp://example.com/x", "/relative", "http://"} {
		_, err := run(t, "SendWebRequestBlock", map[string]any{"url": u})
		require.ErrorContains(t, err, "not an absolute http(s) URL", u)
	}
	err := Builtin().Validate(blockID(t, "SendWebRequestBlock"), map[string]any{"url": "http://x", "method": "FETCH"})
	require.ErrorContains(t, err, `"method"`)
}

// By default a user's request cannot reach the deployment's own network:
// loopback, private, link-local (cloud metadata), CGNAT and unspecified
// addresses are refused at dial time, whether named by IP or by a name
// that resolves to one; nothing reaches the server.
func TestSendWebRequestRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	hit := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit <- struct{}{} }))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, u := range []string{
		srv.URL + "/x",
		"http://localhost:" + port + "/x",
		"http://[::1]:" + port + "/x",
		"http://0.0.0.0:" + port + "/x",
		"http://169.254.169.254/latest/meta-data/",
		"http://10.0.0.1/", "http://192.168.1.1/", "http://172.16.0.1/", "http://100.64.0.1/",
	} {
		_, err := run(t, "SendWebRequestBlock", map[string]any{"url": u, "method": "GET", "timeout": 2})
		require.ErrorIs(t, err, ErrForbiddenAddress, u)
	}
	require.Empty(t, hit, "a refused request must not reach the server")
	// The same deployment with private networks allowed reaches it.
	mustRunLocal(t, map[string]any{"url": srv.URL + "/x", "method": "GET"})
	require.Len(t, hit, 1)
}

func TestPublicAddress(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"93.184.216.34": true, "2606:4700::1111": true, "8.8.8.8": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.31.255.255": false, "192.168.0.10": false,
		"169.254.169.254": false, "fe80::1": false, "fc00::1": false, "100.100.100.100": false,
		"0.0.0.0": false, "::": false, "224.0.0.1": false, "::ffff:127.0.0.1": false, "::ffff:8.8.8.8": true,
		"0.1.2.3": false, "198.18.0.1": false, "255.255.255.255": false, "240.0.0.1": false, "192.0.0.8": false,
		// IPv6 forms carrying an IPv4 address: as public as what they carry.
		"64:ff9b::7f00:1": false, "64:ff9b::a00:1": false, "64:ff9b::808:808": true,
		"2002:7f00:1::": false, "2002:a9fe:a9fe::1": false, "2002:808:808::1": true,
		"::7f00:1": false, "::808:808": true, "64:ff9b:1::808:808": false, "2001:0:4136:e378::1": false,
	} {
		require.Equal(t, want, publicAddress(netip.MustParseAddr(addr)), addr)
	}
}

// The block reports each request (retries included) and the body's bytes,
// and stops at what its reservation covers.
func TestSendWebRequestReportsUsage(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(503)
			return
		}
		_, _ = w.Write([]byte(strings.Repeat("x", 3000)))
	}))
	t.Cleanup(srv.Close)
	used := Usage{}
	rc := &RunContext{AllowPrivateNetwork: true, Use: func(k CostType, n int64) error {
		used[k] += n
		return nil
	}}
	in := map[string]any{"url": srv.URL, "method": "GET", "retries": 2}
	outs, err := runCtx(t, context.Background(), rc, "SendWebRequestBlock", in)
	require.NoError(t, err)
	require.Equal(t, strings.Repeat("x", 3000), pinValue(t, outs, "response"))
	require.Equal(t, Usage{CostRequest: 2, CostByte: 3000}, used, "the 503 and the retry; the kept body")
	require.Equal(t, Usage{CostRequest: 3, CostByte: defaultResponseKiB * 1024}, httpLimits(in))
	require.Equal(t, Usage{CostRequest: 1, CostByte: 2048}, httpLimits(map[string]any{"max_response_kib": 2}))

	// A body over max_response_kib fails the node.
	_, err = runCtx(t, context.Background(), rc, "SendWebRequestBlock", map[string]any{"url": srv.URL, "method": "GET", "max_response_kib": 1})
	require.ErrorContains(t, err, "exceeds 1 KiB (max_response_kib)")
	// A request the reservation does not cover is never sent.
	before := calls.Load()
	deny := &RunContext{AllowPrivateNetwork: true, Use: func(k CostType, n int64) error {
		return &ErrOverLimit{Kind: k, Limit: 0}
	}}
	_, err = runCtx(t, context.Background(), deny, "SendWebRequestBlock", map[string]any{"url": srv.URL, "method": "GET"})
	require.ErrorContains(t, err, "cover at most 0 requests")
	require.Equal(t, before, calls.Load())
}
