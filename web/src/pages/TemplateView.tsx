// Another user's template, read-only. Its reader may read and fork it but not
// save or run it (the API answers both with "graph not found"), so instead of
// the editor it shows the canvas, the selected node's defaults, and a button
// that forks it into a graph of the reader's own and opens that in the editor.
import { useCallback, useMemo, useState } from 'react';
import { fork } from '../api/fork';
import type { Graph } from '../api/types';
import { Canvas } from '../canvas/Canvas';
import { toFlow } from '../canvas/convert';
import { useViewNodes } from '../canvas/useViewNodes';
import { navigate, useTitle } from '../router';

export function TemplateView({ graph, theme, dataAt }: { graph: Graph; theme: 'light' | 'dark'; dataAt?: number }) {
  useTitle(`${graph.name} (template)`);
  const flow = useMemo(() => toFlow(graph.nodes, graph.links), [graph]);
  const { nodes, onNodesChange } = useViewNodes(flow.nodes);
  const [selected, setSelected] = useState<string | null>(null);
  const onSelect = useCallback((s: { node: string | null }) => setSelected(s.node), []);
  const info = useMemo(() => ({ run: null, problems: new Map<string, string[]>() }), []);
  const [forking, setForking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const forkIt = async () => {
    setForking(true);
    setError(null);
    try {
      navigate(`/graphs/${encodeURIComponent(await fork(graph))}`);
    } catch (e) {
      setError(`Not forked: ${(e as Error).message}`);
      setForking(false);
    }
  };
  const sel = selected ? nodes.find((n) => n.id === selected) : undefined;
  return (
    <div className="ag-runpage">
      <div className="ag-toolbar">
        <h1>
          {graph.name} <small className="ag-muted">v{graph.version} · template · read-only</small>
        </h1>
        <button type="button" className="ag-primary" onClick={forkIt} disabled={forking}>
          Fork to edit and run
        </button>
        {error && (
          <span className="ag-error" role="alert">
            {error}
          </span>
        )}
      </div>
      <div className="ag-runpage-body">
        <Canvas nodes={nodes} edges={flow.edges} info={info} onNodesChange={onNodesChange} onSelect={onSelect} dataAt={dataAt} colorMode={theme} refit />
        <aside className="ag-side ag-panel">
          {graph.description && <p>{graph.description}</p>}
          {sel ? (
            <div className="ag-node-detail" data-testid="template-node">
              <h2>
                {sel.id} <small className="ag-muted">{sel.data.block?.name}</small>
              </h2>
              <h3>Default inputs</h3>
              <pre>{JSON.stringify(sel.data.inputDefault, null, 1)}</pre>
            </div>
          ) : (
            <p className="ag-muted">Select a node to see its defaults. Fork the template to edit and run a copy of your own.</p>
          )}
        </aside>
      </div>
    </div>
  );
}
