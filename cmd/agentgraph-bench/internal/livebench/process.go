package livebench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/internal/pg"
)

// Process is an agentgraph child process another bench (the triggers'
// benches) launches the way this package launches its server.
type Process struct{ s *server }

// workerLine is the log line `agentgraph worker` prints once its engine
// and scheduler run.
var workerLine = regexp.MustCompile(`msg="worker running"`)

// LaunchServe starts `bin serve` with workers engine workers and env
// added to ours (rate limiting off unless env sets RATE_LIMIT_RPS), and
// returns once it serves.
func LaunchServe(ctx context.Context, bin string, workers int, env map[string]string, logger *slog.Logger) (*Process, error) {
	all := map[string]string{"WORKERS": strconv.Itoa(workers), "RATE_LIMIT_RPS": "0"}
	for k, v := range env {
		all[k] = v
	}
	s, err := launch(ctx, bin, []string{"serve", "--workers", all["WORKERS"]}, all, servingLine, logger)
	if err != nil {
		return nil, err
	}
	return &Process{s}, nil
}

// LaunchWorker starts `bin worker` with env added to ours and returns once
// its engine and scheduler run.
func LaunchWorker(ctx context.Context, bin string, env map[string]string, logger *slog.Logger) (*Process, error) {
	s, err := launch(ctx, bin, []string{"worker"}, env, workerLine, logger)
	if err != nil {
		return nil, err
	}
	return &Process{s}, nil
}

// Base is a served process's base URL (http://127.0.0.1:port).
func (p *Process) Base() string { return p.s.base }

// Pid is the process id.
func (p *Process) Pid() int { return p.s.pid() }

// CPU is the CPU time (user + system, /proc/<pid>/stat) it has used so far.
func (p *Process) CPU() (time.Duration, error) { return processCPU(p.s.pid()) }

// Syscalls is how many read- and write-family system calls it has made so
// far (/proc/<pid>/io): on sockets, what a burst of frames costs the kernel.
func (p *Process) Syscalls() (reads, writes int64, err error) { return processSyscalls(p.s.pid()) }

// Alive reports an unexpected exit as an error carrying its log's tail.
func (p *Process) Alive() error { return p.s.alive() }

// Stop asks for a graceful shutdown and kills the process if it lingers.
func (p *Process) Stop() { p.s.stop() }

// FreshDatabase creates and migrates a database named after the bench on
// the server of baseURL. drop removes it (WITH FORCE), closing pool first.
func FreshDatabase(ctx context.Context, baseURL, bench string, conns int32) (url string, pool *pgxpool.Pool, drop func() error, err error) {
	name := "agentgraph_bench_" + bench + "_" + randomHex(6)
	dropDB := func() error {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := pg.DropDatabase(dctx, baseURL, name); err != nil {
			return fmt.Errorf("drop %s: %w", name, err)
		}
		return nil
	}
	if pool, url, err = pg.NewDatabase(ctx, baseURL, name, conns); err != nil {
		return "", nil, nil, errors.Join(err, dropDB())
	}
	return url, pool, func() error { pool.Close(); return dropDB() }, nil
}

// ProcessCPU is the CPU time (user + system) process pid has used so far.
func ProcessCPU(pid int) (time.Duration, error) { return processCPU(pid) }

// RandomHex is n random bytes in hex, for unique names.
func RandomHex(n int) string { return randomHex(n) }

// Percentiles summarises latency samples (nearest rank); it sorts them.
func Percentiles(samples []time.Duration) Dist { return distOf(samples) }

// SelfCPU is this process's CPU time so far.
func SelfCPU() time.Duration { return selfCPU() }

// MachineCPU is the busy CPU time of the whole machine so far, summed over
// cores (the machine may be shared: it says how much was left).
func MachineCPU() time.Duration { return machineCPU() }

// SettledMemory is the process's heap and stacks in use (the minimum
// sampled across GC cycles, as the idle phase reads them) and its RSS.
func (p *Process) SettledMemory(ctx context.Context, maxWait time.Duration) (heapStack, rss uint64, err error) {
	m, err := settledMemory(ctx, p.s.base, p.s.pid(), maxWait)
	return m.heapStack(), m.RSS, err
}

// LiveMemory is the process's heap and stacks in use just after a
// collection it was made to run: GET /debug/pprof/heap?gc=1 on its
// PPROF_ADDR (pprofAddr) runs runtime.GC first. Unlike SettledMemory, no
// garbage is counted when the process allocates too little for the GC to
// run by itself (a server holding idle calls: the heap then still holds
// the garbage of the burst that opened them).
func (p *Process) LiveMemory(ctx context.Context, pprofAddr string) (LiveMemory, error) {
	if err := fetchTo(ctx, "http://"+pprofAddr+"/debug/pprof/heap?gc=1", os.DevNull); err != nil {
		return LiveMemory{}, fmt.Errorf("forcing a GC: %w", err)
	}
	m, err := scrape(ctx, p.s.base, p.s.pid())
	return LiveMemory{Heap: m.HeapInuse, Stacks: m.StackInuse, Goroutines: m.Goroutines}, err
}

// LiveMemory is one reading of Process.LiveMemory: bytes in use by the
// heap and by goroutine stacks, and the goroutines.
type LiveMemory struct{ Heap, Stacks, Goroutines uint64 }
