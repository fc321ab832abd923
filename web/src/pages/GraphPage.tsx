// A graph: the canvas editor (palette, pins, links, defaults, deletion,
// versions, validation as you edit) and, beside it, the run form, the live
// run, the graph's run history and its triggers (triggers/*). Edits are a
// draft (editor/draft.ts) kept across reloads until saved as a new version:
// moving a node is an edit too, one that leaves the version runnable as it is.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ReactFlowProvider, addEdge, useEdgesState, useNodesState, useReactFlow, type Connection, type Edge } from '@xyflow/react';
import { graphWithBlocks, loadBlocks } from '../api/blocks';
import { GraphQLError, gql } from '../api/client';
import { CREATE_GRAPH, EXECUTE, GRAPH, SET_ACTIVE, UPDATE_GRAPH, VALIDATE, graphRef } from '../api/queries';
import { getToken } from '../api/session';
import { freeName, untitled, untitledName } from '../api/names';
import type { Block, Graph, Problem } from '../api/types';
import { Canvas } from '../canvas/Canvas';
import { revealAdded } from '../canvas/reveal';
import type { BlockFlowNode, BlockNodeData } from '../canvas/BlockNode';
import { blockFlowNode, edgeId, newKey, toFlow, toGraphInput, withData } from '../canvas/convert';
import { DefaultsForm } from '../editor/DefaultsForm';
import { GraphDetails, type About } from '../editor/GraphDetails';
import { draftKey, dropDraft, loadDraft, saveDraft } from '../editor/draft';
import { Palette } from '../editor/Palette';
import { markEdges, problemsByNode } from '../editor/problems';
import { Link, navigate, useTitle } from '../router';
import { graphTabs, tabLabel, useGraphTab, withTab } from '../editor/tabs';
import { NodeDetail, RunSummaryPanel } from '../run/RunPanel';
import { RunHistory } from '../run/RunHistory';
import { TriggersPanel } from '../triggers/TriggersPanel';
import { CredentialsLink } from '../run/CredentialsLink';
import { useLiveRun } from '../run/useLiveRun';
import { TemplateView } from './TemplateView';
import { inputPlaceholder, secretField, runInputValue } from '../run/inputs';

/**
 * The nodes' data, as one array that changes only when some node's data
 * does: moves and selections give new node objects with the same data, and
 * must not cost a new validation (positions cannot make a graph invalid).
 */
function useNodeData(nodes: BlockFlowNode[]): BlockNodeData[] {
  const ref = useRef<BlockNodeData[]>([]);
  const cur = ref.current;
  if (cur.length !== nodes.length || nodes.some((n, i) => n.data !== cur[i])) ref.current = nodes.map((n) => n.data);
  return ref.current;
}

const noAbout: About = { description: '', isTemplate: false };

interface EditorProps {
  /** The key App gives this editor; its URL after a save keeps it (history state), so it is not mounted again. */
  editorKey: string;
  /** The signed-in user's id: another user's graph (a template) is shown read-only. */
  meId: string;
  id: string | null;
  version: number | null;
  theme: 'light' | 'dark';
}

