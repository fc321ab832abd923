// A graph: the canvas editor (palette, pins, links, defaults, versions,
// validation as you edit) and, beside it, the run form, the live run and the
// graph's run history.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ReactFlowProvider, addEdge, useEdgesState, useNodesState, useReactFlow, type Connection, type Edge } from '@xyflow/react';
import { GraphQLError, gql, subscribe } from '../api/client';
import {
  BLOCKS,
  CREATE_GRAPH,
  EXECUTE,
  GRAPH,
  GRAPH_EXECUTIONS,
  HISTORY,
  SET_ACTIVE,
  UPDATE_GRAPH,
  VALIDATE,
  graphRef,
} from '../api/queries';
import type { Block, Graph, Problem, Status } from '../api/types';
import { Canvas } from '../canvas/Canvas';
import type { BlockFlowNode } from '../canvas/BlockNode';
import { edgeId, newKey, toFlow, toGraphInput } from '../canvas/convert';
import { DefaultsForm } from '../editor/DefaultsForm';
import { Palette } from '../editor/Palette';
import { Link, navigate } from '../router';
import { NodeDetail, RunSummaryPanel } from '../run/RunPanel';
import { useLiveRun } from '../run/useLiveRun';

let blocksCache: Promise<Block[]> | null = null;
export function loadBlocks(): Promise<Block[]> {
  blocksCache ??= gql<{ blocks: Block[] }>(BLOCKS).then((d) => d.blocks);
  return blocksCache;
}

interface RunRow {
  id: string;
  graphVersion: number;
  status: Status;
  createdAt: string;
  endedAt: string | null;
}

