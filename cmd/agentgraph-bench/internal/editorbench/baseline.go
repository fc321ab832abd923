package editorbench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
)

// baselineSQL is ONE statement in which Postgres builds the editor's answer
// itself, json_build_object/json_agg over the rows the API reads for it:
// the graph version, its owner, its nodes with their blocks (and block
// costs), its links with both ends, entry and exit nodes, the versions, and
// the owner's 10 latest runs of the graph with their node executions and
// each one's node. Fields keep the answer's names and order. It is what a
// server could at best hand through unchanged: the bench's baseline.
const baselineSQL = `SELECT json_build_object('data', json_build_object('graph', json_build_object(
  'id', g.id || ':v' || g.version, 'version', g.version, 'name', g.name, 'description', g.description,
  'isActive', g.is_active, 'isTemplate', g.is_template, 'createdAt', g.created_at,
  'owner', (SELECT json_build_object('id', u.id, 'displayName', coalesce(nullif(u.name, ''), split_part(u.email, '@', 1)))
            FROM users u WHERE u.id = g.user_id),
  'nodes', (SELECT coalesce(json_agg(json_build_object(
      'id', n.id, 'key', n.node_key, 'label', n.label, 'blockId', n.block_id, 'inputDefault', n.input_default,
      'metadata', n.metadata, 'position', json_build_object('x', n.position_x, 'y', n.position_y),
      'requiredInputs', (SELECT coalesce(json_agg(r.pin), '[]') FROM jsonb_array_elements_text(b.input_schema -> 'required') r(pin)
                         WHERE NOT n.input_default ? r.pin
                           AND NOT EXISTS (SELECT 1 FROM links il WHERE il.sink_id = n.id AND il.sink_name = r.pin)),
      'outputSchema', b.output_schema,
      'block', json_build_object('id', b.id, 'name', b.name, 'description', b.description, 'categories', b.categories,
        'blockType', b.block_type, 'inputSchema', b.input_schema, 'outputSchema', b.output_schema,
        'costs', (SELECT coalesce(json_agg(json_build_object('costType', c.cost_type, 'costAmount', c.cost_amount)), '[]')
                  FROM block_costs c WHERE c.block_id = b.id),
        'credentialsProviderNames', b.credential_providers)) ORDER BY n.node_key), '[]')
            FROM nodes n JOIN blocks b ON b.id = n.block_id
            WHERE n.graph_id = g.id AND n.graph_version = g.version),
  'links', (SELECT coalesce(json_agg(json_build_object('id', l.id, 'sourceName', l.source_name, 'sinkName', l.sink_name,
      'isStatic', l.is_static, 'source', json_build_object('id', s.id, 'key', s.node_key),
      'sink', json_build_object('id', k.id, 'key', k.node_key)) ORDER BY l.id), '[]')
            FROM links l JOIN nodes s ON s.id = l.source_id JOIN nodes k ON k.id = l.sink_id
            WHERE l.graph_id = g.id AND l.graph_version = g.version),
  'entryNodes', (SELECT coalesce(json_agg(json_build_object('id', n.id) ORDER BY n.node_key), '[]') FROM nodes n
                 WHERE n.graph_id = g.id AND n.graph_version = g.version
                   AND NOT EXISTS (SELECT 1 FROM links l WHERE l.sink_id = n.id)),
  'exitNodes', (SELECT coalesce(json_agg(json_build_object('id', n.id) ORDER BY n.node_key), '[]') FROM nodes n
                WHERE n.graph_id = g.id AND n.graph_version = g.version
                  AND NOT EXISTS (SELECT 1 FROM links l WHERE l.source_id = n.id)),
  'versions', (SELECT json_agg(json_build_object('id', v.id || ':v' || v.version, 'version', v.version,
      'isActive', v.is_active, 'createdAt', v.created_at) ORDER BY v.version DESC) FROM graphs v WHERE v.id = g.id),
  'executions', json_build_object(
    'edges', (SELECT coalesce(json_agg(json_build_object('node', json_build_object('id', e.id, 'status', e.status,
        'createdAt', e.created_at,
        'stats', json_build_object('totalNodes', coalesce((e.stats ->> 'total_nodes')::int, 0),
          'successRate', coalesce((e.stats ->> 'completed_nodes')::float / nullif((e.stats ->> 'total_nodes')::float, 0), 0)),
        'nodeExecutions', (SELECT coalesce(json_agg(json_build_object('id', ne.id, 'status', ne.status, 'nodeId', ne.node_id,
            'node', json_build_object('id', nn.id, 'key', nn.node_key)) ORDER BY ne.created_at, ne.id), '[]')
                           FROM node_executions ne JOIN nodes nn ON nn.id = ne.node_id
                           WHERE ne.graph_execution_id = e.id))) ORDER BY e.created_at DESC, e.id DESC), '[]')
              FROM (SELECT * FROM graph_executions x WHERE x.graph_id = g.id AND x.user_id = g.user_id
                    ORDER BY x.created_at DESC, x.id DESC LIMIT 10) e),
    'pageInfo', json_build_object('hasNextPage', false, 'endCursor', NULL))
))) FROM graphs g WHERE g.id = '%s' AND g.version = %d`

