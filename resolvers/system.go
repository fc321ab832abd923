package resolvers

import (
	"context"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/sysmetrics"
)

// MetricsSource samples SystemMetrics.
type MetricsSource interface {
	Sample(ctx context.Context) (sysmetrics.Metrics, error)
}

// SystemMetrics is for admins and moderators: it shows platform-wide load.
func (r *queryResolver) SystemMetrics(ctx context.Context) (*gql.SystemMetrics, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	if !u.IsAdmin() {
		return nil, model.ErrForbidden
	}
	m, err := r.Metrics.Sample(ctx)
	if err != nil {
		return nil, err
	}
	return &gql.SystemMetrics{Timestamp: m.Timestamp, CPUUsage: m.CPUUsage, MemoryUsage: m.MemoryUsage,
		DiskUsage: m.DiskUsage, ActiveExecutions: m.ActiveExecutions, QueueSize: m.QueueSize, ErrorRate: m.ErrorRate,
		HealthScore: m.HealthScore(), IsHealthy: m.IsHealthy(), Alerts: m.Alerts()}, nil
}
