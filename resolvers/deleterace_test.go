package resolvers_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// deleteGraph racing executeGraph of the same graph: every answer is a run
// stored, NOT_FOUND or CONFLICT (never INTERNAL); a graph deleted keeps no
// run, and a run stored keeps its graph; the ledger still adds up.
func TestDeleteGraphRacingExecuteGraph(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u, tok := b.user(model.RoleUser)
	pool := testenv.Postgres(t)
	ctx := context.Background()
	codes := map[string]int{}
	for round := 0; round < 20; round++ {
		var g struct{ ID, GraphID string }
		b.ok(tok, `mutation($in: GraphInput!) { createGraph(input: $in) { id graphId } }`,
			map[string]any{"in": chainGraph(fmt.Sprintf("race %d", round), 3)}, "createGraph", &g)
		var wg sync.WaitGroup
		var mu sync.Mutex
		answers := make([]*response, 0, 5)
		for i := 0; i < 5; i++ {
			wg.Add(1)
			go func(del bool) {
				defer wg.Done()
				q, v := `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.GraphID}
				if del {
					q, v = `mutation($id: ID!) { deleteGraph(id: $id) }`, map[string]any{"id": g.GraphID}
				}
				r := b.do(tok, q, v)
				mu.Lock()
				answers = append(answers, r)
				mu.Unlock()
			}(i == 2)
		}
		wg.Wait()
		for _, r := range answers {
			c := r.code()
			require.Containsf(t, []string{"", "NOT_FOUND", "CONFLICT"}, c, "%+v", r.Errors)
			codes[c]++
		}
		var graphs, runs int
		require.NoError(t, pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM graphs WHERE id = $1),
			(SELECT count(*) FROM graph_executions WHERE graph_id = $1)`, g.GraphID).Scan(&graphs, &runs))
		if graphs == 0 {
			require.Zero(t, runs, "round %d: a deleted graph keeps no run", round)
		}
	}
	t.Logf("answers: %v", codes)
	bal, sum, _ := ledgerOf(t, u.ID)
	require.Equal(t, bal, sum)
}