// baselineStatement is baselineSQL for one graph version (its id as the
// API spells it, "<uuid>:v<version>").
func baselineStatement(apiID string) (string, error) {
	id, v, ok := strings.Cut(apiID, ":v")
	version, err := strconv.Atoi(v)
	if !ok || err != nil {
		return "", fmt.Errorf("unexpected graph id %q", apiID)
	}
	gid, err := uuid.Parse(id)
	if err != nil {
		return "", fmt.Errorf("unexpected graph id %q", apiID)
	}
	return fmt.Sprintf(baselineSQL, gid, version), nil
}

// tpsLine is pgbench's rate line.
var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// runPgbench runs statement from clients connections (2 threads) for d
// with pgbench, and reads its per-transaction log for the latencies.
func runPgbench(ctx context.Context, dbURL, statement string, clients int, d time.Duration) (Load, string, error) {
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		return Load{}, "", errors.New("pgbench not found on PATH: it runs the one-statement baseline " +
			"(Debian: apt-get install postgresql-client; it is /usr/bin/pgbench there)")
	}
	dir, err := os.MkdirTemp("", "agentgraph-editorbench-")
	if err != nil {
		return Load{}, "", err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "editor.sql")
	// pgbench reads one statement per line unless it ends with a semicolon
	// at the end of the script: a single line keeps it one statement.
	if err := os.WriteFile(script, []byte(strings.Join(strings.Fields(statement), " ")+";\n"), 0o600); err != nil {
		return Load{}, "", err
	}
	secs := max(int(d.Round(time.Second)/time.Second), 1)
	args := []string{"-n", "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(secs), "-f", script,
		"-l", "--log-prefix", filepath.Join(dir, "log"), dbURL}
	var out []byte
	var all0 time.Duration
	var start time.Time
	for attempt := 1; ; attempt++ {
		all0, start = livebench.MachineCPU(), time.Now()
		out, err = exec.CommandContext(ctx, bin, args...).CombinedOutput()
		// A Postgres shared with others may be out of connections for a
		// moment: pgbench opens its clients' at once.
		if err == nil || attempt == 5 || !strings.Contains(string(out), "too many clients") {
			break
		}
		select {
		case <-ctx.Done():
			return Load{}, "", ctx.Err()
		case <-time.After(3 * time.Second):
		}
		logs, _ := filepath.Glob(filepath.Join(dir, "log.*"))
		for _, f := range logs {
			_ = os.Remove(f) // a failed attempt's
		}
	}
	elapsed := time.Since(start)
	cmdline := fmt.Sprintf("pgbench -n -c %d -j 2 -T %d -f editor.sql <database>", clients, secs)
	if err != nil {
		return Load{}, cmdline, fmt.Errorf("pgbench: %v: %s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return Load{}, cmdline, fmt.Errorf("no tps in pgbench's output: %s", out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	lats, err := pgbenchLatencies(dir)
	if err != nil {
		return Load{}, cmdline, err
	}
	l := Load{Requests: int64(len(lats)), MachineCPU: livebench.MachineCPU() - all0}
	// pgbench's own rate excludes connecting; keep it, through Elapsed.
	l.Elapsed = time.Duration(float64(len(lats)) / tps * float64(time.Second))
	if tps == 0 {
		l.Elapsed = elapsed
	}
	l.Latency = livebench.Percentiles(lats)
	return l, cmdline, nil
}

// pgbenchLatencies reads the per-transaction logs pgbench -l wrote in dir
// (one file per thread): "client_id transaction_no time_us script_no
// time_epoch time_us".
func pgbenchLatencies(dir string) ([]time.Duration, error) {
	files, err := filepath.Glob(filepath.Join(dir, "log.*"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no pgbench transaction log in %s", dir)
	}
	var lats []time.Duration
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 3 {
				continue
			}
			us, err := strconv.ParseInt(fs[2], 10, 64)
			if err != nil {
				continue
			}
			lats = append(lats, time.Duration(us)*time.Microsecond)
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return lats, nil
}
