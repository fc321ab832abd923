// validateGraph's problems, placed on what they name: a node by its key, a
// link by its index in the GraphInput (the order of the canvas's edges, as
// toGraphInput writes them). A cycle names its nodes, which form a strongly
// connected component, so every link between two of them lies on a cycle and
// is marked too.
import type { Edge } from '@xyflow/react';
import type { Problem } from '../api/types';

export function problemsByNode(problems: Problem[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const p of problems) for (const k of p.nodeKeys) m.set(k, [...(m.get(k) ?? []), p.message]);
  return m;
}

/**
 * The edges with the problems that name them marked: class ag-edge-problem
 * and the problem's code as label (short enough for a link between close
 * nodes; the message is in the problem list).
 */
export function markEdges(edges: Edge[], problems: Problem[]): Edge[] {
  const byIndex = new Map<number, string>();
  const cycles = problems.filter((p) => p.code === 'CYCLE').map((p) => new Set(p.nodeKeys));
  for (const p of problems) if (p.linkIndex !== null && p.linkIndex !== undefined) byIndex.set(p.linkIndex, p.code);
  if (byIndex.size === 0 && cycles.length === 0) return edges;
  return edges.map((e, i) => {
    const code = byIndex.get(i) ?? (cycles.some((keys) => keys.has(e.source) && keys.has(e.target)) ? 'CYCLE' : undefined);
    return code === undefined ? e : { ...e, className: 'ag-edge-problem', label: code, animated: false };
  });
}