function History({ graphId }: { graphId: string }) {
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
    <section aria-label="Run history" className="ag-history" data-testid="history">
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

/** Parses what was typed into a run input: JSON when it is JSON (21, true, [1]), else the text. */
function parseInput(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

interface EditorProps {
  id: string | null;
  version: number | null;
  theme: 'light' | 'dark';
}

function Editor({ id, version, theme }: EditorProps) {
  const rf = useReactFlow();
  const [graph, setGraph] = useState<Graph | null>(null);
  const [notFound, setNotFound] = useState(false);
  const [blocks, setBlocks] = useState<Block[]>([]);
  const [nodes, setNodes, onNodesChange] = useNodesState<BlockFlowNode>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>([]);
  const [name, setName] = useState('Untitled graph');
  const [dirty, setDirty] = useState(false);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [selected, setSelected] = useState<{ node: string | null; edge: string | null }>({ node: null, edge: null });
  const [runId, setRunId] = useState<string | null>(null);
  const [runInputs, setRunInputs] = useState<Record<string, string>>({});
  const [dataAt, setDataAt] = useState<number | undefined>(undefined);
  const [tab, setTab] = useState<'node' | 'run' | 'history'>('run');

  useEffect(() => {
    loadBlocks().then(setBlocks, () => setBlocks([]));
  }, []);

  const show = useCallback(
    (g: Graph) => {
      performance.mark('graph-data');
      setDataAt(performance.now());
      setGraph(g);
      setName(g.name);
      const f = toFlow(g.nodes, g.links);
      setNodes(f.nodes);
      setEdges(f.edges);
      setDirty(false);
    },
    [setNodes, setEdges],
  );

  useEffect(() => {
    if (!id) {
      setTab('node');
      return;
    }
    gql<{ graph: Graph | null }>(GRAPH, { id, version })
      .then((d) => (d.graph ? show(d.graph) : setNotFound(true)))
      .catch((e) => setMessage(e.message));
  }, [id, version, show]);

  // Any change but a move or a selection is an edit to save.
  const onNodesChangeTracked: typeof onNodesChange = (changes) => {
    onNodesChange(changes);
    if (changes.some((c) => c.type === 'remove' || (c.type === 'position' && c.dragging === false) || c.type === 'add')) setDirty(true);
  };
  const onEdgesChangeTracked: typeof onEdgesChange = (changes) => {
    onEdgesChange(changes);
    if (changes.some((c) => c.type === 'remove' || c.type === 'add')) setDirty(true);
  };

  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.sourceHandle || !c.targetHandle) return;
      setEdges((es) => addEdge({ ...c, id: edgeId(c.source, c.sourceHandle!, c.target, c.targetHandle!) }, es));
      setDirty(true);
    },
    [setEdges],
  );
  const isValidConnection = useCallback(
    (c: Connection | Edge) => c.source !== c.target && !edges.some((e) => e.source === c.source && e.target === c.target && e.sourceHandle === c.sourceHandle && e.targetHandle === c.targetHandle),
    [edges],
  );

  const addBlock = (b: Block) => {
    const taken = new Set(nodes.map((n) => n.id));
    const key = newKey(b, taken);
    const box = document.querySelector('.ag-canvas')?.getBoundingClientRect();
    const center = box ? rf.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 3 }) : { x: 0, y: 0 };
    // Beside the last node added, so a chain reads left to right; then the
    // view fits the graph so the new node is in sight.
    const last = nodes[nodes.length - 1];
    const position = last ? { x: last.position.x + 300, y: last.position.y } : { x: center.x - 100, y: center.y };
    const inputDefault: Record<string, unknown> = {};
    // Graph inputs (AgentInputBlock and AutoGPT's typed inputs) and outputs are
    // named by their key until the user renames them.
    if (b.blockType === 'INPUT' || b.blockType === 'OUTPUT') inputDefault.name = key;
    const node: BlockFlowNode = {
      id: key,
      type: 'block',
      position,
      data: { key, label: '', block: b, blockId: b.id, inputDefault, metadata: {} },
      selected: true,
    };
    setNodes((ns) => [...ns.map((n) => ({ ...n, selected: false })), node]);
    setSelected({ node: key, edge: null });
    setTab('node');
    setDirty(true);
    requestAnimationFrame(() => void rf.fitView({ padding: 0.25, maxZoom: 1 }));
  };

  const updateNode = (key: string, patch: Partial<BlockFlowNode['data']>) => {
    setNodes((ns) => ns.map((n) => (n.id === key ? { ...n, data: { ...n.data, ...patch } } : n)));
    setDirty(true);
  };
  const deleteNode = (key: string) => {
    setNodes((ns) => ns.filter((n) => n.id !== key));
    setEdges((es) => es.filter((e) => e.source !== key && e.target !== key));
    setSelected({ node: null, edge: null });
    setDirty(true);
  };
  const deleteEdge = (eid: string) => {
    setEdges((es) => es.filter((e) => e.id !== eid));
    setSelected({ node: null, edge: null });
    setDirty(true);
  };

  // validateGraph runs as you edit (not on moves: positions cannot make a
  // graph invalid), debounced so typing in a field sends one request.
  const structure = useMemo(
    () => JSON.stringify(toGraphInput(name, null, nodes.map((n) => ({ ...n, position: { x: 0, y: 0 } })), edges)),
    [name, nodes, edges],
  );
  useEffect(() => {
    if (nodes.length === 0 || !dirty) return;
    const t = setTimeout(() => {
      gql<{ validateGraph: Problem[] }>(VALIDATE, { input: JSON.parse(structure) })
        .then((d) => setProblems(d.validateGraph))
        .catch(() => undefined);
    }, 400);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [structure]);

  const problemsByKey = useMemo(() => {
    const m = new Map<string, string[]>();
    for (const p of problems) for (const k of p.nodeKeys) m.set(k, [...(m.get(k) ?? []), p.message]);
    return m;
  }, [problems]);
  const shownEdges = useMemo(() => {
    const bad = new Map<number, string>();
    for (const p of problems) if (p.linkIndex !== null && p.linkIndex !== undefined) bad.set(p.linkIndex, p.message);
    if (bad.size === 0) return edges;
    return edges.map((e, i) => (bad.has(i) ? { ...e, className: 'ag-edge-problem', label: bad.get(i), animated: false } : e));
  }, [edges, problems]);

  const save = async () => {
    setSaving(true);
    setMessage(null);
    const input = toGraphInput(name, graph?.description ?? null, nodes, edges);
    try {
      if (graph) {
        const d = await gql<{ updateGraph: Graph }>(UPDATE_GRAPH, { id: graphRef(graph), input });
        show(d.updateGraph);
        setMessage(`Saved as version ${d.updateGraph.version}.`);
        history.replaceState(null, '', `/graphs/${encodeURIComponent(graphRef(d.updateGraph))}`);
      } else {
        const d = await gql<{ createGraph: Graph }>(CREATE_GRAPH, { input });
        show(d.createGraph);
        setMessage('Saved as version 1.');
        history.replaceState(null, '', `/graphs/${encodeURIComponent(graphRef(d.createGraph))}`);
      }
      setProblems([]);
    } catch (e) {
      // The edits stay on the canvas; the problems show where they are.
      if (e instanceof GraphQLError && e.code === 'VALIDATION_FAILED') {
        const ps = (e.errors[0].extensions?.problems as Problem[] | undefined) ?? [];
        if (ps.length) setProblems(ps);
        setMessage(`Not saved: ${e.message}`);
      } else setMessage(`Not saved: ${(e as Error).message}`);
    } finally {
      setSaving(false);
    }
  };

  const setActive = async () => {
    if (!graph) return;
    try {
      await gql(SET_ACTIVE, { id: graphRef(graph), version: graph.version });
      setGraph({ ...graph, isActive: true, versions: graph.versions?.map((v) => ({ ...v, isActive: v.version === graph.version })) });
      setMessage(`Version ${graph.version} is now active.`);
    } catch (e) {
      setMessage((e as Error).message);
    }
  };

  const inputNodes = nodes.filter((n) => n.data.block?.blockType === 'INPUT');
  const start = async () => {
    if (!graph) return;
    const inputs: Record<string, unknown> = {};
    for (const n of inputNodes) {
      const nm = String(n.data.inputDefault.name ?? n.id);
      if (runInputs[nm] !== undefined && runInputs[nm] !== '') inputs[nm] = parseInput(runInputs[nm]);
    }
    try {
      const d = await gql<{ executeGraph: { id: string } }>(EXECUTE, { id: graphRef(graph), version: graph.version, inputs });
      setRunId(d.executeGraph.id);
      setTab('run');
    } catch (e) {
      setMessage(`Run refused: ${(e as Error).message}`);
    }
  };

  // The run's node ids are those of the saved version on the canvas.
  const { run, error: streamError } = useLiveRun(runId, runId ? (graph?.nodes ?? null) : null);
  const info = useMemo(() => ({ run: dirty ? null : run, problems: problemsByKey }), [run, dirty, problemsByKey]);

  if (notFound) return <p className="ag-pad">Graph not found. <Link to="/">Back to your graphs</Link></p>;
  const sel = selected.node ? nodes.find((n) => n.id === selected.node) : undefined;

  return (
    <div className="ag-editor">
      <div className="ag-toolbar">
        <label htmlFor="graph-name" className="ag-sr">
          Graph name
        </label>
        <input id="graph-name" value={name} onChange={(e) => (setName(e.target.value), setDirty(true))} />
        {graph && (
          <>
            <label htmlFor="graph-version">Version</label>
            <select id="graph-version" value={graph.version} onChange={(e) => navigate(`/graphs/${encodeURIComponent(graphRef(graph))}?version=${e.target.value}`)}>
              {(graph.versions ?? [{ version: graph.version, isActive: graph.isActive }]).map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                  {v.isActive ? ' (active)' : ''}
                </option>
              ))}
            </select>
            {!graph.isActive && (
              <button type="button" onClick={setActive}>
                Make active
              </button>
            )}
          </>
        )}
        <button type="button" onClick={save} disabled={saving || (!dirty && Boolean(graph)) || nodes.length === 0}>
          {graph ? 'Save as new version' : 'Save'}
        </button>
        <span className="ag-muted" role="status" data-testid="editor-status">
          {dirty ? 'Unsaved changes' : graph ? `v${graph.version} saved` : ''}
          {problems.length > 0 && ` · ${problems.length} problem${problems.length > 1 ? 's' : ''}`}
        </span>
        {message && <span className="ag-message" data-testid="editor-message">{message}</span>}
      </div>
      <div className="ag-editor-body">
        <Palette blocks={blocks} onAdd={addBlock} />
        <Canvas
          nodes={nodes}
          edges={shownEdges}
          info={info}
          editable
          onNodesChange={onNodesChangeTracked}
          onEdgesChange={onEdgesChangeTracked}
          onConnect={onConnect}
          isValidConnection={isValidConnection}
          onSelect={(s) => {
            setSelected(s);
            if (s.node || s.edge) setTab('node');
          }}
          dataAt={dataAt}
          colorMode={theme}
        />
        <aside className="ag-side">
          <div role="tablist" className="ag-tabs">
            {(['node', 'run', 'history'] as const).map((t) => (
              <button key={t} role="tab" type="button" aria-selected={tab === t} onClick={() => setTab(t)}>
                {t === 'node' ? 'Selection' : t === 'run' ? 'Run' : 'History'}
              </button>
            ))}
          </div>
          {tab === 'node' && (
            <div className="ag-panel">
              {problems.length > 0 && (
                <ul className="ag-problems" aria-label="Problems" data-testid="problems">
                  {problems.map((p, i) => (
                    <li key={i}>
                      <b>{p.code}</b> {p.message}
                    </li>
                  ))}
                </ul>
              )}
              {sel ? (
                <>
                  <h2>
                    {sel.id} <small className="ag-muted">{sel.data.block?.name}</small>
                  </h2>
                  <div className="ag-field">
                    <label htmlFor="node-label">Label</label>
                    <input id="node-label" value={sel.data.label} onChange={(e) => updateNode(sel.id, { label: e.target.value })} />
                  </div>
                  {sel.data.block && <DefaultsForm nodeKey={sel.id} schema={sel.data.block.inputSchema} value={sel.data.inputDefault} onChange={(v) => updateNode(sel.id, { inputDefault: v })} />}
                  <button type="button" onClick={() => deleteNode(sel.id)}>
                    Delete node
                  </button>
                  {run && <NodeDetail run={run} nodeKey={sel.id} />}
                </>
              ) : selected.edge ? (
                <>
                  <h2>Link</h2>
                  <p>{selected.edge}</p>
                  <button type="button" onClick={() => deleteEdge(selected.edge!)}>
                    Delete link
                  </button>
                </>
              ) : (
                <p className="ag-muted">Add blocks from the palette, drag from an output pin to an input pin to link them, and select a node to edit its defaults.</p>
              )}
            </div>
          )}
          {tab === 'run' && (
            <div className="ag-panel">
              {!graph ? (
                <p className="ag-muted">Save the graph to run it.</p>
              ) : (
                <form
                  className="ag-form"
                  aria-label="Run inputs"
                  onSubmit={(e) => {
                    e.preventDefault();
                    void start();
                  }}
                >
                  <h2>Inputs</h2>
                  {inputNodes.length === 0 && <p className="ag-muted">This graph has no input block.</p>}
                  {inputNodes.map((n) => {
                    const nm = String(n.data.inputDefault.name ?? n.id);
                    return (
                      <div className="ag-field" key={n.id}>
                        <label htmlFor={`run-input-${nm}`}>{nm}</label>
                        <input
                          id={`run-input-${nm}`}
                          data-run-input={nm}
                          value={runInputs[nm] ?? ''}
                          placeholder={n.data.inputDefault.value !== undefined ? JSON.stringify(n.data.inputDefault.value) : 'a value (JSON or text)'}
                          onChange={(e) => setRunInputs({ ...runInputs, [nm]: e.target.value })}
                        />
                      </div>
                    );
                  })}
                  <button type="submit" disabled={dirty} title={dirty ? 'Save the changes first: a run uses a saved version' : undefined}>
                    Run v{graph.version}
                  </button>
                  {dirty && <p className="ag-muted">Save the changes first: a run uses a saved version.</p>}
                </form>
              )}
              {runId && <RunSummaryPanel run={run} executionId={runId} streamError={streamError} />}
            </div>
          )}
          {tab === 'history' && graph && <History graphId={graphRef(graph)} />}
        </aside>
      </div>
    </div>
  );
}

export function GraphPage(props: EditorProps) {
  return (
    <ReactFlowProvider>
      <Editor {...props} />
    </ReactFlowProvider>
  );
}
