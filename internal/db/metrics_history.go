package db

import (
	"context"
	"time"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
)

// MetricsSample is one stored SystemMetrics sample: what was measured (the
// health score and alerts follow from it).
type MetricsSample struct {
	At                  time.Time
	CPUUsage            float64
	MemoryUsage         float64
	DiskUsage           float64
	ActiveExecutions    int
	QueueSize           int
	ErrorRate           float64
	OldestQueuedSeconds float64
}

// MetricsStep is the samples of one step of the history, averaged; the
// queue's peak and the oldest wait are maxima.
type MetricsStep struct {
	At                  time.Time // the step's start
	Samples             int
	CPUUsage            float64
	MemoryUsage         float64
	DiskUsage           float64
	ActiveExecutions    float64
	QueueSize           float64
	MaxQueueSize        int
	ErrorRate           float64
	OldestQueuedSeconds float64
}

// SystemMetricsSampleInsert stores a sample; one of an instant already
// stored is dropped.
func (s *Store) SystemMetricsSampleInsert(ctx context.Context, m MetricsSample) error {
	return s.q.SystemMetricsSampleInsert(ctx, s.db, dbsqlc.SystemMetricsSampleInsertParams{At: m.At, CpuUsage: m.CPUUsage,
		MemoryUsage: m.MemoryUsage, DiskUsage: m.DiskUsage, ActiveExecutions: int32(m.ActiveExecutions),
		QueueSize: int32(m.QueueSize), ErrorRate: m.ErrorRate, OldestQueuedSeconds: m.OldestQueuedSeconds})
}

// SystemMetricsSamplesDelete deletes the samples taken before before and
// says how many there were.
func (s *Store) SystemMetricsSamplesDelete(ctx context.Context, before time.Time) (int64, error) {
	return s.q.SystemMetricsSampleDeleteBefore(ctx, s.db, before)
}

// SystemMetricsHistory averages the samples of [from, to) per step counted
// from from, oldest first; steps without a sample are left out.
func (s *Store) SystemMetricsHistory(ctx context.Context, from, to time.Time, step time.Duration) ([]MetricsStep, error) {
	rows, err := s.q.SystemMetricsSampleSteps(ctx, s.db, dbsqlc.SystemMetricsSampleStepsParams{StepSeconds: step.Seconds(),
		FromAt: from, ToAt: to})
	if err != nil {
		return nil, err
	}
	out := make([]MetricsStep, len(rows))
	for i, r := range rows {
		out[i] = MetricsStep{At: r.StepAt, Samples: int(r.Samples), CPUUsage: r.CpuUsage, MemoryUsage: r.MemoryUsage,
			DiskUsage: r.DiskUsage, ActiveExecutions: r.ActiveExecutions, QueueSize: r.QueueSize, MaxQueueSize: int(r.MaxQueueSize),
			ErrorRate: r.ErrorRate, OldestQueuedSeconds: r.OldestQueuedSeconds}
	}
	return out, nil
}
