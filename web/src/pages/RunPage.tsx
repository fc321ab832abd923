// /runs/<id>: one of the caller's runs on its graph's canvas, live while it
// runs. /shared/<token> uses the same view read-only (SharedPage).
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ReactFlowProvider, type Edge } from '@xyflow/react';
import { gql } from '../api/client';
import { readUntilDone } from '../api/readAgain';
import { graphWithBlocks } from '../api/blocks';
import { EXECUTION_Q, graphRef } from '../api/queries';
import type { Execution, Graph, GraphNode } from '../api/types';
import { Canvas } from '../canvas/Canvas';
import type { BlockFlowNode } from '../canvas/BlockNode';
import { toFlow } from '../canvas/convert';
import { useViewNodes } from '../canvas/useViewNodes';
import { Link, useTitle } from '../router';
import type { LiveRun } from '../run/liveRun';
import { NodeDetail, RunSummaryPanel } from '../run/RunPanel';
import { useLiveRun } from '../run/useLiveRun';

export function RunView(p: {
  executionId: string;
  nodes: BlockFlowNode[];
  edges: Edge[];
  run: LiveRun | null;
  readOnly?: boolean;
  streamError?: string | null;
  title: React.ReactNode;
  dataAt?: number;
  theme: 'light' | 'dark';
}) {
  const { nodes, onNodesChange } = useViewNodes(p.nodes);
  const [selected, setSelected] = useState<string | null>(null);
  const onSelect = useCallback((s: { node: string | null }) => setSelected(s.node), []);
  const info = useMemo(() => ({ run: p.run, problems: new Map<string, string[]>() }), [p.run]);
  return (
    <ReactFlowProvider>
      <div className="ag-runpage">
        <div className="ag-toolbar">{p.title}</div>
        <div className="ag-runpage-body">
          <Canvas nodes={nodes} edges={p.edges} info={info} onNodesChange={onNodesChange} onSelect={onSelect} dataAt={p.dataAt} colorMode={p.theme} refit />
          <aside className="ag-side ag-panel">
            <RunSummaryPanel run={p.run} executionId={p.executionId} readOnly={p.readOnly} streamError={p.streamError} />
            {selected ? <NodeDetail run={p.run} nodeKey={selected} readOnly={p.readOnly} /> : <p className="ag-muted">Select a node to see its outputs and errors.</p>}
          </aside>
        </div>
      </div>
    </ReactFlowProvider>
  );
}

export function RunPage({ id, theme }: { id: string; theme: 'light' | 'dark' }) {
  const [ex, setEx] = useState<(Execution & { graph: Graph | null }) | null>(null);
  const [missing, setMissing] = useState(false);
  const [unreachable, setUnreachable] = useState<string | null>(null);
  const [dataAt, setDataAt] = useState<number>();
  useTitle(ex?.graph ? `Run of ${ex.graph.name}` : 'Run');
  // A read that failed (no connection, the server restarting) is not "not
  // found": the page says so and reads again until it gets an answer.
  useEffect(
    () =>
      readUntilDone(
        async (alive) => {
          const d = await gql<{ execution: (Execution & { graph: Graph | null }) | null }>(EXECUTION_Q, { id });
          if (!alive()) return null;
          if (!d.execution) {
            setMissing(true);
            return null;
          }
          const graph = d.execution.graph && (await graphWithBlocks(d.execution.graph));
          if (!alive()) return null;
          setDataAt(performance.now());
          setEx({ ...d.execution, graph });
          return null;
        },
        { unreachable: setUnreachable, gone: () => setMissing(true) },
      ),
    [id],
  );
  const nodes: GraphNode[] | null = ex?.graph?.nodes ?? null;
  const { run, error } = useLiveRun(ex ? id : null, nodes);
  // Show the stored state at once; the subscription's SNAPSHOT replaces it.
  useEffect(() => {
    if (run && ex) run.load(ex);
  }, [run, ex]);
  const flow = useMemo(() => (ex?.graph ? toFlow(ex.graph.nodes, ex.graph.links) : { nodes: [], edges: [] }), [ex]);
  if (missing) return <p className="ag-pad">Run not found. <Link to="/">Back to your graphs</Link></p>;
  if (!ex)
    return unreachable ? (
      <p className="ag-pad ag-error" role="alert" data-testid="run-unreachable">
        The run could not be loaded: {unreachable}. Trying again…
      </p>
    ) : (
      <p className="ag-pad">Loading…</p>
    );
  return (
    <RunView
      executionId={id}
      nodes={flow.nodes}
      edges={flow.edges}
      run={run}
      streamError={error}
      dataAt={dataAt}
      theme={theme}
      title={
        <h1>
          {ex.graph ? <Link to={`/graphs/${encodeURIComponent(graphRef(ex.graph))}?version=${ex.graphVersion}`}>{ex.graph.name}</Link> : 'Run'}{' '}
          <small className="ag-muted">v{ex.graphVersion} · started {new Date(ex.createdAt).toLocaleString()}</small>
        </h1>
      }
    />
  );
}
