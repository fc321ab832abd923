package triggerbench

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"time"
)

// Issue 14's targets, printed next to the figures. Missing one is
// reported, never an error: a benchmark measures.
const (
	targetDeliveriesPerSec = 2000.0
	targetDeliveryP99      = 20 * time.Millisecond
	targetLatenessP99      = time.Second
	targetIdleCores        = 0.01
)

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func meets(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// Print writes the webhook bench's figures and checks.
func (r *WebhookResult) Print(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "agentgraph-bench webhooks — %d CPUs, %s, synchronous_commit=%s\n", runtime.NumCPU(), runtime.Version(), r.SynchronousCommit)
	fmt.Fprintf(w, "%d clients posting signed deliveries (unique %s) to one webhook for %s; server: serve --workers %d\n",
		c.Clients, "X-Agentgraph-Delivery", c.Duration, c.Workers)
	rate := float64(r.Accepted) / r.Elapsed.Seconds()
	fmt.Fprintf(w, "sent %d, accepted (202) %d in %s: %.0f deliveries/s\n", r.Sent, r.Accepted, r.Elapsed.Round(time.Millisecond), rate)
	if len(r.Refused) > 0 || r.Errors > 0 {
		codes := make([]int, 0, len(r.Refused))
		for code := range r.Refused {
			codes = append(codes, code)
		}
		sort.Ints(codes)
		for _, code := range codes {
			fmt.Fprintf(w, "  answered %d: %d\n", code, r.Refused[code])
		}
		if r.Errors > 0 {
			fmt.Fprintf(w, "  transport errors: %d (first: %s)\n", r.Errors, r.FirstError)
		}
	}
	l := r.Latency
	fmt.Fprintf(w, "latency of a 202: p50 %s, p90 %s, p99 %s, max %s (%d samples)\n", ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max), l.N)
	fmt.Fprintf(w, "CPU while posting (cores): server %.2f, bench clients %.2f, whole machine %.2f of %d\n",
		r.ServerCPU, r.BenchCPU, r.Cores, runtime.NumCPU())
	fmt.Fprintf(w, "in Postgres after the runs drained (%s): deliveries %d, runs %d, completed %d", r.DrainTime.Round(time.Millisecond),
		r.Deliveries, r.Runs, r.Completed)
	for st, n := range r.NotCompleted {
		fmt.Fprintf(w, ", %s %d", st, n)
	}
	fmt.Fprintf(w, "\n  delivery ids with more than one run %d, accepted without a run %d, runs no 202 announced %d\n",
		r.RunsPerDelivery, r.Unanswered, r.NotAccepted)
	fmt.Fprintf(w, "verdict: ≥ %.0f/s %s, p99 ≤ %s %s, every accepted delivery exactly one completed run %s\n",
		targetDeliveriesPerSec, meets(rate >= targetDeliveriesPerSec), ms(targetDeliveryP99), meets(l.P99 <= targetDeliveryP99), meets(r.OK()))
}

// Print writes the schedule bench's figures and checks.
func (r *ScheduleResult) Print(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "agentgraph-bench schedules — %d CPUs, %s, synchronous_commit=%s\n", runtime.NumCPU(), runtime.Version(), r.SynchronousCommit)
	fmt.Fprintf(w, "%d active schedules, cron %s, fired by 2 `agentgraph worker` processes (%d engine workers each) for %s\n",
		c.Schedules, r.Cron, c.Workers, r.End.Sub(r.Start))
	fmt.Fprintf(w, "occurrences due %d, fired %d (each exactly once by the unique key): missing %d, not of the cron %d, failed %d, extra runs %d\n",
		r.Expected, r.Fired, r.Missing, r.Unexpected, r.Failed, r.Duplicates)
	l := r.Lateness
	fmt.Fprintf(w, "lateness (run claimable: max(created_at, not_before) − occurrence): p50 %s, p90 %s, p99 %s, max %s (%d runs)\n", ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max), l.N)
	sl := r.StartLateness
	fmt.Fprintf(w, "  (shown, not judged) run started (claimed) − occurrence: p50 %s, p90 %s, p99 %s, max %s (%d runs)\n", ms(sl.P50), ms(sl.P90), ms(sl.P99), ms(sl.Max), sl.N)
	fmt.Fprintf(w, "runs completed %d of %d after a drain of %s\n", r.Completed, l.N, r.DrainTime.Round(time.Millisecond))
	fmt.Fprintf(w, "CPU during the window (cores): both workers %.2f (firing and running the runs), whole machine %.2f of %d\n",
		r.WorkersCPU, r.MachineCPU, runtime.NumCPU())
	idleOK := len(r.IdleCPU) > 0
	if len(r.IdleCPU) > 0 {
		fmt.Fprintf(w, "idle (every schedule yearly, none due) over %s, CPU of each scheduler process:", c.Idle)
		for _, v := range r.IdleCPU {
			fmt.Fprintf(w, " %.2f%%", v*100)
			idleOK = idleOK && v <= targetIdleCores
		}
		fmt.Fprintln(w, " of a core")
	}
	fmt.Fprintf(w, "verdict: exactly once %s, p99 lateness ≤ %s %s", meets(r.OK()), targetLatenessP99, meets(l.P99 <= targetLatenessP99))
	if len(r.IdleCPU) > 0 {
		fmt.Fprintf(w, ", idle ≤ 1%% of a core %s", meets(idleOK))
	}
	fmt.Fprintln(w)
}
