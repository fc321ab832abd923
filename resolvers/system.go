package resolvers

import (
	"context"

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
