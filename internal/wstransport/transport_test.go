package wstransport_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
