// /shared/<token>: a shared run, read-only and signed out. A share-token
// reader gets the shape of the graph that ran (GraphExecution.graphShape:
// every node and link, without the nodes' input defaults), so the canvas
// draws the whole graph at once, as the run page does, the nodes not yet
// run in the "not run" look; statuses fill in as the run goes on. While it
// does, the page re-reads the run, not the shape, every two seconds
// (subscriptions need an account).
import { useEffect, useMemo, useState } from 'react';
import { withBlocks } from '../api/blocks';
import { gql } from '../api/client';
import { readUntilDone } from '../api/readAgain';
import { SHARED, SHARED_RUN } from '../api/queries';
import type { Execution, GraphLink, GraphNode, GraphShape } from '../api/types';
import { finalStatuses } from '../api/types';
import { toFlow } from '../canvas/convert';
import { runFor } from '../run/useLiveRun';
import { RunView } from './RunPage';
import { useTitle } from '../router';

interface Drawn {
  name: string;
  nodes: GraphNode[];
  links: GraphLink[];
}

/** The shape as the canvas's nodes: a share shows no input defaults, so none are drawn. */
async function drawn(shape: GraphShape): Promise<Drawn> {
  const nodes = await withBlocks(shape.nodes.map((n) => ({ ...n, inputDefault: {}, metadata: {}, block: null })));
  return { name: shape.name, nodes, links: shape.links };
}

// A poll that fails (the network, the server restarting) says nothing
// about the run: what is drawn stays, a line says the page may be behind,
// and it reads again (api/readAgain.ts). Only an answer that there is no
// such shared run (null, or a token that cannot be one) says so.

export function SharedPage({ token, theme }: { token: string; theme: 'light' | 'dark' }) {
  const [ex, setEx] = useState<Execution | null>(null);
  const [graph, setGraph] = useState<Drawn | null>(null);
  const [missing, setMissing] = useState(false);
  const [unreachable, setUnreachable] = useState<string | null>(null);
  const [dataAt, setDataAt] = useState<number>();
  useTitle(graph ? `Shared run of ${graph.name}` : 'Shared run');
  useEffect(() => {
    let shaped = false;
    return readUntilDone(
      async (alive) => {
        const d = await gql<{ sharedExecution: (Execution & { graphShape?: GraphShape | null }) | null }>(shaped ? SHARED_RUN : SHARED, { token }, { token: null });
        if (!alive()) return null;
        const shared = d.sharedExecution;
        if (!shared || (!shaped && !shared.graphShape)) {
          setMissing(true);
          return null;
        }
        if (!shaped) {
          const g = await drawn(shared.graphShape!);
          if (!alive()) return null;
          shaped = true;
          setGraph(g);
          setDataAt(performance.now());
        }
        setEx(shared);
        return finalStatuses.has(shared.status) ? null : 2000;
      },
      { unreachable: setUnreachable, gone: () => setMissing(true) },
    );
  }, [token]);
  const run = useMemo(() => (graph ? runFor(graph.nodes) : null), [graph]);
  useEffect(() => {
    if (run && ex) run.load(ex);
  }, [run, ex]);
  const flow = useMemo(() => (graph ? toFlow(graph.nodes, graph.links) : { nodes: [], edges: [] }), [graph]);
  if (missing) return <p className="ag-pad">This shared run does not exist or is no longer shared.</p>;
  if (!ex || !graph)
    return unreachable ? (
      <p className="ag-pad ag-error" role="alert" data-testid="shared-unreachable">
        The shared run could not be loaded: {unreachable}. Trying again…
      </p>
    ) : (
      <p className="ag-pad">Loading…</p>
    );
  return (
    <RunView
      executionId={ex.id}
      nodes={flow.nodes}
      edges={flow.edges}
      run={run}
      readOnly
      streamError={unreachable && `${unreachable}; what is shown may be behind. Trying again…`}
      dataAt={dataAt}
      theme={theme}
      title={
        <h1>
          {graph.name}{' '}
          <small className="ag-muted">
            v{ex.graphVersion} · shared run · started {new Date(ex.createdAt).toLocaleString()} · read-only
          </small>
        </h1>
      }
    />
  );
}
