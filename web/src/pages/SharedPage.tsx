// /shared/<token>: a shared run, read-only and signed out. A share-token
// reader sees the run, not the graph (GraphExecution.graph is null), so the
// canvas shows the nodes that ran, at their positions, and the links between
// them (GraphExecution.links). While the run goes on, the page re-reads it
// every two seconds (subscriptions need an account).
import { useEffect, useMemo, useState } from 'react';
import { withBlocks } from '../api/blocks';
import { gql } from '../api/client';
import { SHARED } from '../api/queries';
import type { Execution, GraphLink, GraphNode } from '../api/types';
import { finalStatuses } from '../api/types';
import { toFlow } from '../canvas/convert';
import { runFor } from '../run/useLiveRun';
import { RunView } from './RunPage';
import { useTitle } from '../router';

type SharedNodeExecution = Execution['nodeExecutions'][number] & { node: GraphNode | null };
type Shared = Execution & {
  nodeExecutions: SharedNodeExecution[];
  links: GraphLink[];
};

export function SharedPage({ token, theme }: { token: string; theme: 'light' | 'dark' }) {
  const [ex, setEx] = useState<Shared | null>(null);
  const [missing, setMissing] = useState(false);
  const [dataAt, setDataAt] = useState<number>();
  useTitle('Shared run');
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stop = false;
    const read = () =>
      gql<{ sharedExecution: Shared | null }>(SHARED, { token }, { token: null })
        .then(async (d) => {
          if (stop) return;
          const shared = d.sharedExecution;
          if (!shared) return setMissing(true);
          const ran: SharedNodeExecution[] = shared.nodeExecutions;
          const withBlock = new Map((await withBlocks(ran.flatMap((ne) => (ne.node ? [ne.node] : [])))).map((n) => [n.id, n]));
          if (stop) return;
          setDataAt((t) => t ?? performance.now());
          setEx({ ...shared, nodeExecutions: ran.map((ne) => ({ ...ne, node: ne.node && (withBlock.get(ne.node.id) ?? null) })) });
          if (!finalStatuses.has(shared.status)) timer = setTimeout(read, 2000);
        })
        .catch(() => !stop && setMissing(true));
    void read();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [token]);
  const nodes = useMemo(() => {
    const byId = new Map<string, GraphNode>();
    for (const ne of ex?.nodeExecutions ?? []) if (ne.node) byId.set(ne.node.id, ne.node);
    return [...byId.values()];
  }, [ex]);
  const nodeIds = nodes.map((n) => n.id).join(',');
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useMemo(() => (nodes.length ? runFor(nodes) : null), [nodeIds]);
  useEffect(() => {
    if (run && ex) run.load(ex);
  }, [run, ex]);
  const flow = useMemo(() => toFlow(nodes, ex?.links ?? []), [nodes, ex]);
  if (missing) return <p className="ag-pad">This shared run does not exist or is no longer shared.</p>;
  if (!ex) return <p className="ag-pad">Loading…</p>;
  return (
    <RunView
      executionId={ex.id}
      nodes={flow.nodes}
      edges={flow.edges}
      run={run}
      readOnly
      dataAt={dataAt}
      theme={theme}
      title={
        <h1>
          Shared run <small className="ag-muted">started {new Date(ex.createdAt).toLocaleString()} · read-only</small>
        </h1>
      }
    />
  );
}
