package resolvers_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// TestExecutionMetrics: a finished run reports the seed's ExecutionMetrics
// per node, each with its Prometheus text line.
func TestExecutionMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": chainGraph("metrics", 3)}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 7}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	waitStatus(t, b, tok, ex.ID, "COMPLETED")
	var got struct {
		Metrics []struct {
			NodeID           string
			MetricName       string
			MetricUnit       string
			MetricValue      float64
			PrometheusFormat string
		}
	}
	b.ok(tok, `query($id: ID!) { execution(id: $id) { metrics { nodeId metricName metricUnit metricValue prometheusFormat tags timestamp } } }`,
		map[string]any{"id": ex.ID}, "execution", &got)
	require.Len(t, got.Metrics, 3*4, "four metrics per node execution")
	for _, m := range got.Metrics {
		require.NotEmpty(t, m.NodeID)
		require.True(t, strings.HasPrefix(m.PrometheusFormat, "agentgraph_"+m.MetricName+"_"+m.MetricUnit+"{"), m.PrometheusFormat)
		require.Contains(t, m.PrometheusFormat, `execution_id="`+ex.ID+`"`)
		require.GreaterOrEqual(t, m.MetricValue, 0.0)
	}
}
