package livebench

import (
	"context"
	"fmt"
	"syscall"
	"time"
)

// MemoryResult is the idle phase: server memory per idle subscription.
type MemoryResult struct {
	Subscriptions int
	Before, After serverMetrics
	Failed        int // subscriptions that ended while idle
}

// HeapStackPerSub and RSSPerSub are the increase per subscription, in bytes.
func (m *MemoryResult) HeapStackPerSub() float64 {
	return perSub(m.Before.heapStack(), m.After.heapStack(), m.Subscriptions)
}

func (m *MemoryResult) RSSPerSub() float64 { return perSub(m.Before.RSS, m.After.RSS, m.Subscriptions) }

func (m *MemoryResult) GoroutinesPerSub() float64 {
	return perSub(m.Before.Goroutines, m.After.Goroutines, m.Subscriptions)
}

func perSub(before, after uint64, n int) float64 {
	return (float64(after) - float64(before)) / float64(n)
}

// runIdle opens n subscriptions that receive nothing and reads what they
// cost the server once every one of them has its SNAPSHOT.
func runIdle(ctx context.Context, cfg Config, srv *server, fx *fixture, n int) (*MemoryResult, error) {
	r := &MemoryResult{Subscriptions: n}
	var err error
	if r.Before, err = settledMemory(ctx, srv.base, srv.pid(), 10*time.Second); err != nil {
		return nil, err
	}
	cfg.Logger.Info("opening idle subscriptions", "subscriptions", n)
	subs, err := connectAll(ctx, srv.base, fx.apiKey, fx.execs, n, 0)
	if err != nil {
		return nil, err
	}
	defer closeAll(subs)
	cfg.Logger.Info("reading server memory")
	if r.After, err = settledMemory(ctx, srv.base, srv.pid(), 30*time.Second); err != nil {
		return nil, err
	}
	if cfg.ServerProfile != "" && srv.pprofAddr != "" {
		// What the subscriptions hold, by allocation site.
		if err := FetchHeapProfile(ctx, srv.pprofAddr, cfg.ServerProfile+".heap"); err != nil {
			return nil, fmt.Errorf("server heap profile: %w", err)
		}
	}
	for _, s := range subs {
		select {
		case <-s.done:
			r.Failed++
		default:
		}
	}
	return r, srv.alive()
}

// raiseNoFile lifts this process's open-file limit to at least need (up to
// the hard limit): one descriptor per client connection here, and one per
// server connection in the launched server, which inherits the limit.
// Setting it explicitly matters: Go raises the soft limit by itself at
// start-up but restores the original one in child processes.
func raiseNoFile(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Max < need {
		return fmt.Errorf("open-file hard limit %d is below the %d needed (raise it with ulimit -Hn)", lim.Max, need)
	}
	lim.Cur = lim.Max
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}
