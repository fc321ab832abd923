package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// benchAICmd (`agentgraph-bench ai`) measures issue 12's figures on one
// launched `agentgraph serve` (engine workers in it), against an
// OpenAI-compatible provider stub in a process of its own (aistub.go) that
// holds each call's first token until the run's websocket subscriber
// listens, sends it, and finishes --stub-delay later. The server runs with
// its default MAX_NODES (128 plain blocks at once) and MAX_AI_NODES =
// --calls: the AI blocks' own lane, so the calls do not take the chain's
// slots (--max-nodes sets MAX_NODES, for a build without that lane):
//   - --calls AI runs (AgentInputBlock → AITextGeneratorBlock →
//     AgentOutputBlock, on the operator's key), started through
//     executeGraph, all in flight at the stub at once, must all complete;
//     meanwhile a --chain-nodes chain of plain blocks runs again and again
//     (executeGraph → its subscription's end), its p50 compared with idle:
//     over every run, and by phase — the subscribers connecting (32 at a
//     time, as fast as the machine lets them), every call in flight with
//     all subscribers listening (the "meanwhile": the figure's
//     target is read here), and the runs ending;
//   - memory per in-flight call: the server's heap + stacks with every call
//     held open at the stub, less before, per call — before any subscriber
//     connects, so only the calls count. Read two ways: settled (from its
//     /metrics, the lowest reading across GCs it ran by itself, so garbage
//     of the burst that opened the calls may still count) and live (after a
//     GC forced through its PPROF_ADDR, which the bench always sets);
//   - first token: the stub's flush of the first token → the
//     NODE_OUTPUT_DELTA websocket frame read by an executionEvents
//     subscriber (wall clocks of one machine); the first tokens come once
//     every subscriber listens, --release-rate a second (default 1,000: a
//     provider's first tokens spread in time — 2,000 calls of 2 s in
//     flight are 1,000 a second — with every call open throughout), or
//     with --release-rate 0 each as its own subscriber listens, while the
//     others still subscribe (the default before);
//   - block overhead: the node's run time as the engine stores it (from
//     just before Block.Run to after its live text is closed) less the
//     stub's time on the request (handler start → last byte flushed), i.e.
//     node start → request at the stub, plus the stub's last byte → node end;
//     read twice: --solo calls one at a time on the idle server, answered at
//     once (the block's own overhead), and the --calls calls at once.
func benchAICmd(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("ai", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	calls := fs.Int("calls", 2000, "AI runs in flight at once")
	delay := fs.Duration("stub-delay", 2*time.Second, "the stub's answer time after the first token")
	chainNodes := fs.Int("chain-nodes", 40, "nodes of the plain chain")
	idleRuns := fs.Int("idle-runs", 20, "chain runs on the idle server")
	soloRuns := fs.Int("solo", 30, "AI runs one at a time on the idle server, answered at once (the block's overhead without load)")
	server := fs.String("server", "", "the agentgraph binary to launch (default: agentgraph beside this binary, else built from this module)")
	pprofAddr := fs.String("pprof", "", "PPROF_ADDR for the launched server (default: a free loopback port; the bench forces GCs through it)")
	maxNodes := fs.Int("max-nodes", 0, "MAX_NODES for the launched server: plain blocks at once (0: its default, 128; an older build, whose AI blocks take these slots, needs --calls + 128)")
	serverEnv := fs.String("server-env", "", "more environment for the launched server, K=V,K=V (for example GOGC=200)")
	releaseRate := fs.Int("release-rate", 1000, "first tokens a second, let go once every run's subscriber listens (0: each as soon as its own subscriber listens, while the others still subscribe)")
	firstsPath := fs.String("firsts", "", "write each first token's times here, a line per call: its flush (µs after the first executeGraph), flush → delta event made, event made → frame read (µs), tab-separated")
	profDir := fs.String("profile-dir", "", "write the server's profiles here: heap (live, after a GC) and goroutines idle and with every call open, CPU while the calls complete")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (usage: ai [--calls N] [--stub-delay D] [--chain-nodes N] [--idle-runs N] [--server PATH] [--max-nodes N] [--release-rate N] [--server-env K=V,…] [--firsts FILE] [--pprof ADDR] [--profile-dir DIR])", err)
	}
	if *pprofAddr == "" {
		addr, err := livebench.FreeLoopbackAddr()
		if err != nil {
			return err
		}
		*pprofAddr = addr
	}
	profile := func(name, query, file string) {
		if *profDir == "" {
			return
		}
		if err := livebench.FetchProfile(ctx, *pprofAddr, name, query, filepath.Join(*profDir, file)); err != nil {
			logger.Warn("fetching a server profile failed", "profile", name, "err", err)
		}
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := connectFresh(ctx, "ai", quiet)
	if err != nil {
		return err
	}
	defer d.close()
	bin, cleanup, err := serverBinary(ctx, *server, logger)
	if err != nil {
		return err
	}
	defer cleanup()
	stub, err := launchAIStub(*delay)
	if err != nil {
		return err
	}
	defer stub.stop()

	u, err := d.store.UserCreate(ctx, db.NewUser{Email: fmt.Sprintf("bench-ai-%s@example.com", uuid.NewString()[:8])})
	if err != nil {
		return err
	}
	if _, err := d.store.CreditAdd(ctx, u.ID, 1_000_000_000, "BONUS", "AI bench"); err != nil {
		return err
	}
	secret, prefix, hash := auth.NewAPIKey()
	if _, err := d.store.APIKeyCreate(ctx, u.ID, "agentgraph bench-ai", prefix, hash); err != nil {
		return err
	}
	b := &bencher{d: d, user: u}
	chain, err := b.chain(ctx, *chainNodes)
	if err != nil {
		return err
	}
	aiGraph, err := b.aiGraph(ctx)
	if err != nil {
		return err
	}
	env := map[string]string{"DATABASE_URL": d.cfg.DatabaseURL, "OPENAI_BASE_URL": stub.base + "/v1", "OPENAI_API_KEY": "sk-bench",
		"MAX_AI_NODES": strconv.Itoa(*calls), "DB_MAX_CONNS": "32", "PPROF_ADDR": *pprofAddr}
	if *maxNodes > 0 {
		env["MAX_NODES"] = strconv.Itoa(*maxNodes)
	}
	for _, kv := range strings.Split(*serverEnv, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	srv, err := livebench.LaunchServe(ctx, bin, *calls+64, env, logger)
	if err != nil {
		return err
	}
	defer srv.Stop()
	api := newAIClient(srv.Base(), secret)

	// runChain runs the chain once and says how long it took, and how long
	// its executeGraph and its subscription's start (to the SNAPSHOT) took.
	runChain := func() (chainTimes, error) {
		t0 := time.Now()
		id, err := api.execute(ctx, chain.ID.String(), nil)
		if err != nil {
			return chainTimes{}, err
		}
		t1 := time.Now()
		w, err := api.follow(id)
		if err != nil {
			return chainTimes{}, err
		}
		t2 := time.Now()
		if st, err := w.wait(ctx); err != nil || st != string(model.StatusCompleted) {
			return chainTimes{}, fmt.Errorf("chain run %s ended %s (%v)", id, st, err)
		}
		return chainTimes{started: t0, total: time.Since(t0), execute: t1.Sub(t0), follow: t2.Sub(t1)}, nil
	}
	var idle []chainTimes
	for range *idleRuns {
		l, err := runChain()
		if err != nil {
			return err
		}
		idle = append(idle, l)
	}

	// memory reads the server's memory two ways (settled: as the GC left
	// it; live: after a GC it was made to run) and, with --profile-dir,
	// its heap and goroutines, in files named after tag.
	memory := func(tag string) (settled uint64, live livebench.LiveMemory, err error) {
		if settled, _, err = srv.SettledMemory(ctx, 10*time.Second); err != nil {
			return 0, live, err
		}
		if live, err = srv.LiveMemory(ctx, *pprofAddr); err != nil {
			return 0, live, err
		}
		profile("heap", "gc=1", tag+".heap.pb.gz")
		profile("goroutine", "", tag+".goroutine.pb.gz")
		return settled, live, nil
	}
	// cpuProfile takes, with --profile-dir, a CPU profile of the server
	// over the next secs seconds; the channel closes when it is written.
	cpuProfile := func(secs int, file string) <-chan struct{} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			profile("profile", fmt.Sprintf("seconds=%d", secs), file)
		}()
		return done
	}
	for i := range *soloRuns {
		id, err := api.execute(ctx, aiGraph.ID.String(), map[string]any{"q": fmt.Sprintf("%s%d", aiSoloPrefix, i)})
		if err != nil {
			return err
		}
		w, err := api.follow(id)
		if err != nil {
			return err
		}
		if st, err := w.wait(ctx); err != nil || st != string(model.StatusCompleted) {
			return fmt.Errorf("AI run %s ended %s (%v)", id, st, err)
		}
	}

	base, baseLive, err := memory("idle")
	if err != nil {
		return err
	}
	openCPU := cpuProfile(4, "open.cpu.pb.gz") // the starts: executeGraph to request sent
	start := time.Now()
	ids := make([]string, *calls)
	if err := parallel(*calls, 32, func(i int) (err error) {
		ids[i], err = api.execute(ctx, aiGraph.ID.String(), map[string]any{"q": fmt.Sprintf("bench-%d", i)})
		return err
	}); err != nil {
		return err
	}
	// Every call is held open at the stub: the memory they hold.
	if err := stub.waitInFlight(ctx, *calls, 2*time.Minute); err != nil {
		return err
	}
	allAtStub := time.Since(start)
	<-openCPU
	peak, peakLive, err := memory("open")
	if err != nil {
		return err
	}
	// The releases, the streaming and the ends.
	cpuDone := cpuProfile(int(*delay/time.Second)+8, "complete.cpu.pb.gz")
	cpu0, err := srv.CPU()
	if err != nil {
		return err
	}

	// Follow each run, then let its first token go; the chain runs meanwhile.
	// With --release-rate, every run's subscriber listens first and the
	// first tokens then come at that rate; else each as soon as its own
	// subscriber listens, while the others still subscribe.
	watches := make([]*runWatch, *calls)
	aiDone := make(chan error, 1)
	var released, listening time.Time
	go func() {
		err := parallel(*calls, 32, func(i int) error {
			w, err := api.follow(ids[i])
			if err != nil {
				return err
			}
			watches[i] = w
			if *releaseRate > 0 {
				return nil
			}
			return stub.releasePrompt(ctx, fmt.Sprintf("bench-%d", i))
		})
		listening = time.Now()
		if err == nil && *releaseRate > 0 {
			prompts := make([]string, *calls)
			for i := range prompts {
				prompts[i] = fmt.Sprintf("bench-%d", i)
			}
			released = time.Now()
			err = stub.releasePaced(ctx, prompts, *releaseRate)
		}
		if err != nil {
			aiDone <- err
			return
		}
		for i, w := range watches {
			if st, err := w.wait(ctx); err != nil || st != string(model.StatusCompleted) {
				aiDone <- fmt.Errorf("AI run %s ended %s (%v)", ids[i], st, err)
				return
			}
		}
		aiDone <- nil
	}()
	var loaded []chainTimes
	for waiting := true; waiting; {
		l, err := runChain()
		if err != nil {
			return err
		}
		loaded = append(loaded, l)
		select {
		case err := <-aiDone:
			if err != nil {
				return err
			}
			waiting = false
		default:
		}
	}
	wall := time.Since(start)
	cpu1, err := srv.CPU()
	if err != nil {
		return err
	}
	<-cpuDone

	st, err := stub.stats(ctx)
	if err != nil {
		return err
	}
	overhead, err := b.aiOverhead(ctx, aiGraph, st.Times)
	if err != nil {
		return err
	}
	var loadedTotal, loadedEnd, soloTotal, soloEnd []time.Duration
	for prompt, o := range overhead {
		if strings.HasPrefix(prompt, aiSoloPrefix) {
			soloTotal, soloEnd = append(soloTotal, o.total), append(soloEnd, o.end)
		} else {
			loadedTotal, loadedEnd = append(loadedTotal, o.total), append(loadedEnd, o.end)
		}
	}
	var firsts, firstsMade, firstsSent []time.Duration
	var firstsOut io.Writer
	if *firstsPath != "" {
		f, err := os.Create(*firstsPath)
		if err != nil {
			return err
		}
		defer f.Close()
		firstsOut = f
	}
	for _, w := range watches {
		if t, ok := st.Times[w.deltaText]; ok && !w.firstDelta.IsZero() {
			flushed := time.Unix(0, t.First)
			firsts = append(firsts, w.firstDelta.Sub(flushed))
			firstsMade, firstsSent = append(firstsMade, w.deltaAt.Sub(flushed)), append(firstsSent, w.firstDelta.Sub(w.deltaAt))
			if firstsOut != nil {
				fmt.Fprintf(firstsOut, "%d\t%d\t%d\n", flushed.Sub(start).Microseconds(), w.deltaAt.Sub(flushed).Microseconds(), w.firstDelta.Sub(w.deltaAt).Microseconds())
			}
		}
	}
	p := func(ds []time.Duration, q float64) time.Duration {
		if len(ds) == 0 {
			return 0
		}
		slices.Sort(ds)
		return ds[min(len(ds)-1, int(float64(len(ds))*q))]
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("agentgraph-bench ai — %d AI runs on one launched serve against a stub process (first token held until the run's subscriber listens, then the rest %s later); load average %s\n",
		*calls, *delay, strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	fmt.Printf("all %d calls open at the stub at once %s after the first executeGraph; all %d runs completed in %s; at most %d calls open at once\n",
		*calls, allAtStub.Round(time.Millisecond), *calls, wall.Round(time.Millisecond), st.Peak)
	fmt.Printf("server CPU from the first release to the last run's end: %.2f ms per AI run (its first token, the rest, its end, its subscription; the chain's runs included)\n",
		float64(cpu1-cpu0)/float64(time.Millisecond)/float64(*calls))
	total := func(c chainTimes) time.Duration { return c.total }
	execute := func(c chainTimes) time.Duration { return c.execute }
	follow := func(c chainTimes) time.Duration { return c.follow }
	// p50 is the median of one part of runs' times, as printed.
	p50 := func(runs []chainTimes, of func(chainTimes) time.Duration) time.Duration {
		return p(times(runs, of), 0.5).Round(100 * time.Microsecond)
	}
	idleP50, loadedP50 := p(times(idle, total), 0.5), p(times(loaded, total), 0.5)
	idleExecute, idleFollow := p50(idle, execute), p50(idle, follow)
	fmt.Printf("%d-node plain chain p50 (executeGraph → its subscription's end): idle %s (%d runs), over every loaded run %s (%d runs): ×%.2f\n",
		*chainNodes, idleP50.Round(100*time.Microsecond), len(idle), loadedP50.Round(100*time.Microsecond), len(loaded),
		float64(loadedP50)/float64(max(idleP50, 1)))
	fmt.Printf("  of which executeGraph p50 idle %s, loaded %s; its subscription's start (dial → SNAPSHOT) p50 idle %s, loaded %s\n",
		idleExecute, p50(loaded, execute), idleFollow, p50(loaded, follow))
	// The loaded chain runs by what the server was doing when each started.
	// A run is counted in the phase it started in.
	firstEnd := time.Time{}
	for _, w := range watches {
		if firstEnd.IsZero() || w.ended.Before(firstEnd) {
			firstEnd = w.ended
		}
	}
	var phases [3][]chainTimes
	for _, r := range loaded {
		switch at := r.started; {
		case at.Before(listening):
			phases[0] = append(phases[0], r)
		case at.Before(firstEnd):
			phases[1] = append(phases[1], r)
		default:
			phases[2] = append(phases[2], r)
		}
	}
	phase := func(i int) string {
		if len(phases[i]) == 0 {
			return "no run"
		}
		m := p(times(phases[i], total), 0.5)
		return fmt.Sprintf("%s ×%.2f (%d runs)", m.Round(100*time.Microsecond), float64(m)/float64(max(idleP50, 1)), len(phases[i]))
	}
	connecting := "the subscribers connecting (32 at a time) and the first tokens released as each listens"
	if *releaseRate > 0 {
		connecting = "the subscribers connecting (32 at a time), no token yet"
	}
	fmt.Printf("  by phase, p50: %s %s; all %d subscribers listening, every call in flight, until the first run ended %s (target ≤ 1.5); the runs ending (%s after the first executeGraph on) %s\n",
		connecting, phase(0), *calls, phase(1), firstEnd.Sub(start).Round(time.Millisecond), phase(2))
	// Where an in-flight figure far from its idle one goes: the submit,
	// the subscription's start, or the run itself (to its last frame).
	if fl := phases[1]; len(fl) > 0 {
		rest := func(c chainTimes) time.Duration { return c.total - c.execute - c.follow }
		fmt.Printf("  of which, while every call is in flight: executeGraph p50 %s (idle %s), subscription's start %s (idle %s), SNAPSHOT → end %s (idle %s)\n",
			p50(fl, execute), idleExecute, p50(fl, follow), idleFollow, p50(fl, rest), p50(idle, rest))
	}
	per := func(after, before uint64) float64 { return (float64(after) - float64(before)) / float64(*calls) }
	fmt.Printf("memory per in-flight call (server heap + stacks, %d calls held open, no subscribers yet): settled %.1f KiB, live after a forced GC %.1f KiB (heap %.1f, stacks %.1f; %.2f goroutines a call) (target ≤ 64)\n",
		*calls, per(peak, base)/1024, per(peakLive.Heap+peakLive.Stacks, baseLive.Heap+baseLive.Stacks)/1024,
		per(peakLive.Heap, baseLive.Heap)/1024, per(peakLive.Stacks, baseLive.Stacks)/1024, per(peakLive.Goroutines, baseLive.Goroutines))
	how := "each as soon as its run's subscriber listened, the other subscribers still connecting"
	if *releaseRate > 0 {
		how = fmt.Sprintf("%d a second, let go %s after the first executeGraph, once all %d subscribers listened", *releaseRate, released.Sub(start).Round(time.Millisecond), *calls)
	}
	fmt.Printf("first token (%s): stub flush → NODE_OUTPUT_DELTA websocket frame at a subscriber, %d calls: p50 %s, p99 %s, max %s (target p99 ≤ 20 ms)\n",
		how, len(firsts), p(firsts, 0.5).Round(10*time.Microsecond), p(firsts, 0.99).Round(10*time.Microsecond), p(firsts, 1).Round(10*time.Microsecond))
	fmt.Printf("  of which stub flush → the delta event made (its at: read, decoded, handed to the engine) p50 %s, p99 %s; event made → frame read (Redis, hub, websocket) p50 %s, p99 %s\n",
		p(firstsMade, 0.5).Round(10*time.Microsecond), p(firstsMade, 0.99).Round(10*time.Microsecond),
		p(firstsSent, 0.5).Round(10*time.Microsecond), p(firstsSent, 0.99).Round(10*time.Microsecond))
	for _, o := range []struct {
		what       string
		total, end []time.Duration
	}{{"one call at a time on the idle server", soloTotal, soloEnd}, {fmt.Sprintf("the %d calls at once", *calls), loadedTotal, loadedEnd}} {
		fmt.Printf("AI block overhead, %s (block run as stored − stub's time on the request), %d nodes: p50 %s, p99 %s (target p50 ≤ 1 ms)\n",
			o.what, len(o.total), p(o.total, 0.5).Round(10*time.Microsecond), p(o.total, 0.99).Round(10*time.Microsecond))
		fmt.Printf("  of which stub's last byte → node ended_at (as stored): p50 %s, p99 %s\n",
			p(o.end, 0.5).Round(10*time.Microsecond), p(o.end, 0.99).Round(10*time.Microsecond))
	}
	return nil
}

// chainTimes is one chain run: executeGraph → its subscription's end, and
// of that its executeGraph and its subscription's start.
type chainTimes struct {
	started                time.Time
	total, execute, follow time.Duration
}

// times is one of the times of each run, in a slice of its own (p sorts it).
func times(runs []chainTimes, of func(chainTimes) time.Duration) []time.Duration {
	ds := make([]time.Duration, len(runs))
	for i, r := range runs {
		ds[i] = of(r)
	}
	return ds
}

// parallel runs f(0..n-1) on at most width goroutines; the first error wins.
func parallel(n, width int, f func(i int) error) error {
	next := make(chan int)
	errs := make(chan error, width)
	for range width {
		go func() {
			var first error
			for i := range next {
				if err := f(i); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	var err error
	for range width {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	return err
}

// aiGraph: AgentInputBlock q → AITextGeneratorBlock (gpt-4o-mini) → AgentOutputBlock a.
func (b *bencher) aiGraph(ctx context.Context) (*model.FullGraph, error) {
	id := func(name string) string {
		blk, _ := b.d.reg.ByName(name)
		return blk.Info().ID
	}
	spec := &model.GraphSpec{Name: "bench-ai-" + uuid.NewString()[:8],
		Nodes: []model.NodeSpec{
			{Key: "in", BlockID: id("AgentInputBlock"), InputDefault: map[string]any{"name": "q"}},
			{Key: "ai", BlockID: id("AITextGeneratorBlock"), InputDefault: map[string]any{"model": "gpt-4o-mini", "max_tokens": 16, "retry": 1}},
			{Key: "out", BlockID: id("AgentOutputBlock"), InputDefault: map[string]any{"name": "a"}}},
		Links: []model.LinkSpec{
			{SourceKey: "in", SourceName: "result", SinkKey: "ai", SinkName: "prompt"},
			{SourceKey: "ai", SourceName: "response", SinkKey: "out", SinkName: "value"}}}
	return b.save(ctx, spec)
}

// aiCallOverhead is one AI node's overhead: its run time (its block's, as
// stored) less the stub's time on its request, and of that the part after
// the stub's last byte (to the node's ended_at).
type aiCallOverhead struct{ total, end time.Duration }

// aiOverhead is each AI node's overhead, by prompt.
func (b *bencher) aiOverhead(ctx context.Context, fg *model.FullGraph, times map[string]*aiStubTimes) (map[string]aiCallOverhead, error) {
	var aiNode uuid.UUID
	for _, n := range fg.Nodes {
		if n.Key == "ai" {
			aiNode = n.ID
		}
	}
	rows, err := b.d.pool.Query(ctx, `SELECT inputs->>'prompt', (stats->>'execution_time')::float8, ended_at FROM node_executions
		WHERE node_id = $1 AND status = 'COMPLETED'`, aiNode)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]aiCallOverhead{}
	for rows.Next() {
		var prompt string
		var secs float64
		var ended time.Time
		if err := rows.Scan(&prompt, &secs, &ended); err != nil {
			return nil, err
		}
		if t, ok := times[prompt]; ok {
			out[prompt] = aiCallOverhead{total: time.Duration(secs*float64(time.Second)) - time.Duration(t.Last-t.Arrived),
				end: ended.Sub(time.Unix(0, t.Last))}
		}
	}
	return out, rows.Err()
}
