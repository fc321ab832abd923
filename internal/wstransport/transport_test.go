package wstransport_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/wstransport"
)

func TestOriginCheck(t *testing.T) {
	t.Parallel()
	origin := func(o string) http.Header { return http.Header{"Origin": {o}} }

	// Default: same origin, or no Origin header (non-browser clients).
	url, _, _ := newServer(t, wstransport.Config{})
	self := "http://" + strings.TrimPrefix(url, "ws://")
	require.Equal(t, http.StatusSwitchingProtocols, dialStatus(t, url, nil))
	require.Equal(t, http.StatusSwitchingProtocols, dialStatus(t, url, origin(self)))
	require.Equal(t, http.StatusForbidden, dialStatus(t, url, origin("https://evil.example")))

	url, _, _ = newServer(t, wstransport.Config{AllowedOrigins: []string{"https://app.example", "admin.example"}})
	require.Equal(t, http.StatusSwitchingProtocols, dialStatus(t, url, origin("https://APP.example")))
	require.Equal(t, http.StatusSwitchingProtocols, dialStatus(t, url, origin("https://admin.example")))
	require.Equal(t, http.StatusForbidden, dialStatus(t, url, origin("http://app.example")))
	require.Equal(t, http.StatusForbidden, dialStatus(t, url, origin(self)))
	require.Equal(t, http.StatusForbidden, dialStatus(t, url, origin("null")))

	url, _, _ = newServer(t, wstransport.Config{AllowedOrigins: []string{"*"}})
	require.Equal(t, http.StatusSwitchingProtocols, dialStatus(t, url, origin("https://anything.example")))
}

func TestSupportsOnlyUpgrades(t *testing.T) {
	t.Parallel()
	tr := wstransport.New(wstransport.Config{})
	r := httptest.NewRequest(http.MethodGet, "/query", nil)
	require.False(t, tr.Supports(r))
	r.Header.Set("Upgrade", "WebSocket")
	require.True(t, tr.Supports(r))
	r = httptest.NewRequest(http.MethodPost, "/query", nil)
	r.Header.Set("Upgrade", "websocket")
	require.False(t, tr.Supports(r))
}

// Shutdown closes every open connection with 1001 Going Away (clients take
// it as "reconnect elsewhere") and refuses new ones.
func TestShutdownClosesConnectionsGoingAway(t *testing.T) {
	t.Parallel()
	tr, b, url := newTransportServer(t)

	idle := dialTWS(t, url)
	busy := dialTWS(t, url)
	busy.subscribe("subscribe", "s", "subscription { events }")
	b.waitJoined(t)

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, tr.Shutdown(ctx))
	idle.expectClose(1001, "server shutting down")
	busy.expectClose(1001, "server shutting down")

	_, resp, err := (&websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}}).Dial(url, nil)
	require.Error(t, err)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	_ = resp.Body.Close()
}

// Stats counts open connections and the operations running on them, and
// both go down as operations complete and connections close.
func TestStatsCountsConnectionsAndOperations(t *testing.T) {
	t.Parallel()
	tr, b, url := newTransportServer(t)

	idle := dialTWS(t, url)
	busy := dialTWS(t, url)
	busy.subscribe("subscribe", "a", "subscription { events }")
	busy.subscribe("subscribe", "b", "subscription { events }")
	b.waitJoined(t)
	b.waitJoined(t)
	conns, ops := tr.Stats()
	require.Equal(t, [2]int{2, 2}, [2]int{conns, ops})

	busy.send(`{"type":"complete","id":"a"}`)
	require.Eventually(t, func() bool { _, ops := tr.Stats(); return ops == 1 }, waitTimeout, 5*time.Millisecond)
	require.NoError(t, idle.ws.Close())
	require.Eventually(t, func() bool { c, _ := tr.Stats(); return c == 1 }, waitTimeout, 5*time.Millisecond)
	conns, ops = tr.Stats()
	require.Equal(t, [2]int{1, 1}, [2]int{conns, ops})
}

// newTransportServer serves the test schema over a default transport and
// returns the transport, its broker and its ws URL.
func newTransportServer(t *testing.T) (*wstransport.Transport, *broker, string) {
	t.Helper()
	b := newBroker()
	tr := wstransport.New(wstransport.Config{})
	h := handler.New(newSchema(b))
	h.AddTransport(tr)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return tr, b, "ws" + strings.TrimPrefix(srv.URL, "http")
}
