package livebench

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// LatencyResult is the latency phase: commit → websocket frame, and the
// exactly-once check of every subscription.
type LatencyResult struct {
	Subscribers, Executions, Rate int
	Duration                      time.Duration
	Elapsed                       time.Duration // the producer's actual run time

	Sent     int64 // events committed and published
	Expected int64 // deliveries owed: each event once to each subscriber of its run
	Received int64 // delivered exactly once and in order
	// Lost are owed deliveries that never arrived as an event. Recovered of
	// them were covered by a re-sent SNAPSHOT (the server's designed
	// recovery after a drop); the others were not seen at all.
	Lost, Recovered int64
	Duplicated      int64
	Resnapshots     int64
	Failed          int // subscriptions that ended early (protocol error, closed socket)
	FirstFailure    error

	Latency Dist
	// CPU seconds used per wall second while producing: by the server, by
	// this process (producer and clients), and by the whole machine
	// (Postgres, Redis and whatever else runs there included).
	ServerCPU, BenchCPU, MachineCPU float64
	HubDropped, Reconnects          uint64 // the server hub's counters
}

// OK reports whether every subscription got every event exactly once.
func (r *LatencyResult) OK() bool { return r.Lost == 0 && r.Duplicated == 0 && r.Failed == 0 }

// catchUpTimeout bounds the wait for deliveries still in flight when the
// producer stops; whatever has not arrived by then is lost.
const catchUpTimeout = 30 * time.Second

func runLatency(ctx context.Context, cfg Config, srv *server, fx *fixture, p *producer) (*LatencyResult, error) {
	r := &LatencyResult{Subscribers: cfg.Subscribers, Executions: len(fx.execs), Rate: cfg.Rate, Duration: cfg.Duration}
	perRun := int(cfg.Duration.Seconds()*float64(cfg.Rate))/len(fx.execs) + 1
	cfg.Logger.Info("opening subscriptions", "subscribers", cfg.Subscribers, "runs", len(fx.execs))
	subs, err := connectAll(ctx, srv.base, fx.apiKey, fx.execs, cfg.Subscribers, perRun)
	if err != nil {
		return nil, err
	}
	defer closeAll(subs)

	cfg.Logger.Info("producing", "rate", cfg.Rate, "duration", cfg.Duration)
	profiled := profileServer(ctx, cfg, srv, len(fx.execs))
	cpu0, bench0, all0 := srv.cpu(), selfCPU(), machineCPU()
	start := time.Now()
	r.Sent, err = p.run(ctx, cfg.Duration)
	r.Elapsed = time.Since(start)
	if err != nil {
		return nil, err
	}
	if err := <-profiled; err != nil {
		return nil, fmt.Errorf("server CPU profile: %w", err)
	}
	r.ServerCPU = (srv.cpu() - cpu0).Seconds() / r.Elapsed.Seconds()
	r.BenchCPU = (selfCPU() - bench0).Seconds() / r.Elapsed.Seconds()
	r.MachineCPU = (machineCPU() - all0).Seconds() / r.Elapsed.Seconds()

	// Every subscriber must reach its run's last committed seq.
	final := p.lastSeqs()
	for _, s := range subs {
		s.expect(max(final[s.exec], s.snapshotSeq))
	}
	deadline := time.NewTimer(catchUpTimeout)
	defer deadline.Stop()
wait:
	for _, s := range subs {
		select {
		case <-s.reached:
		case <-s.done: // ended early: counted as failed below
		case <-deadline.C:
			break wait
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := srv.alive(); err != nil {
		return nil, err
	}
	if m, err := scrape(ctx, srv.base, 0); err == nil {
		r.HubDropped, r.Reconnects = m.HubDropped, m.Reconnects
	}
	closeAll(subs)

	var samples []time.Duration
	for _, s := range subs {
		owed := s.target.Load() - s.snapshotSeq
		r.Expected += owed
		r.Received += s.got
		r.Duplicated += s.dup
		r.Resnapshots += s.resnapshots
		if lost := owed - s.got; lost > 0 {
			r.Lost += lost
			r.Recovered += min(lost, s.covered)
		}
		if s.failure != nil {
			r.Failed++
			if r.FirstFailure == nil {
				r.FirstFailure = s.failure
			}
		}
		samples = append(samples, s.latency...)
	}
	r.Latency = distOf(samples)
	if r.Sent == 0 {
		return r, errors.New("the producer sent nothing")
	}
	if r.Expected == 0 {
		return r, fmt.Errorf("no deliveries owed for %d events", r.Sent)
	}
	return r, nil
}

// profileServer takes the server's CPU profile over the producing window
// (Config.ServerProfile); the channel yields its error once it is written,
// at once when there is nothing to profile.
func profileServer(ctx context.Context, cfg Config, srv *server, runs int) <-chan error {
	done := make(chan error, 1)
	if cfg.ServerProfile == "" || srv.pprofAddr == "" {
		done <- nil
		return done
	}
	path := fmt.Sprintf("%s.%d", cfg.ServerProfile, max(1, cfg.Subscribers/runs))
	cfg.Logger.Info("profiling the server", "file", path)
	go func() { done <- FetchCPUProfile(ctx, srv.pprofAddr, int(cfg.Duration/time.Second), path) }()
	return done
}
