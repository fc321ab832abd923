package resolvers

import (
	"context"
	"time"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/sysmetrics"
)

// MetricsSource samples SystemMetrics.
type MetricsSource interface {
	Sample(ctx context.Context) (sysmetrics.Metrics, error)
}

// SystemMetrics shows platform-wide load (to staff: authz.Root).
func (r *queryResolver) SystemMetrics(ctx context.Context) (*gql.SystemMetrics, error) {
	m, err := r.Metrics.Sample(ctx)
	if err != nil {
		return nil, err
	}
	return &gql.SystemMetrics{Timestamp: m.Timestamp, CPUUsage: m.CPUUsage, MemoryUsage: m.MemoryUsage,
		DiskUsage: m.DiskUsage, ActiveExecutions: m.ActiveExecutions, QueueSize: m.QueueSize, ErrorRate: m.ErrorRate,
		HealthScore: m.HealthScore(), IsHealthy: m.IsHealthy(), Alerts: m.Alerts()}, nil
}

// SystemMetricsHistory reads the stored samples in steps (to staff:
// authz.Root); sysmetrics.History checks the range and the step.
func (r *queryResolver) SystemMetricsHistory(ctx context.Context, from time.Time, to time.Time, step *int) ([]*gql.SystemMetricsSample, error) {
	steps, err := sysmetrics.History(ctx, r.Store, from, to, step)
	if err != nil {
		return nil, err
	}
	out := make([]*gql.SystemMetricsSample, len(steps))
	for i, s := range steps {
		out[i] = &gql.SystemMetricsSample{Timestamp: s.At, Samples: s.Samples, CPUUsage: s.CPUUsage, MemoryUsage: s.MemoryUsage,
			DiskUsage: s.DiskUsage, ActiveExecutions: s.ActiveExecutions, QueueSize: s.QueueSize, MaxQueueSize: s.MaxQueueSize,
			ErrorRate: s.ErrorRate, OldestQueuedSeconds: s.OldestQueuedSeconds, HealthScore: s.HealthScore}
	}
	return out, nil
}
