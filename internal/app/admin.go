package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/agentgraph/agentgraph/internal/adminhttp"
)

// serveAdmin serves /metrics, /healthz and /readyz on ADMIN_ADDR, when
// set, on a listener of their own: a worker has no other, and on serve it
// keeps scrapes and probes off the public address. It returns once the
// address is bound, so a bad one fails the start.
func (a *App) serveAdmin() error {
	if a.Config.AdminAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", a.Config.AdminAddr)
	if err != nil {
		return fmt.Errorf("listen on ADMIN_ADDR %s: %w", a.Config.AdminAddr, err)
	}
	a.admin = &http.Server{Handler: adminhttp.Handler(adminhttp.Options{Ready: a.Ready, Registry: a.Registry}),
		ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := a.admin.Serve(ln); err != http.ErrServerClosed {
			a.log.Error("admin endpoints stopped", "err", err)
		}
	}()
	a.log.Info("admin endpoints", "addr", ln.Addr().String(), "paths", "/metrics /healthz /readyz")
	return nil
}

func (a *App) stopAdmin() {
	if a.admin == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = a.admin.Shutdown(ctx)
	a.admin = nil
}

// servePprof serves net/http/pprof on PPROF_ADDR (e.g. 127.0.0.1:6060),
// when set: never on a public listener.
func (a *App) servePprof() {
	if a.Config.PprofAddr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() { a.log.Warn("pprof", "err", http.ListenAndServe(a.Config.PprofAddr, mux)) }()
}
