package main

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

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
