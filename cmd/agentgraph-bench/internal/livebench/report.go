package livebench

import (
	"fmt"
	"io"
	"runtime"
	"text/tabwriter"
	"time"
)

// Targets of issue 5, printed next to the figures. Missing one is reported,
// never an error: a benchmark measures.
const (
	targetP50     = 2 * time.Millisecond
	targetP99     = 20 * time.Millisecond
	targetPerSubB = 40 << 10
)

// Print writes the run as a readable table.
func (r *Result) Print(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "agentgraph-bench live — %d CPUs, GOMAXPROCS %d, %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	for _, l := range r.Latency {
		fmt.Fprintf(w, "\nLatency, commit → websocket frame: %d subscribers on %d runs, %d events/s for %s\n",
			l.Subscribers, l.Executions, l.Rate, l.Duration)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "\tp50\tp90\tp99\tmax\tsamples\t")
		row := func(name string, d Dist) {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t\n", name, ms(d.P50), ms(d.P90), ms(d.P99), ms(d.Max), d.N)
		}
		row("websocket (commit → frame)", l.Latency)
		if b := r.Baseline; b != nil {
			row("Redis hop alone (baseline)", *b)
			fmt.Fprintf(tw, "ratio websocket / Redis\t%s\t%s\t%s\t%s\t\t\n", ratio(l.Latency.P50, b.P50),
				ratio(l.Latency.P90, b.P90), ratio(l.Latency.P99, b.P99), ratio(l.Latency.Max, b.Max))
		}
		fmt.Fprintf(tw, "target\t≤ %s\t\t≤ %s\t\t\t\n", ms(targetP50), ms(targetP99))
		_ = tw.Flush()
		fmt.Fprintf(w, "events sent %d in %s (%.0f/s); deliveries owed %d, received %d\n",
			l.Sent, l.Elapsed.Round(time.Millisecond), float64(l.Sent)/l.Elapsed.Seconds(), l.Expected, l.Received)
		fmt.Fprintf(w, "lost %d (of which recovered by re-snapshot %d), duplicated %d, re-snapshots %d, failed subscriptions %d\n",
			l.Lost, l.Recovered, l.Duplicated, l.Resnapshots, l.Failed)
		fmt.Fprintf(w, "server hub: events dropped for slow subscribers %d, Redis reconnects %d\n", l.HubDropped, l.Reconnects)
		if l.FirstFailure != nil {
			fmt.Fprintf(w, "first failure: %v\n", l.FirstFailure)
		}
		fmt.Fprintf(w, "CPU while producing (cores): server %.2f, bench (producer + clients) %.2f, whole machine %.2f of %d\n",
			l.ServerCPU, l.BenchCPU, l.MachineCPU, runtime.NumCPU())
		fmt.Fprintf(w, "verdict: p50 %s, p99 %s, exactly-once %s\n", meets(l.Latency.P50 <= targetP50),
			meets(l.Latency.P99 <= targetP99), meets(l.OK()))
	}
	if m := r.Memory; m != nil {
		fmt.Fprintf(w, "\nMemory per idle subscription: %d websocket connections × 1 executionEvents subscription\n", m.Subscriptions)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "\tbefore\twith subscriptions\tper subscription\t")
		fmt.Fprintf(tw, "Go heap + stacks in use\t%s\t%s\t%s\t\n", mib(m.Before.heapStack()), mib(m.After.heapStack()), kib(m.HeapStackPerSub()))
		fmt.Fprintf(tw, "  of which stacks\t%s\t%s\t%s\t\n", mib(m.Before.StackInuse), mib(m.After.StackInuse),
			kib(perSub(m.Before.StackInuse, m.After.StackInuse, m.Subscriptions)))
		fmt.Fprintf(tw, "RSS\t%s\t%s\t%s\t\n", mib(m.Before.RSS), mib(m.After.RSS), kib(m.RSSPerSub()))
		fmt.Fprintf(tw, "goroutines\t%d\t%d\t%.1f\t\n", m.Before.Goroutines, m.After.Goroutines, m.GoroutinesPerSub())
		_ = tw.Flush()
		fmt.Fprintf(w, "target ≤ %s per subscription: heap+stack %s, RSS %s; subscriptions ended while idle: %d\n",
			kib(targetPerSubB), meets(m.HeapStackPerSub() <= targetPerSubB), meets(m.RSSPerSub() <= targetPerSubB), m.Failed)
	}
	if r.Database != "" {
		fmt.Fprintf(w, "\n(server: %s serve --workers 0 on database %s, dropped)\n", c.Binary, r.Database)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func ratio(a, b time.Duration) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f×", float64(a)/float64(b))
}

func mib(b uint64) string  { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
func kib(b float64) string { return fmt.Sprintf("%.1f KiB", b/1024) }

func meets(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