// deleteGraph racing what else reaches the graph: createSchedule,
// updateGraph and deliveries to its webhook. Every answer is clear (a
// GraphQL answer with no code, NOT_FOUND or CONFLICT; a delivery 202, 404
// or 503 to retry), never INTERNAL or 500; a graph deleted keeps no run,
// schedule, webhook or delivery; the ledger adds up. Was: a delivery took
// its webhook's key lock before its run took the graph's, the reverse of
// deleteGraph's order, and they deadlocked (deleteGraph, updateGraph
// INTERNAL; the delivery 500), or the delivery's insert failed on its
// webhook deleted meanwhile (500).
func TestDeleteGraphRacingTriggers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u, tok := b.user(model.RoleUser)
	pool := testenv.Postgres(t)
	ctx := context.Background()
	seen := map[string]int{}
	for round := 0; round < 15; round++ {
		var g struct{ ID, GraphID string }
		b.ok(tok, `mutation($in: GraphInput!) { createGraph(input: $in) { id graphId } }`,
			map[string]any{"in": webhookGraph(fmt.Sprintf("trigger race %d", round))}, "createGraph", &g)
		url, secret, _ := rotate(t, b, tok, g.ID)
		var wg sync.WaitGroup
		var mu sync.Mutex
		answer := func(what, code string, allowed ...string) {
			mu.Lock()
			defer mu.Unlock()
			seen[what+" "+code]++
			if !slices.Contains(allowed, code) {
				t.Errorf("round %d: %s answered %s", round, what, code)
			}
		}
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				switch i {
				case 0:
					r := b.do(tok, `mutation($id: ID!) { deleteGraph(id: $id) }`, map[string]any{"id": g.GraphID})
					answer("deleteGraph", r.code(), "", "CONFLICT", "NOT_FOUND")
				case 1, 2:
					r := b.do(tok, `mutation($in: ScheduleInput!) { createSchedule(input: $in) { id } }`, map[string]any{"in": map[string]any{
						"graphId": g.GraphID, "name": "s", "cron": "@daily"}})
					answer("createSchedule", r.code(), "", "NOT_FOUND")
				case 3:
					r := b.do(tok, `mutation($id: ID!, $in: GraphInput!) { updateGraph(id: $id, input: $in) { id } }`,
						map[string]any{"id": g.GraphID, "in": webhookGraph(fmt.Sprintf("trigger race %d v2", round))})
					answer("updateGraph", r.code(), "", "NOT_FOUND")
				default:
					body := []byte(fmt.Sprintf(`{"i": %d}`, i))
					a := post(t, url, "application/json", body, map[string]string{
						"X-Agentgraph-Signature": sign(secret, body), "X-Agentgraph-Delivery": fmt.Sprint("d", i)})
					answer("delivery", fmt.Sprint(a.status), "202", "404", "503")
				}
			}(i)
		}
		wg.Wait()
		var graphs, left int
		require.NoError(t, pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM graphs WHERE id = $1),
			(SELECT count(*) FROM graph_executions WHERE graph_id = $1) + (SELECT count(*) FROM schedules WHERE graph_id = $1) +
			(SELECT count(*) FROM webhooks WHERE graph_id = $1) +
			(SELECT count(*) FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE w.graph_id = $1)`, g.GraphID).Scan(&graphs, &left))
		if graphs == 0 {
			require.Zero(t, left, "round %d: a deleted graph keeps no run, schedule, webhook or delivery", round)
		}
	}
	t.Logf("answers: %v", seen)
	bal, sum, _ := ledgerOf(t, u.ID)
	require.Equal(t, bal, sum)
}

// deleteGraph while the scheduler fires one of the graph's schedules: the
// scheduler holds the schedule (claimed FOR UPDATE) and then stores its
// run, whose foreign key takes the graph's key. deleteGraph waits for the
// schedule before it locks the graph, so the two never deadlock: the
// firing stores its run, and deleteGraph then deletes the graph. Was: it
// locked the graph first, then waited on the schedule to delete it (the
// cascade) while the firing waited on the graph: deadlock, and deleteGraph
// answered INTERNAL (or the firing failed).
func TestDeleteGraphWhileASchedulerFires(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	pool := testenv.Postgres(t)
	ctx := context.Background()
	var g struct{ GraphID string }
	b.ok(tok, `mutation($in: GraphInput!) { createGraph(input: $in) { graphId } }`,
		map[string]any{"in": chainGraph("scheduled then deleted", 2)}, "createGraph", &g)
	var s struct{ ID string }
	b.ok(tok, `mutation($in: ScheduleInput!) { createSchedule(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"graphId": g.GraphID, "name": "yearly", "cron": "@yearly", "inputs": map[string]any{"x": 1}}}, "createSchedule", &s)

	// The scheduler's firing, as ScheduleClaimDue and the run's insert lock.
	firing, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = firing.Rollback(ctx) }()
	_, err = firing.Exec(ctx, `SELECT 1 FROM schedules WHERE id = $1 FOR UPDATE`, s.ID)
	require.NoError(t, err)
	var firingPID int
	require.NoError(t, firing.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&firingPID))
	deleted := make(chan *response, 1)
	go func() {
		deleted <- b.do(tok, `mutation($id: ID!) { deleteGraph(id: $id) }`, map[string]any{"id": g.GraphID})
	}()
	// deleteGraph waits on the firing's lock before the firing goes on
	// (else the deadlock this is about cannot happen: a fixed pause only
	// made that likely).
	require.Eventually(t, func() bool {
		var waiting int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))`,
			firingPID).Scan(&waiting))
		return waiting > 0
	}, 10*time.Second, 5*time.Millisecond, "deleteGraph waits on the firing's lock")
	_, err = firing.Exec(ctx, `SELECT 1 FROM graphs WHERE id = $1 FOR KEY SHARE`, g.GraphID)
	require.NoError(t, err, "the firing takes the graph's key")
	require.NoError(t, firing.Commit(ctx))
	r := <-deleted
	require.Empty(t, r.Errors, "deleteGraph went on once the firing committed")
	var left int
	require.NoError(t, pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM graphs WHERE id = $1) + (SELECT count(*) FROM schedules WHERE graph_id = $1)`,
		g.GraphID).Scan(&left))
	require.Zero(t, left)
}
