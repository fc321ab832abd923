// Package refreshbench measures issue 13's refresh figure: node runs in
// several real processes need one OAuth2 credential due for refresh at the
// same moment; the provider (internal/integrations/oauthstub, a fixed
// round trip) must see exactly one refresh request, and the waiting nodes
// must not wait much longer than that round trip. `agentgraph-bench
// refresh` is its command line; it launches itself as the node processes
// (NodeCommand) on a fresh database that is dropped afterwards.
package refreshbench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
	"github.com/agentgraph/agentgraph/internal/db"
)

// Config is one run of the bench.
type Config struct {
	Binary      string // this binary: launched as the node processes
	DatabaseURL string // the server's; the bench creates its own database there
	Processes   int
	Nodes       int // node runs per round, spread over the processes
	Rounds      int // rounds with the credential due for refresh
	Baseline    int // rounds before, with no refresh due
	Resolves    int // resolves one at a time after them, no refresh due
	RoundTrip   time.Duration
	Logger      *slog.Logger
}

// Run measures: a warm-up round and Baseline rounds with the credential
// fresh (their resolves at once are the baseline), Resolves one at a time
// in one process, still fresh, then Rounds
// with it due for refresh, each checked for exactly one refresh at the
// provider and one new token handed to every node run.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	dbURL, pool, drop, err := livebench.FreshDatabase(ctx, cfg.DatabaseURL, "refresh", 4)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := drop(); err != nil {
			cfg.Logger.Warn("dropping the bench database", "err", err)
		}
	}()
	f, err := newFixture(ctx, db.New(pool), dbURL, cfg.RoundTrip)
	if err != nil {
		return nil, err
	}
	defer f.close()

	procs := make([]*nodeProcess, 0, cfg.Processes)
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	for i := range cfg.Processes {
		n := cfg.Nodes / cfg.Processes
		if i < cfg.Nodes%cfg.Processes {
			n++
		}
		p, err := launchNode(ctx, cfg.Binary, f, n)
		if err != nil {
			return nil, fmt.Errorf("node process %d: %w", i+1, err)
		}
		procs = append(procs, p)
	}

	res := &Result{Config: cfg, Load: livebench.LoadAverage()}
	for i := range 1 + cfg.Baseline { // the first warms the pools up: not counted
		r, err := baselineRound(ctx, f, procs, i)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			res.Baseline = append(res.Baseline, r.latencies...)
		}
	}
	if res.OneAtATime, err = resolvesOneAtATime(procs[0], cfg.Resolves); err != nil {
		return nil, err
	}
	previous := ""
	for i := range cfg.Rounds {
		r, refreshes, err := refreshRound(ctx, f, procs, i, previous)
		if err != nil {
			return res, fmt.Errorf("round %d: %w", i+1, err)
		}
		previous = r.token
		res.Refreshes = append(res.Refreshes, refreshes)
		res.Waits = append(res.Waits, r.latencies...)
		res.ProviderTook = append(res.ProviderTook, r.providerTook)
		for _, l := range r.latencies {
			res.WaitsOverTook = append(res.WaitsOverTook, l-r.providerTook)
		}
		res.Spreads = append(res.Spreads, r.lastEnd.Sub(r.firstEnd))
		// Let the machine settle between rounds: each round is one stampede.
		time.Sleep(50 * time.Millisecond)
	}
	res.LoadAfter = livebench.LoadAverage()
	return res, nil
}

// baselineRound: the credential fresh, no refresh may happen.
func baselineRound(ctx context.Context, f *fixture, procs []*nodeProcess, i int) (*merged, error) {
	if err := f.expireAt(ctx, time.Now().Add(time.Hour)); err != nil {
		return nil, err
	}
	before := f.stub.Refreshes.Load()
	r, err := runRound(procs, i)
	if err == nil {
		err = r.check("")
	}
	if err == nil && f.stub.Refreshes.Load() != before {
		err = errors.New("a fresh credential was refreshed")
	}
	if err != nil {
		return nil, fmt.Errorf("baseline round: %w", err)
	}
	return r, nil
}

// resolvesOneAtATime: the credential still fresh, n resolves in one process, one
// after another.
func resolvesOneAtATime(p *nodeProcess, n int) ([]time.Duration, error) {
	if err := p.startOneAtATime(n); err != nil {
		return nil, err
	}
	r, err := p.result()
	if err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(r.Errors, func(e string) bool { return e != "" }); i >= 0 {
		return nil, fmt.Errorf("resolving one at a time: %s", r.Errors[i])
	}
	return r.Latencies, nil
}

// refreshRound: the credential due; every node must get one new token the
// provider issued. It returns how many refresh requests the provider saw.
func refreshRound(ctx context.Context, f *fixture, procs []*nodeProcess, i int, previous string) (*merged, int64, error) {
	if err := f.expireAt(ctx, time.Now().Add(time.Minute)); err != nil {
		return nil, 0, err
	}
	before := f.stub.Refreshes.Load()
	r, err := runRound(procs, i)
	if err != nil {
		return nil, 0, err
	}
	refreshes := f.stub.Refreshes.Load() - before
	if err := r.check(previous); err != nil {
		return nil, refreshes, err
	}
	if !f.stub.ValidAccess(r.token) {
		return nil, refreshes, errors.New("the nodes got a token the provider did not issue")
	}
	return r, refreshes, nil
}

// merged is one round over all processes.
type merged struct {
	latencies []time.Duration
	tokens    []string
	token     string // the one token every node got
	errs      []string
	// When the first and the last process had all its node runs resolved:
	// in a refresh round the first is mostly the refresher's, done at its
	// commit, so the gap is about how long the others took to learn of it.
	firstEnd, lastEnd time.Time
	providerTook      time.Duration // the refresh's provider round trip(s)
}

// runRound starts a round in every process (one line each, written back
// to back, so they begin about together; round i starts process i first,
// so each gets its turn at winning the lock) and collects their answers.
func runRound(procs []*nodeProcess, i int) (*merged, error) {
	for k := range procs {
		if err := procs[(i+k)%len(procs)].start(); err != nil {
			return nil, err
		}
	}
	m := &merged{}
	for _, p := range procs {
		r, err := p.result()
		if err != nil {
			return nil, err
		}
		m.latencies = append(m.latencies, r.Latencies...)
		m.providerTook += r.ProviderTook
		end := r.Began.Add(slices.Max(r.Latencies))
		if m.firstEnd.IsZero() || end.Before(m.firstEnd) {
			m.firstEnd = end
		}
		if end.After(m.lastEnd) {
			m.lastEnd = end
		}
		m.tokens = append(m.tokens, r.Tokens...)
		for _, e := range r.Errors {
			if e != "" {
				m.errs = append(m.errs, e)
			}
		}
	}
	return m, nil
}

// check: no node failed and all got one token, different from previous
// when previous is set (a refresh round must hand out the new token).
func (m *merged) check(previous string) error {
	if len(m.errs) > 0 {
		return fmt.Errorf("%d node runs failed, first: %s", len(m.errs), m.errs[0])
	}
	m.token = m.tokens[0]
	if i := slices.IndexFunc(m.tokens, func(t string) bool { return t != m.token }); i >= 0 {
		return errors.New("node runs got different tokens (node " + strconv.Itoa(i) + ")")
	}
	if previous != "" && m.token == previous {
		return errors.New("the node runs got the old token")
	}
	return nil
}
