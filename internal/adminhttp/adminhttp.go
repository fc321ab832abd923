// Package adminhttp holds the endpoints operators and orchestrators call on
// every process: /healthz (the process is up), /readyz (its dependencies
// answer) and /metrics (Prometheus). serve mounts them on its API listener;
// any process, worker included, also serves them alone on ADMIN_ADDR.
package adminhttp

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// readyTimeout bounds one readiness check: an orchestrator's probe must get
// an answer, not a hung connection, when Postgres or Redis stall.
const readyTimeout = 2 * time.Second

// Options say what the endpoints report.
type Options struct {
	// Ready returns nil when the process can do its work (nil: always ready).
	Ready func(ctx context.Context) error
	// Registry is what /metrics serves (nil: no /metrics).
	Registry *prometheus.Registry
}

// Mount adds /healthz, /readyz and /metrics to mux.
func Mount(mux *http.ServeMux, o Options) {
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if o.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
			defer cancel()
			if err := o.Ready(ctx); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	if o.Registry != nil {
		mux.Handle("/metrics", promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{}))
	}
}

// Handler is the three endpoints alone, for ADMIN_ADDR.
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	Mount(mux, o)
	return mux
}
