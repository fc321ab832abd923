// Fitting the canvas's view to its graph. React Flow's fitView fits once, at
// its start; a run is watched on a phone turned sideways or a window made
// wider, and a view fitted for the old size leaves the graph small in a
// corner. The run views fit again whenever the canvas changes size, or gains
// nodes (a shared run shows the nodes that have run, more as it goes), unless
// the person has panned or zoomed: their view is theirs until they press
// Fit view.
import { useEffect, useMemo, useRef, type MutableRefObject } from 'react';
import { getNodesBounds, getViewportForBounds, useReactFlow, useStore, useStoreApi, type Viewport } from '@xyflow/react';
import type { BlockFlowNode } from './BlockNode';

/**
 * Whether the view is the person's own: set by a gesture that moved it (a
 * click on a node starts a gesture too, and moves nothing) or a zoom button,
 * cleared by the Fit view button. Spread flow on ReactFlow, controls on Controls.
 */
export function useOwnView() {
  const own = useRef(false);
  return useMemo(() => {
    let start: Viewport | null = null;
    const moved = (a: Viewport, b: Viewport) => a.x !== b.x || a.y !== b.y || a.zoom !== b.zoom;
    return {
      own,
      flow: {
        // The event is null for a move made by code (a fit, a zoom button).
        onMoveStart: (e: MouseEvent | TouchEvent | null, vp: Viewport) => void (start = e ? vp : null),
        onMoveEnd: (e: MouseEvent | TouchEvent | null, vp: Viewport) => {
          if (e && start && moved(start, vp)) own.current = true;
          start = null;
        },
      },
      controls: {
        onZoomIn: () => void (own.current = true),
        onZoomOut: () => void (own.current = true),
        onFitView: () => void (own.current = false),
      },
    };
  }, []);
}

/**
 * Fits the view to the graph the canvas was first drawn with, once its pane
 * can pan and zoom: React Flow's fitView fits when it is given nodes, which
 * for a canvas mounted with its graph (the run pages) is before that; it then
 * gives up, and only a later measurement of the nodes used to fit them, one
 * block nodes no longer get (givenSizes.ts). The editor mounts its canvas
 * empty and is fitted by fitView when its graph comes. With refit, fits
 * again at every new size of the canvas, and when nodes are added, while the
 * view is not the person's own.
 */
export function FitView({ nodes, refit, own }: { nodes: BlockFlowNode[]; refit?: boolean; own: MutableRefObject<boolean> }) {
  const size = useStore((s) => (s.panZoom !== null && s.width > 0 && s.height > 0 ? `${s.width}x${s.height}` : ''));
  const { setViewport } = useReactFlow();
  const store = useStoreApi();
  // The graph as it is now, not a dependency: a shared run re-read while it
  // runs gives new node objects every two seconds (and a click, a new
  // selection); it is fitted again when their number changes, not each time.
  const count = nodes.length;
  const latest = useRef(nodes);
  latest.current = nodes;
  const fitted = useRef(false);
  useEffect(() => {
    if (!size || (fitted.current && (!refit || own.current))) return;
    fitted.current = true;
    if (latest.current.length === 0) return;
    const { width, height, minZoom, maxZoom } = store.getState();
    void setViewport(getViewportForBounds(getNodesBounds(latest.current), width, height, minZoom, maxZoom, 0.1));
  }, [size, count, refit, own, store, setViewport]);
  return null;
}
