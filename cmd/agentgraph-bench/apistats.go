package main

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
)

// xactCommits is the transactions committed in pool's database so far.
func xactCommits(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var n int64
	err := pool.QueryRow(ctx, `SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`).Scan(&n)
	return n, err
}

// backendPids are the Postgres backends connected to pool's database (the
// server's pool, opened at its start, and the bench's own).
func backendPids(ctx context.Context, pool *pgxpool.Pool) ([]int, error) {
	rows, err := pool.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return nil, err
		}
		pids = append(pids, pid)
	}
	return pids, rows.Err()
}

// pidsCPU is the CPU time the processes pids used so far (ones gone since
// count as nothing).
func pidsCPU(pids []int) time.Duration {
	var t time.Duration
	for _, pid := range pids {
		d, _ := livebench.ProcessCPU(pid)
		t += d
	}
	return t
}

// settledCommits is xactCommits once the statistics of what just ran have
// landed: Postgres publishes a backend's at most once a second.
func settledCommits(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	select {
	case <-time.After(1100 * time.Millisecond):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return xactCommits(ctx, pool)
}

// redisPid is the Redis server's process id (INFO server), when it runs on
// this machine as far as /proc can tell; 0 otherwise. Its CPU is the whole
// server's: other users of the same Redis count in it too.
func redisPid(ctx context.Context, url string) int {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return 0
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			pid, _ := strconv.Atoi(v)
			if _, err := livebench.ProcessCPU(pid); err != nil {
				return 0
			}
			return pid
		}
	}
	return 0
}
