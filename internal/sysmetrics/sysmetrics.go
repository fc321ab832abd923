// Package sysmetrics samples the seed's SystemMetrics: host CPU, memory and
// disk use from /proc and statfs, live executions and the recent error rate
// from Postgres, and computes the health score.
package sysmetrics

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/agentgraph/agentgraph/internal/db"
)

// Metrics is the seed's SystemMetrics.
type Metrics struct {
	Timestamp        time.Time
	CPUUsage         float64 // percent
	MemoryUsage      float64 // percent
	DiskUsage        float64 // percent
	ActiveExecutions int
	QueueSize        int
	ErrorRate        float64 // percent of runs ended in the last hour that failed or timed out
	// OldestQueuedSeconds is how long the oldest QUEUED run has waited (0
	// when none): what the built-in late-run alert watches.
	OldestQueuedSeconds float64
}

// HealthScore is the seed's calculate_health_score: 0–100, weights CPU 0.2,
// memory 0.3, disk 0.1, errors 0.4, rounded to two decimals.
func (m Metrics) HealthScore() float64 {
	s := max(0, 100-m.CPUUsage)*0.2 + max(0, 100-m.MemoryUsage)*0.3 + max(0, 100-m.DiskUsage)*0.1 + max(0, 100-m.ErrorRate)*0.4
	return float64(int64(s*100+0.5)) / 100
}

// IsHealthy is the seed's is_healthy.
func (m Metrics) IsHealthy() bool { return m.HealthScore() >= 70 }

// Alerts is the seed's get_alerts.
func (m Metrics) Alerts() []string {
	out := []string{}
	if m.CPUUsage > 80 {
		out = append(out, fmt.Sprintf("High CPU usage: %.1f%%", m.CPUUsage))
	}
	if m.MemoryUsage > 85 {
		out = append(out, fmt.Sprintf("High memory usage: %.1f%%", m.MemoryUsage))
	}
	if m.DiskUsage > 90 {
		out = append(out, fmt.Sprintf("High disk usage: %.1f%%", m.DiskUsage))
	}
	if m.ErrorRate > 5 {
		out = append(out, fmt.Sprintf("High error rate: %.1f%%", m.ErrorRate))
	}
	if m.QueueSize > 100 {
		out = append(out, fmt.Sprintf("Large queue size: %d", m.QueueSize))
	}
	return out
}

// Source samples the metrics: a Sampler, or fixed values in tests of what
// uses them.
type Source interface {
	Sample(ctx context.Context) (Metrics, error)
}

// Sampler reads metrics; CPU use is measured between consecutive samples.
type Sampler struct {
	Store *db.Store
	mu    sync.Mutex
	prevT uint64
	prevI uint64
}

// Sample reads the current metrics.
func (s *Sampler) Sample(ctx context.Context) (Metrics, error) {
	m := Metrics{Timestamp: time.Now().UTC(), CPUUsage: s.cpu(), MemoryUsage: memory(), DiskUsage: disk("/")}
	c, err := s.Store.SystemExecutionCounts(ctx)
	if err != nil {
		return m, err
	}
	m.ActiveExecutions, m.QueueSize = int(c.Running), int(c.Queued)
	age, err := s.Store.QueuedRunsOldestAge(ctx)
	if err != nil {
		return m, err
	}
	m.OldestQueuedSeconds = age.Seconds()
	if c.EndedLastHour > 0 {
		m.ErrorRate = 100 * float64(c.FailedLastHour) / float64(c.EndedLastHour)
	}
	return m, nil
}

func (s *Sampler) cpu() float64 {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	fields := strings.Fields(line)
	var total, idle uint64
	for i, v := range fields[1:] {
		n, _ := strconv.ParseUint(v, 10, 64)
		total += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dt, di := total-s.prevT, idle-s.prevI
	first := s.prevT == 0
	s.prevT, s.prevI = total, idle
	if first || dt == 0 {
		if total == 0 {
			return 0
		}
		return 100 * float64(total-idle) / float64(total)
	}
	return 100 * float64(dt-di) / float64(dt)
}

func memory() float64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	var total, avail float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		v, _ := strconv.ParseFloat(fs[1], 64)
		switch fs[0] {
		case "MemTotal:":
			total = v
		case "MemAvailable:":
			avail = v
		}
	}
	if total == 0 {
		return 0
	}
	return 100 * (total - avail) / total
}

func disk(path string) float64 {
	var st syscall.Statfs_t
	if syscall.Statfs(path, &st) != nil || st.Blocks == 0 {
		return 0
	}
	return 100 * float64(st.Blocks-st.Bavail) / float64(st.Blocks)
}
