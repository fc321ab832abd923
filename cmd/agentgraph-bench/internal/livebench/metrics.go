package livebench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// serverMetrics is one reading of the server's memory and hub counters.
type serverMetrics struct {
	HeapInuse, StackInuse uint64 // Go runtime, from /metrics
	RSS                   uint64 // resident set, from /proc/<pid>/status or /metrics
	Goroutines            uint64
	GCs                   uint64 // completed GC cycles
	HubDropped            uint64 // events the hub dropped for slow subscribers
	Reconnects            uint64 // Redis subscriptions re-established (each resyncs every subscriber)
}

func (m serverMetrics) heapStack() uint64 { return m.HeapInuse + m.StackInuse }

// scrape reads the server's Go runtime metrics; pid > 0 also reads VmRSS,
// the kernel's own figure, instead of the process collector's.
func scrape(ctx context.Context, base string, pid int) (serverMetrics, error) {
	var m serverMetrics
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return m, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return m, fmt.Errorf("scrape /metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return m, fmt.Errorf("scrape /metrics: %s", resp.Status)
	}
	want := map[string]*uint64{
		"go_memstats_heap_inuse_bytes":      &m.HeapInuse,
		"go_memstats_stack_inuse_bytes":     &m.StackInuse,
		"process_resident_memory_bytes":     &m.RSS,
		"go_goroutines":                     &m.Goroutines,
		"go_gc_duration_seconds_count":      &m.GCs,
		"agentgraph_events_dropped_total":   &m.HubDropped,
		"agentgraph_redis_reconnects_total": &m.Reconnects,
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if dst := want[name]; ok && dst != nil {
			f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				return m, fmt.Errorf("metric %s: %w", name, err)
			}
			*dst = uint64(f)
		}
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if pid > 0 {
		if rss, err := vmRSS(pid); err == nil {
			m.RSS = rss
		}
	}
	return m, nil
}

// vmRSS reads a process's resident set size from /proc.
func vmRSS(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// settledMemory approximates the server's live memory without being able
// to force a GC in it (it exposes no debug endpoint): heap in use is
// sampled across at least two completed GC cycles and the minimum kept,
// which is the reading closest to just after a collection. The wait is
// bounded; RSS is the last reading (it does not drop after a GC).
func settledMemory(ctx context.Context, base string, pid int, maxWait time.Duration) (serverMetrics, error) {
	first, err := scrape(ctx, base, pid)
	if err != nil {
		return first, err
	}
	best := first
	deadline := time.Now().Add(maxWait)
	for samples := 1; ; samples++ {
		select {
		case <-time.After(200 * time.Millisecond): // sampling interval, not synchronisation
		case <-ctx.Done():
			return best, ctx.Err()
		}
		m, err := scrape(ctx, base, pid)
		if err != nil {
			return best, err
		}
		if m.heapStack() < best.heapStack() {
			best.HeapInuse, best.StackInuse = m.HeapInuse, m.StackInuse
		}
		best.RSS, best.Goroutines, best.GCs = m.RSS, m.Goroutines, m.GCs
		if (m.GCs >= first.GCs+2 && samples >= 10) || time.Now().After(deadline) {
			return best, nil
		}
	}
}
