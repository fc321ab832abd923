-- name: SystemMetricsSampleInsert :exec
-- One sample; a second one of the same instant (two holders at a lease
-- handover) is dropped.
INSERT INTO system_metrics_samples (at, cpu_usage, memory_usage, disk_usage, active_executions, queue_size, error_rate, oldest_queued_seconds)
VALUES (@at, @cpu_usage, @memory_usage, @disk_usage, @active_executions, @queue_size, @error_rate, @oldest_queued_seconds)
ON CONFLICT (at) DO NOTHING;

-- name: SystemMetricsSampleDeleteBefore :execrows
DELETE FROM system_metrics_samples WHERE at < @before;

-- name: SystemMetricsSampleSteps :many
-- The samples of [from_at, to_at) averaged per step of step_seconds counted
-- from from_at; steps without a sample are left out.
SELECT date_bin(make_interval(secs => @step_seconds::float8), at, @from_at::timestamptz)::timestamptz AS step_at,
       count(*)::int AS samples,
       avg(cpu_usage)::float8 AS cpu_usage,
       avg(memory_usage)::float8 AS memory_usage,
       avg(disk_usage)::float8 AS disk_usage,
       avg(active_executions)::float8 AS active_executions,
       avg(queue_size)::float8 AS queue_size,
       max(queue_size)::int AS max_queue_size,
       avg(error_rate)::float8 AS error_rate,
       max(oldest_queued_seconds)::float8 AS oldest_queued_seconds
FROM system_metrics_samples
WHERE at >= @from_at::timestamptz AND at < @to_at::timestamptz
GROUP BY step_at
ORDER BY step_at;
