// The React Flow canvas shared by the editor, the run page and the shared
// run page. It reports its first complete render (every node ready, and the
// frame that shows them painted) as a Performance API measure,
// `graph-render`, from the moment the data arrived.
import { useCallback, useEffect, useMemo, useRef } from 'react';
import {
  Background,
  Controls,
  ReactFlow,
  useNodesInitialized,
  useStore,
  type Edge,
  type OnConnect,
  type OnEdgesChange,
  type OnNodesChange,
  type IsValidConnection,
  type OnSelectionChangeFunc,
} from '@xyflow/react';
import { CanvasContext, type CanvasInfo } from './context';
import './givenSizes';
import { nodeTypes, type BlockFlowNode } from './BlockNode';
import { StatusMiniMap } from './StatusMiniMap';
import { FitView, useOwnView } from './FitView';

interface Props {
  nodes: BlockFlowNode[];
  edges: Edge[];
  info: CanvasInfo;
  editable?: boolean;
  onNodesChange?: OnNodesChange<BlockFlowNode>;
  onEdgesChange?: OnEdgesChange;
  onConnect?: OnConnect;
  isValidConnection?: IsValidConnection;
  onSelect?: (sel: { node: string | null; edge: string | null }) => void;
  /** performance.now() when the graph's data arrived; the render is measured from it. */
  dataAt?: number;
  colorMode: 'light' | 'dark';
  /** Fit the view to the graph again when the canvas is resized or gains nodes (FitView). */
  refit?: boolean;
}

/**
 * Calls f once the frame being drawn now has been painted: the animation
 * frame callback runs before that frame's style, layout and paint, and a
 * message posted from it is handled only after them.
 */
function afterNextPaint(f: () => void) {
  requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => f();
    ch.port2.postMessage(null);
  });
}

function RenderMark({ dataAt, count }: { dataAt?: number; count: number }) {
  const initialized = useNodesInitialized();
  const done = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (!initialized || dataAt === undefined || done.current === dataAt || count === 0) return;
    done.current = dataAt;
    // Every node has its size and handles: the first frame painted after
    // this commit is the first complete picture.
    afterNextPaint(() => {
      const m = performance.measure('graph-render', { start: dataAt, end: performance.now() });
      (window as unknown as { __agRender?: { nodes: number; ms: number } }).__agRender = { nodes: count, ms: m.duration };
    });
  }, [initialized, dataAt, count]);
  return null;
}

/**
 * Below this zoom a node's text is a few pixels high: nodes are drawn as
 * their box filled with their status colour and their title, without pins
 * or outputs (BlockNode's FarNode).
 * A 500-node graph fitted to the view is far below it; zooming in draws the
 * pins again, of the nodes in view only (onlyRenderVisibleElements).
 */
export const farZoom = 0.4;

export function Canvas(p: Props) {
  const big = p.nodes.length > 300;
  const far = useStore((s) => s.transform[2] < farZoom);
  const info = useMemo(() => ({ ...p.info, far }), [p.info, far]);
  // The nodes as given to React Flow, sizes and handles included (the browser
  // test compares those with what the page drew).
  useEffect(() => {
    (window as unknown as { __agCanvas?: { nodes: BlockFlowNode[] } }).__agCanvas = { nodes: p.nodes };
  }, [p.nodes]);
  const view = useOwnView();
  // React Flow calls onSelectionChange again whenever the function changes:
  // a stable one is called only when the selection does.
  const { onSelect } = p;
  const onSelectionChange = useCallback<OnSelectionChangeFunc>(
    ({ nodes, edges }) => onSelect?.({ node: nodes.length === 1 ? nodes[0].id : null, edge: edges.length === 1 && nodes.length === 0 ? edges[0].id : null }),
    [onSelect],
  );
  return (
    <CanvasContext.Provider value={info}>
      <div className="ag-canvas" data-testid="canvas">
        <ReactFlow
          nodes={p.nodes}
          edges={p.edges}
          nodeTypes={nodeTypes}
          onNodesChange={p.onNodesChange}
          onEdgesChange={p.onEdgesChange}
          onConnect={p.onConnect}
          isValidConnection={p.isValidConnection}
          nodesDraggable={p.editable}
          nodesConnectable={p.editable}
          elementsSelectable
          deleteKeyCode={p.editable ? ['Delete', 'Backspace'] : null}
          onSelectionChange={onSelectionChange}
          fitView
          minZoom={0.05}
          colorMode={p.colorMode}
          onlyRenderVisibleElements={big}
          {...view.flow}
        >
          <Background />
          <Controls {...view.controls} />
          {!big && <StatusMiniMap run={p.info.run} />}
          <RenderMark dataAt={p.dataAt} count={p.nodes.length} />
          <FitView nodes={p.nodes} refit={p.refit} own={view.own} />
        </ReactFlow>
      </div>
    </CanvasContext.Provider>
  );
}
