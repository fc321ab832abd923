package sysmetrics

import (
	"context"
	"time"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// MaxHistorySteps bounds the points one history request answers: a
// dashboard draws a few hundred, and a bound keeps one request's rows and
// response small whatever range it asks for.
const MaxHistorySteps = 2000

// defaultHistorySteps is how many steps a request without a step gets.
const defaultHistorySteps = 500

// Step is one step of the history: its samples' means and the health score
// of those means.
type Step struct {
	db.MetricsStep
	HealthScore float64
}

// History reads the stored samples of [from, to) averaged per step
// (seconds; nil: the range in 500 steps, rounded up to a whole second).
// A range that is empty or reversed, a step under a second, or more than
// MaxHistorySteps steps is bad input naming its argument.
func History(ctx context.Context, store *db.Store, from, to time.Time, step *int) ([]Step, error) {
	if !from.Before(to) {
		return nil, model.Invalid("from", "must be before to")
	}
	span := to.Sub(from) // saturates for ranges past 292 years: still bounded below
	var d time.Duration
	if step == nil {
		d = max(time.Second, time.Duration(ceilDiv(span, defaultHistorySteps*time.Second))*time.Second)
	} else {
		if *step < 1 {
			return nil, model.Invalid("step", "must be at least 1 (seconds)")
		}
		d = time.Duration(*step) * time.Second
	}
	if n := ceilDiv(span, d); n > MaxHistorySteps {
		return nil, model.Invalid("step", "%d steps of %ds over this range: at most %d are allowed, use a step of at least %ds",
			n, int64(d/time.Second), MaxHistorySteps, ceilDiv(span, MaxHistorySteps*time.Second))
	}
	rows, err := store.SystemMetricsHistory(ctx, from, to, d)
	if err != nil {
		return nil, err
	}
	out := make([]Step, len(rows))
	for i, r := range rows {
		out[i] = Step{MetricsStep: r, HealthScore: Metrics{CPUUsage: r.CPUUsage, MemoryUsage: r.MemoryUsage,
			DiskUsage: r.DiskUsage, ErrorRate: r.ErrorRate}.HealthScore()}
	}
	return out, nil
}

// ceilDiv is a/b rounded up, for positive durations (without the overflow
// of (a+b-1)/b near the largest duration).
func ceilDiv(a, b time.Duration) int64 {
	n := int64(a / b)
	if a%b != 0 {
		n++
	}
	return n
}
