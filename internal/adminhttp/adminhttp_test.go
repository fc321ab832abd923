package adminhttp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/adminhttp"
)

func get(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// /readyz answers 503 with the reason while a dependency fails, and 200
// once it answers; /healthz only says the process is up; /metrics serves
// the registry.
func TestEndpoints(t *testing.T) {
	t.Parallel()
	var failing error = errors.New("postgres: connection refused")
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "agentgraph_test_total", Help: "A test counter."}))
	h := adminhttp.Handler(adminhttp.Options{Registry: reg, Ready: func(ctx context.Context) error {
		_, ok := ctx.Deadline()
		require.True(t, ok, "a readiness check is bounded")
		return failing
	}})

	rec := get(h, "/readyz")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Equal(t, "not ready: postgres: connection refused\n", rec.Body.String())
	require.Equal(t, http.StatusOK, get(h, "/healthz").Code, "up, if not ready")

	failing = nil
	rec = get(h, "/readyz")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "ready\n", rec.Body.String())

	rec = get(h, "/metrics")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "agentgraph_test_total 0")
}
