package sysmetrics

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHealthScoreAndAlerts(t *testing.T) {
	t.Parallel()
	m := Metrics{CPUUsage: 50, MemoryUsage: 40, DiskUsage: 20, ErrorRate: 10, QueueSize: 150}
	// 50*0.2 + 60*0.3 + 80*0.1 + 90*0.4 = 10 + 18 + 8 + 36 = 72
	require.Equal(t, 72.0, m.HealthScore())
	require.True(t, m.IsHealthy())
	require.Equal(t, []string{"High error rate: 10.0%", "Large queue size: 150"}, m.Alerts())
	require.Equal(t, 0.0, Metrics{CPUUsage: 100, MemoryUsage: 100, DiskUsage: 100, ErrorRate: 100}.HealthScore())
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	m := Metrics{CPUUsage: 85, QueueSize: 3}
	require.True(t, Evaluate(m, "cpu_usage >", 80))
	require.False(t, Evaluate(m, "cpu_usage <=", 80))
	require.True(t, Evaluate(m, "queue_size >=", 3))
	require.True(t, Evaluate(m, "health_score <", 100))
	require.False(t, Evaluate(m, "nonsense >", 1))
	require.True(t, Evaluate(Metrics{OldestQueuedSeconds: 301}, "oldest_queued_seconds >", 300), "the late-run alert's metric")
	for _, bad := range []string{"", "cpu_usage", "cpu_usage !", "foo >", "cpu_usage > 3"} {
		_, _, err := ParseCondition(bad)
		require.Error(t, err, bad)
	}
}
