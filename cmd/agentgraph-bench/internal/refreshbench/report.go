package refreshbench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// addedTarget is issue 13's bound on the waiting nodes' added latency
// beyond one provider round trip; resolveTarget its bound on a resolve
// with no refresh due (p50).
const (
	addedTarget   = 5 * time.Millisecond
	resolveTarget = 200 * time.Microsecond
)

// Result is what Run measured.
type Result struct {
	Config
	Refreshes []int64         // refresh requests at the provider, per round
	Waits     []time.Duration // every node run's resolve, rounds with a refresh due
	Spreads   []time.Duration // per refresh round: the last process done after the first
	// ProviderTook is each refresh round's provider round trip as the
	// refresher saw it; WaitsOverTook each node run's wait beyond it.
	ProviderTook  []time.Duration
	WaitsOverTook []time.Duration
	Baseline      []time.Duration // the same, no refresh due
	OneAtATime    []time.Duration // resolves one after another, no refresh due
	Load          string          // load average before and after
	LoadAfter     string
}

// OK: every round made exactly one refresh request.
func (r *Result) OK() bool {
	return len(r.Refreshes) == r.Rounds && !slices.ContainsFunc(r.Refreshes, func(n int64) bool { return n != 1 })
}

// tail is the percentiles printed of a latency.
var tail = []struct {
	name string
	p    float64
}{{"p50", 0.5}, {"p95", 0.95}, {"p99", 0.99}, {"max", 1}}

// Print writes the figures. The one the issue bounds is the latency the
// refresh adds for a waiting node beyond the provider's round trip as the
// refresher measured it (the stub's delay plus HTTP): each node run's wait
// beyond that round trip, less what the same node runs at once wait with no
// refresh due (the baseline), percentile by percentile — their own
// concurrent read of the row is not added by the refresh. The raw wait
// beyond the round trip is printed too, judged against the same bound.
func (r *Result) Print(w io.Writer) {
	fmt.Fprintf(w, "credential refresh: %d node runs in %d processes need one credential at once; provider round trip %s (the stub's)\n",
		r.Nodes, r.Processes, r.RoundTrip)
	fmt.Fprintf(w, "  refresh requests at the provider per round: %v (target 1: %s)\n", r.Refreshes, meets(r.OK()))
	fmt.Fprintf(w, "  provider round trip as the refresher measured it, %d rounds: p50 %s, max %s\n",
		len(r.ProviderTook), ms(percentile(r.ProviderTook, 0.5)), ms(percentile(r.ProviderTook, 1)))
	// What the refresh adds: the wait beyond the round trip less the part a
	// resolve of the same node runs at once costs without a refresh.
	var less, verdicts []string
	for _, t := range tail {
		d := percentile(r.WaitsOverTook, t.p) - percentile(r.Baseline, t.p)
		less = append(less, t.name+" "+ms(d))
		verdicts = append(verdicts, t.name+" "+meets(d <= addedTarget))
	}
	fmt.Fprintf(w, "  ADDED LATENCY, what the refresh adds beyond that round trip (wait less the no-refresh baseline, percentile by percentile), %d samples: %s (target ≤ %s: %s)\n",
		len(r.WaitsOverTook), strings.Join(less, ", "), ms(addedTarget), strings.Join(verdicts, ", "))
	fmt.Fprintf(w, "  each node run's whole wait beyond that round trip, its own concurrent read included: %s\n",
		bounded(r.WaitsOverTook, addedTarget, len(tail)))
	fmt.Fprintf(w, "  the same beyond the stub's fixed %s: %s\n", r.RoundTrip, spread(r.Waits, r.RoundTrip))
	fmt.Fprintf(w, "  baseline, no refresh due, the same node runs at once, %d samples: %s\n", len(r.Baseline), spread(r.Baseline, 0))
	fmt.Fprintf(w, "  resolve, no refresh due, one at a time, %d samples: %s\n", len(r.OneAtATime),
		bounded(r.OneAtATime, resolveTarget, 1))
	fmt.Fprintf(w, "  the last process done after the first (mostly the refresher's, done at its commit), %d rounds: p50 %s, max %s\n",
		len(r.Spreads), ms(percentile(r.Spreads, 0.5)), ms(percentile(r.Spreads, 1)))
	fmt.Fprintf(w, "  load average: %s before, %s after\n", r.Load, r.LoadAfter)
}

// spread is samples' p50, p95, p99 and max, less sub.
func spread(samples []time.Duration, sub time.Duration) string {
	parts := make([]string, len(tail))
	for i, t := range tail {
		parts[i] = t.name + " " + ms(percentile(samples, t.p)-sub)
	}
	return strings.Join(parts, ", ")
}

// bounded is spread, then whether the first judged of its percentiles
// meet target.
func bounded(samples []time.Duration, target time.Duration, judged int) string {
	verdicts := make([]string, judged)
	for i, t := range tail[:judged] {
		verdicts[i] = t.name + " " + meets(percentile(samples, t.p) <= target)
	}
	return fmt.Sprintf("%s (target ≤ %s: %s)", spread(samples, 0), ms(target), strings.Join(verdicts, ", "))
}

// percentile is the nearest-rank p-th of samples (not modified).
func percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(samples))
	i := int(p*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func meets(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}
