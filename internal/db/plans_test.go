package db_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// TestGroupCommitNodeUpdatesUseTheIndexWhateverTheStatistics: the group
// commit's update of node executions finds its rows through the primary key
// even in the generic plan a connection caches while the table is empty and
// never analyzed (a fresh deployment's first commits; any database where
// autovacuum is off), in the transaction a group commit opens
// (db.GroupCommitPlans first). Joined only to the batch's recordset, that
// plan was a sequential scan, kept as the table grew: a commit's one-row
// update cost 6.5 ms at 100,000 node executions.
func TestGroupCommitNodeUpdatesUseTheIndexWhateverTheStatistics(t *testing.T) {
	t.Parallel()
	plan := genericPlan(t, db.GroupCommitPlans, "../../queries/node_executions.sql", "NodeExecutionUpdateMany")
	requireKeyLookups(t, plan, "node_executions")
}

// TestGroupCommitRunUpdatesUseTheIndexWhateverTheStatistics: the same for
// the runs' update: 31 ms a commit at 100,000 runs through the sequential
// scan, against 0.5 ms through the primary key.
func TestGroupCommitRunUpdatesUseTheIndexWhateverTheStatistics(t *testing.T) {
	t.Parallel()
	plan := genericPlan(t, db.GroupCommitPlans, "../../queries/graph_executions.sql", "GraphExecutionApplyMany")
	requireKeyLookups(t, plan, "graph_executions")

	// Without the group commit's setting the plan is the sequential scan
	// (what the setting is for; if Postgres ever plans this statement well
	// by itself, the setting can go).
	plan = genericPlan(t, "", "../../queries/graph_executions.sql", "GraphExecutionApplyMany")
	require.Contains(t, plan, "Seq Scan on graph_executions", "generic plan on empty tables without the setting\n%s", plan)
}

// requireKeyLookups fails unless plan reads table only through its primary
// key with an index condition: by the ids it was given, not by walking the
// whole index. Walking it (an Index Scan with a Filter and no Index Cond)
// is what sequential scans off alone gave the runs' and the node
// executions' updates: 4–7 ms a commit at 7,000 runs in the webhooks bench,
// growing with the table like the sequential scan it replaced.
func requireKeyLookups(t *testing.T, plan, table string) {
	t.Helper()
	lines := strings.Split(plan, "\n")
	scans := 0
	for i, line := range lines {
		if !strings.Contains(line, " Scan ") || !strings.Contains(line, " on "+table+" ") {
			continue // the Update node names the table too
		}
		scans++
		// The scan's node: its line and the deeper-indented ones below it
		// (a Bitmap Heap Scan's Bitmap Index Scan included).
		indent := len(line) - len(strings.TrimLeft(line, " "))
		node := line
		for _, next := range lines[i+1:] {
			if len(next)-len(strings.TrimLeft(next, " ")) <= indent {
				break
			}
			node += "\n" + next
		}
		require.NotContains(t, node, "Seq Scan", "generic plan on empty tables\n%s", plan)
		require.Contains(t, node, table+"_pkey", "generic plan on empty tables\n%s", plan)
		require.Contains(t, node, "Index Cond: (id = ", "%s is read without an index condition on its key\n%s", table, plan)
	}
	require.NotZero(t, scans, "no scan of %s in\n%s", table, plan)
}

// genericPlan is the generic plan (the one a connection caches) of the
// query name of file on a new, empty, never-analyzed database, EXPLAINed in
// a transaction that first runs setup (none when "").
func genericPlan(t *testing.T, setup, file, name string) string {
	t.Helper()
	pool, _ := testenv.NewDatabase(t, 2)
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, `SET LOCAL plan_cache_mode = force_generic_plan`)
	require.NoError(t, err)
	if setup != "" {
		_, err = tx.Exec(ctx, setup)
		require.NoError(t, err)
	}
	stmt, args := namedQuery(t, file, name)
	_, err = tx.Exec(ctx, "PREPARE generic AS "+stmt)
	require.NoError(t, err)
	rows, err := tx.Query(ctx, "EXPLAIN EXECUTE generic("+strings.Join(args, ", ")+")")
	require.NoError(t, err)
	var plan []string
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		plan = append(plan, line)
	}
	require.NoError(t, rows.Err())
	return strings.Join(plan, "\n")
}

var namedParam = regexp.MustCompile(`@(\w+)(?:::(\w+))?`)

// namedQuery reads the sqlc query name from file as Postgres takes it: its
// @name::type parameters numbered in order, and a literal argument of each
// type to EXPLAIN it with.
func namedQuery(t *testing.T, file, name string) (stmt string, args []string) {
	t.Helper()
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(src), "-- name: "+name+" ")
	require.True(t, ok, "no query %s in %s", name, file)
	var lines []string
	for _, line := range strings.Split(rest, "\n")[1:] {
		if len(lines) == 0 && strings.HasPrefix(line, "--") {
			continue // the query's doc comment
		}
		lines = append(lines, line)
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			break
		}
	}
	// An untyped parameter (sqlc infers its type: LIMIT @n) is left for
	// Postgres to infer too.
	literal := map[string]string{"jsonb": "'[]'", "float8": "30", "text": "'worker'", "bigint": "4", "": "16"}
	numbers := map[string]int{}
	stmt = namedParam.ReplaceAllStringFunc(strings.TrimSuffix(strings.TrimSpace(strings.Join(lines, "\n")), ";"), func(m string) string {
		p := namedParam.FindStringSubmatch(m)
		n, seen := numbers[p[1]]
		if !seen {
			lit, ok := literal[p[2]]
			require.True(t, ok, "no literal for type %s", p[2])
			n = len(numbers) + 1
			numbers[p[1]] = n
			args = append(args, lit)
		}
		if p[2] == "" {
			return fmt.Sprintf("$%d", n)
		}
		return fmt.Sprintf("$%d::%s", n, p[2])
	})
	return stmt, args
}

// TestClaimWalksTheQueueInOrder: the claim reads the runnable runs through
// idx_graph_exec_claim in created_at order, an index scan that stops after
// what it claims — not a bitmap of every entry followed by a sort, the plan
// Postgres caches while the table is small or never analyzed (why it
// matters: db.ClaimPlans).
func TestClaimWalksTheQueueInOrder(t *testing.T) {
	t.Parallel()
	plan := genericPlan(t, db.ClaimPlans, "../../queries/graph_executions.sql", "GraphExecutionClaim")
	require.NotContains(t, plan, "Bitmap", "generic plan on empty tables\n%s", plan)
	require.NotContains(t, plan, "Seq Scan on graph_executions", "generic plan on empty tables\n%s", plan)
	require.Contains(t, plan, "Index Scan using idx_graph_exec_claim on graph_executions c", "generic plan on empty tables\n%s", plan)
}
