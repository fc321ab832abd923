// A graph's run history beside the editor: the caller's latest runs of the
// graph (any version), kept current by graphExecutions, which sends each run
// as it changes status; a dropped websocket resubscribes by itself. A run a
// schedule or a webhook started says so.
import { useEffect, useState } from 'react';
import { gql, subscribe } from '../api/client';
import { GRAPH_EXECUTIONS, HISTORY } from '../api/queries';
import type { Status, TriggerKind } from '../api/types';
import { Link } from '../router';

interface RunRow {
  id: string;
  graphVersion: number;
  status: Status;
  createdAt: string;
  endedAt: string | null;
  trigger: { kind: TriggerKind };
}

// A manual run is the usual case and says nothing; a child run's graph is started by another run.
const startedBy: Partial<Record<TriggerKind, string>> = { SCHEDULE: 'schedule', WEBHOOK: 'webhook', AGENT: 'another run' };

export function RunHistory({ graphId }: { graphId: string }) {
  const [rows, setRows] = useState<RunRow[] | null>(null);
  useEffect(() => {
    let live = true;
    gql<{ executions: { edges: Array<{ node: RunRow }> } }>(HISTORY, { id: graphId })
      .then((d) => live && setRows((cur) => merge(d.executions.edges.map((e) => e.node), cur ?? [])))
      .catch(() => live && setRows([]));
    // graphExecutions sends each of the caller's runs of the graph as it changes status.
    const unsub = subscribe<{ graphExecutions: RunRow }>(GRAPH_EXECUTIONS, { id: graphId }, {
      next: (d) => setRows((cur) => merge([d.graphExecutions], cur ?? [])),
    });
    return () => {
      live = false;
      unsub();
    };
  }, [graphId]);
  return (
    <section aria-label="Run history" className="ag-history ag-panel" data-testid="history">
      <h2>Run history</h2>
      {rows === null ? (
        <p>Loading…</p>
      ) : rows.length === 0 ? (
        <p className="ag-muted">No runs yet.</p>
      ) : (
        <ul>
          {rows.map((r) => (
            <li key={r.id} data-run-id={r.id}>
              <span className={`ag-badge status-${r.status.toLowerCase()}`}>{r.status}</span>{' '}
              <Link to={`/runs/${encodeURIComponent(r.id)}`}>v{r.graphVersion} · {new Date(r.createdAt).toLocaleTimeString()}</Link>
              {startedBy[r.trigger.kind] && <span className="ag-muted" data-trigger={r.trigger.kind}> · by {startedBy[r.trigger.kind]}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function merge(incoming: RunRow[], cur: RunRow[]): RunRow[] {
  const byId = new Map(cur.map((r) => [r.id, r]));
  for (const r of incoming) byId.set(r.id, { ...byId.get(r.id), ...r });
  return [...byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 50);
}
