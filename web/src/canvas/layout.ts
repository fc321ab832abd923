// Positions for a graph stored without them: a node's position is optional
// in createGraph (the README's first example gives none), and such a graph
// had every node at (0, 0), one on top of another. When every node has the
// same position, nodes are laid out left to right by link depth (a node's
// column is the longest chain of links into it) and stacked in a column.
import type { GraphLink, GraphNode } from '../api/types';
import { nodeGeometry, nodeWidth } from './geometry';

const columnGap = 80;
const rowGap = 40;

/** New positions by node id, or null when the graph has its own (any two differ). */
export function autoLayout(nodes: GraphNode[], links: GraphLink[]): Map<string, { x: number; y: number }> | null {
  if (nodes.length < 2) return null;
  const p0 = nodes[0].position;
  if (nodes.some((n) => n.position.x !== p0.x || n.position.y !== p0.y)) return null;
  const depth = new Map(nodes.map((n) => [n.id, 0]));
  // Longest path by relaxing every link; n rounds at most, so a cycle ends too.
  for (let round = 0, changed = true; changed && round < nodes.length; round++) {
    changed = false;
    for (const l of links) {
      const d = (depth.get(l.sourceId) ?? 0) + 1;
      if (depth.has(l.sinkId) && d > depth.get(l.sinkId)!) {
        depth.set(l.sinkId, d);
        changed = true;
      }
    }
  }
  const nextY = new Map<number, number>();
  const at = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const col = depth.get(n.id)!;
    const y = nextY.get(col) ?? 0;
    at.set(n.id, { x: p0.x + col * (nodeWidth + columnGap), y: p0.y + y });
    nextY.set(col, y + nodeGeometry(n.block).height + rowGap);
  }
  return at;
}
