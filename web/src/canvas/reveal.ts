// Bringing a node just added into sight. The view used to be fitted to the
// whole graph after every addition: with a block placed 300px right of the
// last each time, the fit fell below the zoom at which nodes are drawn
// without pins (Canvas's farZoom) after five or six blocks, and nothing more
// could be linked. Now the view does not move when the new node is already in
// sight; else it fits the graph only while that keeps pins drawn, and past
// that centres the new node and the one before it at a zoom that does.
import { getNodesBounds, getViewportForBounds, type ReactFlowInstance } from '@xyflow/react';
import type { BlockFlowNode } from './BlockNode';
import { farZoom } from './Canvas';

/** The least zoom a fit on addition goes down to: a margin above farZoom. */
const readableZoom = farZoom * 1.25;
const padding = 0.25;

type View = Pick<ReactFlowInstance, 'screenToFlowPosition' | 'setViewport' | 'setCenter' | 'getViewport'>;

export function revealAdded(rf: View, canvas: DOMRect, all: BlockFlowNode[], added: BlockFlowNode, before?: BlockFlowNode) {
  const w = added.width ?? 0;
  const h = added.height ?? 0;
  const tl = rf.screenToFlowPosition({ x: canvas.left, y: canvas.top });
  const br = rf.screenToFlowPosition({ x: canvas.right, y: canvas.bottom });
  const p = added.position;
  if (p.x >= tl.x && p.y >= tl.y && p.x + w <= br.x && p.y + h <= br.y) return;
  const fit = getViewportForBounds(getNodesBounds(all), canvas.width, canvas.height, 0.01, 1, padding);
  if (fit.zoom >= readableZoom) {
    void rf.setViewport(fit);
    return;
  }
  // Between the new node and the one before it, so both are in sight to link.
  const from = before ?? added;
  const cx = (from.position.x + (from.width ?? 0) / 2 + p.x + w / 2) / 2;
  const cy = (from.position.y + p.y + h) / 2;
  void rf.setCenter(cx, cy, { zoom: Math.max(readableZoom, rf.getViewport().zoom) });
}
