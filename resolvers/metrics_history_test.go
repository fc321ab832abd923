package resolvers_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

const history = `query($from: Time!, $to: Time!, $step: Int) { systemMetricsHistory(from: $from, to: $to, step: $step) {
  timestamp samples cpuUsage memoryUsage diskUsage activeExecutions queueSize maxQueueSize errorRate oldestQueuedSeconds healthScore } }`

// systemMetricsHistory answers the stored samples averaged per step, to
// staff only; a reversed range, a step under a second or more than 2,000
// steps is BAD_USER_INPUT naming the argument.
func TestSystemMetricsHistory(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, user := b.user(model.RoleUser)
	_, mod := b.user(model.RoleModerator)
	_, adm := b.user(model.RoleAdmin)
	// A range of its own: the package's tests share one database.
	t0 := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, cpu := range []float64{10, 30, 80} {
		require.NoError(t, b.store.SystemMetricsSampleInsert(context.Background(), db.MetricsSample{
			At: t0.Add(time.Duration(i) * 20 * time.Second), CPUUsage: cpu, MemoryUsage: 40, DiskUsage: 50,
			ActiveExecutions: i, QueueSize: 2 * i, ErrorRate: 0, OldestQueuedSeconds: float64(i)}))
	}
	vars := map[string]any{"from": t0.Format(time.RFC3339), "to": t0.Add(2 * time.Minute).Format(time.RFC3339), "step": 40}

	type sample struct {
		Timestamp                             time.Time
		Samples                               int
		CPUUsage, ActiveExecutions, QueueSize float64
		MaxQueueSize                          int
		OldestQueuedSeconds, HealthScore      float64
	}
	for _, tok := range []string{mod, adm} {
		var got []sample
		b.ok(tok, history, vars, "systemMetricsHistory", &got)
		require.Len(t, got, 2)
		require.True(t, got[0].Timestamp.Equal(t0))
		require.Equal(t, 2, got[0].Samples)
		require.InDelta(t, 20, got[0].CPUUsage, 1e-9)
		require.InDelta(t, 0.5, got[0].ActiveExecutions, 1e-9)
		require.Equal(t, 2, got[0].MaxQueueSize)
		require.InDelta(t, 1, got[0].OldestQueuedSeconds, 1e-9)
		// (100-20)·0.2 + (100-40)·0.3 + (100-50)·0.1 + 100·0.4
		require.InDelta(t, 79, got[0].HealthScore, 1e-9)
		require.True(t, got[1].Timestamp.Equal(t0.Add(40*time.Second)))
		require.Equal(t, 1, got[1].Samples)
		require.InDelta(t, 80, got[1].CPUUsage, 1e-9)
	}
	var def []sample
	b.ok(mod, history, map[string]any{"from": vars["from"], "to": vars["to"]}, "systemMetricsHistory", &def)
	require.Len(t, def, 3, "by default 500 steps: a second each here, one sample per step")

	require.Equal(t, "FORBIDDEN", b.do(user, history, vars).code())
	require.Equal(t, "UNAUTHENTICATED", b.do("", history, vars).code())

	for _, c := range []struct {
		vars  map[string]any
		field string
	}{
		{map[string]any{"from": vars["to"], "to": vars["from"]}, "from"},
		{map[string]any{"from": vars["from"], "to": vars["from"]}, "from"},
		{map[string]any{"from": vars["from"], "to": vars["to"], "step": 0}, "step"},
		{map[string]any{"from": vars["from"], "to": vars["to"], "step": -5}, "step"},
		{map[string]any{"from": t0.Format(time.RFC3339), "to": t0.Add(24 * time.Hour).Format(time.RFC3339), "step": 15}, "step"},
		{map[string]any{"from": "0001-01-01T00:00:00Z", "to": "9999-01-01T00:00:00Z", "step": 1}, "step"},
	} {
		b.refusedField(mod, history, c.vars, "BAD_USER_INPUT", c.field)
	}
	// 2,000 steps are allowed: a day in steps of 44 s is 1,964 of them.
	b.ok(mod, history, map[string]any{"from": t0.Format(time.RFC3339), "to": t0.Add(24 * time.Hour).Format(time.RFC3339), "step": 44},
		"systemMetricsHistory", &def)
	require.Len(t, def, 1)
	require.Equal(t, 3, def[0].Samples)
	r := b.do(mod, history, map[string]any{"from": t0.Format(time.RFC3339), "to": t0.Add(24 * time.Hour).Format(time.RFC3339), "step": 43})
	require.Contains(t, r.Errors[0].Message, "use a step of at least 44s", "the error says what would do")
}
