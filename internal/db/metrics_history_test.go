package db_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
)

// Samples are stored once per instant, averaged per step from the range's
// start (empty steps left out), and deleted by age.
func TestSystemMetricsHistory(t *testing.T) {
	t.Parallel()
	b := setup(t, true)
	s, ctx := b.store, b.ctx
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, m := range []db.MetricsSample{
		{At: t0, CPUUsage: 10, MemoryUsage: 20, DiskUsage: 30, ActiveExecutions: 1, QueueSize: 2, ErrorRate: 0, OldestQueuedSeconds: 5},
		{At: t0.Add(15 * time.Second), CPUUsage: 30, MemoryUsage: 40, DiskUsage: 30, ActiveExecutions: 3, QueueSize: 6, ErrorRate: 10, OldestQueuedSeconds: 9},
		{At: t0.Add(2 * time.Minute), CPUUsage: 50, MemoryUsage: 50, DiskUsage: 50, ActiveExecutions: 0, QueueSize: 0, ErrorRate: 0},
		{At: t0, CPUUsage: 99}, // the same instant again: dropped
	} {
		require.NoError(t, s.SystemMetricsSampleInsert(ctx, m), i)
	}

	steps, err := s.SystemMetricsHistory(ctx, t0, t0.Add(3*time.Minute), time.Minute)
	require.NoError(t, err)
	require.Len(t, steps, 2, "the empty minute is left out")
	require.True(t, steps[0].At.Equal(t0))
	require.Equal(t, db.MetricsStep{At: steps[0].At, Samples: 2, CPUUsage: 20, MemoryUsage: 30, DiskUsage: 30, ActiveExecutions: 2,
		QueueSize: 4, MaxQueueSize: 6, ErrorRate: 5, OldestQueuedSeconds: 9}, steps[0])
	require.True(t, steps[1].At.Equal(t0.Add(2*time.Minute)))
	require.Equal(t, 1, steps[1].Samples)

	// Steps count from the range's start, and its end is excluded.
	steps, err = s.SystemMetricsHistory(ctx, t0.Add(10*time.Second), t0.Add(2*time.Minute), time.Minute)
	require.NoError(t, err)
	require.Len(t, steps, 1)
	require.True(t, steps[0].At.Equal(t0.Add(10*time.Second)))
	require.Equal(t, 1, steps[0].Samples)
	require.InDelta(t, 30, steps[0].CPUUsage, 1e-9)

	n, err := s.SystemMetricsSamplesDelete(ctx, t0.Add(time.Minute))
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	steps, err = s.SystemMetricsHistory(ctx, t0, t0.Add(time.Hour), time.Hour)
	require.NoError(t, err)
	require.Len(t, steps, 1)
	require.Equal(t, 1, steps[0].Samples)
}

// Old log lines are deleted oldest first, at most a batch per call; newer
// ones stay.
func TestExecutionLogsDelete(t *testing.T) {
	t.Parallel()
	b := setup(t, true)
	s, ctx := b.store, b.ctx
	u := b.user()
	owner := "w-logs"
	ex := b.running(u, b.graph(u), owner)
	now := b.nowFromDB()
	var logs []db.LogWrite
	for i := range 5 {
		logs = append(logs, db.LogWrite{ExecutionID: ex.ID, UserID: u.ID, Level: "INFO", Message: "old",
			LoggedAt: now.Add(-time.Duration(48-i) * time.Hour)})
	}
	logs = append(logs, db.LogWrite{ExecutionID: ex.ID, UserID: u.ID, Level: "INFO", Message: "new", LoggedAt: now})
	_, err := s.ExecutionApplyBatch(ctx, &db.ExecutionBatch{Owner: owner, LeaseSeconds: 30, Logs: logs})
	require.NoError(t, err)

	cutoff := now.Add(-24 * time.Hour)
	n, err := s.ExecutionLogsDelete(ctx, cutoff, 3)
	require.NoError(t, err)
	require.EqualValues(t, 3, n, "one batch")
	left, err := s.ExecutionLogs(ctx, ex.ID, nil, 100)
	require.NoError(t, err)
	require.Len(t, left, 3)
	require.True(t, left[0].LoggedAt.Equal(logs[3].LoggedAt), "the oldest went first")
	n, err = s.ExecutionLogsDelete(ctx, cutoff, 3)
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	n, err = s.ExecutionLogsDelete(ctx, cutoff, 3)
	require.NoError(t, err)
	require.Zero(t, n)
	left, err = s.ExecutionLogs(ctx, ex.ID, nil, 100)
	require.NoError(t, err)
	require.Len(t, left, 1)
	require.Equal(t, "new", left[0].Message)
}
