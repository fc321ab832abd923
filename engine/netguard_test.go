package engine

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// A user's HTTP request cannot reach the deployment's own network unless
// the engine is configured to allow it: the node fails naming the refused
// address and the server is never hit.
func TestHTTPBlockPrivateNetworkPolicy(t *testing.T) {
	t.Parallel()
	hits := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits <- struct{}{}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	nodes := []nspec{{Key: "get", Block: "SendWebRequestBlock", Defaults: map[string]any{"url": srv.URL, "method": "GET", "max_response_kib": 16}},
		{Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "y"}}}
	links := []lspec{{Source: "get", SourceName: "response", Sink: "out", SinkName: "value"}}

	for _, allow := range []bool{false, true} {
		e := newEnv(t, Options{AllowPrivateNetwork: allow})
		u := e.user(100)
		fg := e.graph(u, nodes, links)
		w := e.watch(fg.ID)
		got := w.until(e.submit(u, fg, nil).ID, nil)
		if !allow {
			require.Equal(t, model.StatusFailed, got.Status)
			require.Contains(t, *got.ErrorMessage, `"get"`)
			require.Contains(t, *got.ErrorMessage, "address not allowed")
			require.Empty(t, hits)
			continue
		}
		require.Equal(t, model.StatusCompleted, got.Status)
		require.JSONEq(t, `{"y":[{"ok":true}]}`, string(got.Outputs))
		require.Len(t, hits, 1)
	}
}
