package resolvers

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
)

// Metrics derives the seed's ExecutionMetrics from the run's node
// executions (their NodeExecutionStats), so they are always consistent
// with what was stored and cost no extra writes on the engine's hot path.
func (r *graphExecutionResolver) Metrics(ctx context.Context, obj *gql.GraphExecution) ([]*gql.ExecutionMetric, error) {
	nes, err := r.NodeExecutions(ctx, obj)
	if err != nil {
		return nil, err
	}
	out := []*gql.ExecutionMetric{}
	for _, ne := range nes {
		if ne.Stats == nil {
			continue
		}
		ts := ne.CreatedAt
		if ne.EndedAt != nil {
			ts = *ne.EndedAt
		}
		node := ne.NodeID
		tags := map[string]string{"block": ne.Stats.BlockName, "status": string(ne.Status), "node_execution_id": ne.ID}
		for _, m := range []struct {
			name, unit string
			v          float64
		}{
			{"node_execution_time", "seconds", ne.Stats.ExecutionTime},
			{"node_input_size", "bytes", float64(ne.Stats.InputSize)},
			{"node_output_size", "bytes", float64(ne.Stats.OutputSize)},
			{"node_cost", "credits", float64(ne.Stats.Cost)},
		} {
			out = append(out, metric(obj.ID, &node, m.name, m.unit, m.v, ts, tags))
		}
	}
	return out, nil
}

func metric(execID string, nodeID *string, name, unit string, v float64, ts time.Time, tags map[string]string) *gql.ExecutionMetric {
	raw, _ := json.Marshal(tags)
	return &gql.ExecutionMetric{ExecutionID: execID, NodeID: nodeID, MetricName: name, MetricValue: v, MetricUnit: unit,
		Timestamp: ts, Tags: gqlscalar.JSON(raw), PrometheusFormat: prometheusLine(execID, nodeID, name, unit, v, ts, tags)}
}

// prometheusLine is the seed's get_prometheus_format: one sample in the
// text exposition format, name suffixed with its unit, labels sorted.
func prometheusLine(execID string, nodeID *string, name, unit string, v float64, ts time.Time, tags map[string]string) string {
	labels := map[string]string{"execution_id": execID}
	if nodeID != nil {
		labels["node_id"] = *nodeID
	}
	for k, val := range tags {
		labels[k] = val
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%q", k, labels[k])
	}
	return fmt.Sprintf("agentgraph_%s_%s{%s} %g %d", name, unit, strings.Join(parts, ","), v, ts.UnixMilli())
}
