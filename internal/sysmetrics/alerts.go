package sysmetrics

import (
	"fmt"
	"strings"
)

// metricValue reads a metric of the seed's SystemMetrics by its snake_case name.
func metricValue(m Metrics, name string) (float64, bool) {
	switch name {
	case "cpu_usage":
		return m.CPUUsage, true
	case "memory_usage":
		return m.MemoryUsage, true
	case "disk_usage":
		return m.DiskUsage, true
	case "error_rate":
		return m.ErrorRate, true
	case "queue_size":
		return float64(m.QueueSize), true
	case "active_executions":
		return float64(m.ActiveExecutions), true
	case "health_score":
		return m.HealthScore(), true
	case "oldest_queued_seconds":
		return m.OldestQueuedSeconds, true
	}
	return 0, false
}

// Value is a metric's value by its snake_case name (false when unknown).
func Value(m Metrics, name string) (float64, bool) { return metricValue(m, name) }

// ParseCondition checks an alert condition "<metric> <operator>".
func ParseCondition(cond string) (metric, op string, err error) {
	f := strings.Fields(cond)
	if len(f) != 2 {
		return "", "", fmt.Errorf("condition must be \"<metric> <operator>\", e.g. \"cpu_usage >\"")
	}
	if _, ok := metricValue(Metrics{}, f[0]); !ok {
		return "", "", fmt.Errorf("unknown metric %q (cpu_usage, memory_usage, disk_usage, error_rate, queue_size, active_executions, health_score, oldest_queued_seconds)", f[0])
	}
	switch f[1] {
	case ">", ">=", "<", "<=":
	default:
		return "", "", fmt.Errorf("unknown operator %q (>, >=, <, <=)", f[1])
	}
	return f[0], f[1], nil
}

// Evaluate is the seed's AlertRule.evaluate: does the condition hold?
func Evaluate(m Metrics, cond string, threshold float64) bool {
	metric, op, err := ParseCondition(cond)
	if err != nil {
		return false
	}
	v, _ := metricValue(m, metric)
	switch op {
	case ">":
		return v > threshold
	case ">=":
		return v >= threshold
	case "<":
		return v < threshold
	default:
		return v <= threshold
	}
}
