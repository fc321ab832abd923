package db_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/testenv"
)

// TestGroupCommitNodeUpdatesUseTheIndexWhateverTheStatistics: the group
// commit's update of node executions finds its rows through the primary key
// even in the generic plan a connection caches while the table is empty and
// never analyzed (a fresh deployment's first commits; any database where
// autovacuum is off). Joined only to the batch's recordset, that plan was a
// sequential scan, kept as the table grew: a commit's one-row update cost
// 6.5 ms at 100,000 node executions. (The runs' update, on a table that grows
// 20–40 times slower, still gets a sequential scan on an empty table.)
func TestGroupCommitNodeUpdatesUseTheIndexWhateverTheStatistics(t *testing.T) {
	t.Parallel()
	pool, _ := testenv.NewDatabase(t, 2)
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`)
	require.NoError(t, err)

	stmt, args := namedQuery(t, "../../queries/node_executions.sql", "NodeExecutionUpdateMany")
	_, err = conn.Exec(ctx, "PREPARE update_many AS "+stmt)
	require.NoError(t, err)
	rows, err := conn.Query(ctx, "EXPLAIN EXECUTE update_many("+strings.Join(args, ", ")+")")
	require.NoError(t, err)
	var plan []string
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		plan = append(plan, line)
	}
	require.NoError(t, rows.Err())
	text := strings.Join(plan, "\n")
	require.NotContains(t, text, "Seq Scan on node_executions", "generic plan on empty tables\n%s", text)
	require.Contains(t, text, "node_executions_pkey", "generic plan on empty tables\n%s", text)
}

var namedParam = regexp.MustCompile(`@(\w+)::(\w+)`)

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
	literal := map[string]string{"jsonb": "'[]'"}
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
		return fmt.Sprintf("$%d::%s", n, p[2])
	})
	return stmt, args
}