function Editor({ editorKey, meId, id, version, theme }: EditorProps) {
  const rf = useReactFlow();
  const [graph, setGraph] = useState<Graph | null>(null);
  const [notFound, setNotFound] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [blocks, setBlocks] = useState<Block[] | null>(null);
  const [nodes, setNodes, onNodesChange] = useNodesState<BlockFlowNode>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>([]);
  const [name, setName] = useState(untitled);
  const [about, setAbout] = useState<About>(noAbout);
  useTitle(name.trim() || untitled);
  // Unsaved edits: `edited` for anything a run would see, `moved` for positions only.
  const [edited, setEdited] = useState(false);
  const [moved, setMoved] = useState(false);
  const unsaved = edited || moved;
  const [problems, setProblems] = useState<Problem[]>([]);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [fromDraft, setFromDraft] = useState(false);
  const [selected, setSelected] = useState<{ node: string | null; edge: string | null }>({ node: null, edge: null });
  // The run started here, with the version it ran: its node ids are that version's.
  const [started, setStarted] = useState<{ id: string; graph: Graph } | null>(null);
  const [runInputs, setRunInputs] = useState<Record<string, string>>({});
  const [runRefused, setRunRefused] = useState<string | null>(null);
  // While executeGraph is on its way: a second click (a double-click) started a second run.
  const [starting, setStarting] = useState(false);
  const startingNow = useRef(false);
  const [dataAt, setDataAt] = useState<number | undefined>(undefined);
  // A new graph opens on its Selection (its details), a stored one on its Run.
  const [tab, setTab] = useGraphTab(id ? 'run' : 'selection', id !== null);
  // The Triggers tab stays mounted, hidden, once opened: a webhook's new
  // secret is shown only once and a schedule being written is the user's
  // typing; a look at the History must not lose either.
  const [triggersOpened, setTriggersOpened] = useState(false);
  if (tab === 'triggers' && !triggersOpened) setTriggersOpened(true);
  // Any edit clears the toolbar's last message ("Saved as version 2."…), which was otherwise there for good.
  const edit = useCallback(() => {
    setEdited(true);
    setMessage(null);
  }, []);

  useEffect(() => {
    loadBlocks().then(setBlocks, () => setBlocks([]));
  }, []);

  const show = useCallback(
    (g: Graph) => {
      performance.mark('graph-data');
      setDataAt(performance.now());
      setGraph(g);
      // A run of another version (the one just saved over) is not this canvas's: its
      // statuses would show on nodes that did not run. It stays in the History tab.
      setStarted((r) => (r && r.graph.id === g.id ? r : null));
      setName(g.name);
      setAbout({ description: g.description ?? '', isTemplate: g.isTemplate });
      const f = toFlow(g.nodes, g.links);
      setNodes(f.nodes);
      setEdges(f.edges);
      setEdited(false);
      setMoved(false);
      setFromDraft(false);
    },
    [setNodes, setEdges],
  );

  // The graph shown, as id@version: a save shows what it saved, then puts its URL in the address bar.
  const shownAs = useRef<string | null>(null);
  useEffect(() => {
    if (!id) return;
    if (shownAs.current === `${id}@${version}`) return;
    gql<{ graph: Graph | null }>(GRAPH, { id, version })
      .then(async (d) => (d.graph ? show(await graphWithBlocks(d.graph)) : setNotFound(true)))
      // An id that is no graph's id at all (BAD_USER_INPUT) names no graph either.
      .catch((e) => (e instanceof GraphQLError && e.code === 'BAD_USER_INPUT' ? setNotFound(true) : setLoadError(e.message)));
  }, [id, version, show]);

  // The draft of this version (or of the new graph), once it is known which
  // version is shown: restored over it once, then kept as edits go on.
  const dKey = id === null ? draftKey(null, null) : graph ? draftKey(graphRef(graph), graph.version) : null;
  const [restored, setRestored] = useState(false);
  useEffect(() => {
    if (restored || dKey === null || blocks === null) return;
    const byId = new Map(blocks.map((b) => [b.id, b]));
    for (const n of graph?.nodes ?? []) if (n.block) byId.set(n.blockId, n.block);
    const d = loadDraft(dKey, (blockId) => byId.get(blockId) ?? null);
    if (d) {
      setNodes(d.nodes);
      setEdges(d.edges);
      setName(d.name);
      if (d.about) setAbout(d.about);
      setEdited(d.structural);
      setMoved(true);
      setFromDraft(true);
    }
    setRestored(true);
  }, [restored, dKey, blocks, graph, setNodes, setEdges]);

  // Kept a quarter second after the last change (not on every frame of a
  // drag), and at once when the page goes or the editor closes.
  const flush = useRef<(() => void) | null>(null);
  flush.current =
    restored && unsaved && dKey !== null ? () => getToken() && saveDraft(dKey, { name, about, structural: edited, nodes, edges }) : null;
  useEffect(() => {
    if (!restored || !unsaved) return;
    const t = setTimeout(() => flush.current?.(), 250);
    return () => clearTimeout(t);
  }, [restored, unsaved, edited, name, about, nodes, edges]);
  useEffect(() => {
    const f = () => flush.current?.();
    window.addEventListener('pagehide', f);
    return () => {
      window.removeEventListener('pagehide', f);
      f();
    };
  }, []);

  const onNodesChangeTracked: typeof onNodesChange = useCallback(
    (changes) => {
      onNodesChange(changes);
      if (changes.some((c) => c.type === 'remove' || c.type === 'add' || c.type === 'replace')) edit();
      else if (changes.some((c) => c.type === 'position' && c.dragging === false)) {
        setMoved(true);
        setMessage(null);
      }
    },
    [onNodesChange, edit],
  );
  const onEdgesChangeTracked: typeof onEdgesChange = useCallback(
    (changes) => {
      onEdgesChange(changes);
      if (changes.some((c) => c.type === 'remove' || c.type === 'add' || c.type === 'replace')) edit();
    },
    [onEdgesChange, edit],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.sourceHandle || !c.targetHandle) return;
      setEdges((es) => addEdge({ ...c, id: edgeId(c.source, c.sourceHandle!, c.target, c.targetHandle!) }, es));
      edit();
    },
    [setEdges, edit],
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
    // view shows it (canvas/reveal.ts).
    const last = nodes[nodes.length - 1];
    const position = last ? { x: last.position.x + 300, y: last.position.y } : { x: center.x - 100, y: center.y };
    const inputDefault: Record<string, unknown> = {};
    // Graph inputs (AgentInputBlock and AutoGPT's typed inputs) and outputs are
    // named by their key until the user renames them.
    if (b.blockType === 'INPUT' || b.blockType === 'OUTPUT') inputDefault.name = key;
    const node = blockFlowNode({ key, label: '', block: b, blockId: b.id, inputDefault, metadata: {} }, position, true);
    setNodes((ns) => [...ns.map((n) => ({ ...n, selected: false })), node]);
    setSelected({ node: key, edge: null });
    setTab('selection');
    edit();
    if (box) requestAnimationFrame(() => revealAdded(rf, box, [...nodes, node], node, last));
  };

  const updateNode = (key: string, patch: Partial<BlockFlowNode['data']>) => {
    setNodes((ns) => ns.map((n) => (n.id === key ? withData(n, patch) : n)));
    edit();
  };
  // The buttons' way; Delete and Backspace on the canvas do the same through React Flow.
  const deleteNode = (key: string) => {
    setNodes((ns) => ns.filter((n) => n.id !== key));
    setEdges((es) => es.filter((e) => e.source !== key && e.target !== key));
    setSelected({ node: null, edge: null });
    edit();
  };
  const deleteEdge = (eid: string) => {
    setEdges((es) => es.filter((e) => e.id !== eid));
    setSelected({ node: null, edge: null });
    edit();
  };

  // validateGraph runs as you edit, debounced so typing in a field sends one
  // request; moves and selections do not change what it is sent.
  const nodeData = useNodeData(nodes);
  // Selecting a link gives new edges with the same links: compared as text.
  const links = useMemo(() => JSON.stringify(toGraphInput('', null, [], edges).links), [edges]);
  const structure = useMemo(
    () => (edited ? JSON.stringify({ ...toGraphInput(name, null, nodeData.map((data) => ({ data, position: { x: 0, y: 0 } })), []), links: JSON.parse(links) }) : ''),
    [edited, name, nodeData, links],
  );
  useEffect(() => {
    if (!structure) return;
    if (nodeData.length === 0) {
      setProblems([]);
      return;
    }
    const t = setTimeout(() => {
      gql<{ validateGraph: Problem[] }>(VALIDATE, { input: JSON.parse(structure) })
        .then((d) => setProblems(d.validateGraph))
        .catch(() => undefined);
    }, 400);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [structure]);

  const problemsByKey = useMemo(() => problemsByNode(problems), [problems]);
  const shownEdges = useMemo(() => markEdges(edges, problems), [edges, problems]);

  const save = async () => {
    setSaving(true);
    setMessage(null);
    const savedFrom = dKey;
    try {
      // A new graph left with the default name gets the first free one.
      const input = toGraphInput(!graph && name.trim() === untitled ? await freeName(untitledName) : name, about, nodes, edges);
      const saved = graph
        ? (await gql<{ updateGraph: Graph }>(UPDATE_GRAPH, { id: graphRef(graph), input })).updateGraph
        : (await gql<{ createGraph: Graph }>(CREATE_GRAPH, { input })).createGraph;
      if (savedFrom) dropDraft(savedFrom);
      show(await graphWithBlocks(saved));
      setMessage(`Saved as version ${saved.version}.`);
      // The saved version is the active one, the graph's URL without a version.
      shownAs.current = `${graphRef(saved)}@null`;
      navigate(withTab(`/graphs/${encodeURIComponent(graphRef(saved))}`, tab), { replace: true, state: { editorKey } });
      setProblems([]);
    } catch (e) {
      // The edits stay on the canvas (and in the draft); the problems show where they are.
      if (e instanceof GraphQLError && e.code === 'VALIDATION_FAILED') {
        const ps = (e.errors[0].extensions?.problems as Problem[] | undefined) ?? [];
        if (ps.length) setProblems(ps);
        setMessage(`Not saved: ${e.message}`);
      } else setMessage(`Not saved: ${(e as Error).message}`);
    } finally {
      setSaving(false);
    }
  };

  const discard = () => {
    if (dKey) dropDraft(dKey);
    setFromDraft(false);
    setProblems([]);
    setMessage('Unsaved changes discarded.');
    if (graph) show(graph);
    else {
      setNodes([]);
      setEdges([]);
      setName(untitled);
      setAbout(noAbout);
      setEdited(false);
      setMoved(false);
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
  // Each input's schema, by name, as the saved version declares it (a run needs it saved).
  const inputSchemaOf = (nm: string) => graph?.inputSchema?.properties?.[nm];
  const start = async () => {
    if (!graph || startingNow.current) return;
    const inputs: Record<string, unknown> = {};
    for (const n of inputNodes) {
      const nm = String(n.data.inputDefault.name ?? n.id);
      if (runInputs[nm] !== undefined && runInputs[nm] !== '') inputs[nm] = runInputValue(runInputs[nm], inputSchemaOf(nm));
    }
    startingNow.current = true;
    setStarting(true);
    try {
      const d = await gql<{ executeGraph: { id: string } }>(EXECUTE, { id: graphRef(graph), version: graph.version, inputs });
      setStarted({ id: d.executeGraph.id, graph });
      setRunRefused(null);
      setTab('run');
    } catch (e) {
      setRunRefused(`Run refused: ${(e as Error).message}`);
    } finally {
      startingNow.current = false;
      setStarting(false);
    }
  };

  // The run's statuses show while the canvas still is the version it ran (moves aside).
  const { run, error: streamError } = useLiveRun(started?.id ?? null, started?.graph.nodes ?? null);
  const info = useMemo(() => ({ run: edited ? null : run, problems: problemsByKey }), [run, edited, problemsByKey]);
  const onSelect = useCallback((s: { node: string | null; edge: string | null }) => {
    setSelected(s);
    if (s.node || s.edge) setTab('selection');
  }, [setTab]);

  if (notFound) return <p className="ag-pad">Graph not found. <Link to="/">Back to your graphs</Link></p>;
  // Not an empty editor that a save would turn into a new graph.
  if (loadError)
    return (
      <p className="ag-pad ag-error" role="alert">
        The graph could not be loaded: {loadError} <Link to="/">Back to your graphs</Link>
      </p>
    );
  if (graph && graph.owner?.id !== meId) return <TemplateView graph={graph} theme={theme} dataAt={dataAt} />;
  const sel = selected.node ? nodes.find((n) => n.id === selected.node) : undefined;
  const selEdge = selected.edge ? edges.find((e) => e.id === selected.edge) : undefined;
  const status = edited ? 'Unsaved changes' : moved ? 'Unsaved changes (positions only)' : graph ? `v${graph.version} saved` : '';

  return (
    <div className="ag-editor">
      <div className="ag-toolbar">
        <label htmlFor="graph-name" className="ag-sr">
          Graph name
        </label>
        <input id="graph-name" value={name} onChange={(e) => (setName(e.target.value), edit())} />
        {graph && (
          <>
            <label htmlFor="graph-version">Version</label>
            <select id="graph-version" value={graph.version} onChange={(e) => navigate(withTab(`/graphs/${encodeURIComponent(graphRef(graph))}?version=${e.target.value}`, tab))}>
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
        <button type="button" onClick={save} disabled={saving || (!unsaved && Boolean(graph)) || nodes.length === 0}>
          {graph ? 'Save as new version' : 'Save'}
        </button>
        {unsaved && (
          <button type="button" onClick={discard}>
            Discard changes
          </button>
        )}
        <span className="ag-muted" role="status" data-testid="editor-status" data-unsaved={edited ? 'edits' : moved ? 'positions' : 'none'}>
          {status}
          {problems.length > 0 && ` · ${problems.length} problem${problems.length > 1 ? 's' : ''}`}
        </span>
        {fromDraft && (
          <span className="ag-message" data-testid="draft-restored">
            Restored your unsaved changes.
          </span>
        )}
        {message && <span className="ag-message" data-testid="editor-message">{message}</span>}
      </div>
      <div className="ag-editor-body">
        <Palette blocks={blocks ?? []} onAdd={addBlock} />
        <Canvas
          nodes={nodes}
          edges={shownEdges}
          info={info}
          editable
          onNodesChange={onNodesChangeTracked}
          onEdgesChange={onEdgesChangeTracked}
          onConnect={onConnect}
          isValidConnection={isValidConnection}
          onSelect={onSelect}
          dataAt={dataAt}
          colorMode={theme}
        />
        <aside className="ag-side">
          <div role="tablist" className="ag-tabs">
            {graphTabs.map((t) => (
              <button key={t} role="tab" type="button" aria-selected={tab === t} onClick={() => setTab(t, true)}>
                {tabLabel[t]}
              </button>
            ))}
          </div>
          {tab === 'selection' && (
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
                  <button type="button" onClick={() => deleteNode(sel.id)} aria-keyshortcuts="Delete Backspace" title="Delete the node and its links (Delete or Backspace on the canvas)">
                    Delete node
                  </button>
                  {run && <NodeDetail run={run} nodeKey={sel.id} />}
                </>
              ) : selEdge ? (
                <>
                  <h2>Link</h2>
                  <p data-testid="selected-link">
                    {selEdge.source}.{selEdge.sourceHandle} → {selEdge.target}.{selEdge.targetHandle}
                  </p>
                  <button type="button" onClick={() => deleteEdge(selEdge.id)} aria-keyshortcuts="Delete Backspace" title="Delete the link (Delete or Backspace on the canvas)">
                    Delete link
                  </button>
                </>
              ) : (
                <>
                  <GraphDetails about={about} onChange={(a) => (setAbout(a), edit())} />
                  <p className="ag-muted">
                    Add blocks from the palette, drag from an output pin to an input pin to link them, and select a node to edit its defaults. Delete or Backspace deletes what is selected.
                  </p>
                </>
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
                          {...secretField(inputSchemaOf(nm))}
                          value={runInputs[nm] ?? ''}
                          placeholder={inputPlaceholder(n.data.inputDefault.value, inputSchemaOf(nm))}
                          onChange={(e) => setRunInputs({ ...runInputs, [nm]: e.target.value })}
                        />
                      </div>
                    );
                  })}
                  <button type="submit" disabled={edited || starting} title={edited ? 'Save the changes first: a run uses a saved version' : undefined}>
                    Run v{graph.version}
                  </button>
                  {edited && <p className="ag-muted">Save the changes first: a run uses a saved version.</p>}
                  {runRefused && (
                    <p className="ag-error" role="alert" data-testid="run-refused">
                      {runRefused}
                      <CredentialsLink message={runRefused} />
                    </p>
                  )}
                </form>
              )}
              {started && (
                <RunSummaryPanel
                  run={run}
                  executionId={started.id}
                  streamError={streamError}
                  // The same version again: followed here, as Run's runs are.
                  onRerun={(id) => setStarted((s) => s && { id, graph: s.graph })}
                />
              )}
            </div>
          )}
          {tab === 'history' && graph && <RunHistory graphId={graphRef(graph)} />}
          {triggersOpened && (
            <div hidden={tab !== 'triggers'}>
              <TriggersPanel key={graph ? graphRef(graph) : 'new'} graph={graph} />
            </div>
          )}
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
