// Between the API's graphs and the canvas's nodes and edges. On the canvas a
// node's id is its key: keys are stable across versions, node ids are not.
import type { Edge } from '@xyflow/react';
import type { Block, GraphNode, GraphLink } from '../api/types';
import type { BlockFlowNode, BlockNodeData } from './BlockNode';
import type { About } from '../editor/GraphDetails';
import { nodeGeometry } from './geometry';
import { autoLayout } from './layout';

export function edgeId(sourceKey: string, sourceName: string, sinkKey: string, sinkName: string): string {
  return `${sourceKey}:${sourceName}->${sinkKey}:${sinkName}`;
}

export function toFlow(nodes: GraphNode[], links: GraphLink[]): { nodes: BlockFlowNode[]; edges: Edge[] } {
  const keyById = new Map(nodes.map((n) => [n.id, n.key]));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const extra = new Map<string, Set<string>>();
  const edges: Edge[] = [];
  for (const l of links) {
    const s = keyById.get(l.sourceId);
    const t = keyById.get(l.sinkId);
    if (!s || !t) continue;
    edges.push({ id: edgeId(s, l.sourceName, t, l.sinkName), source: s, target: t, sourceHandle: l.sourceName, targetHandle: l.sinkName, data: { isStatic: l.isStatic } });
    const sink = byId.get(l.sinkId);
    if (sink && !sink.block?.inputSchema?.properties?.[l.sinkName]) {
      if (!extra.has(t)) extra.set(t, new Set());
      extra.get(t)!.add(l.sinkName);
    }
  }
  const laidOut = autoLayout(nodes, links);
  return {
    nodes: nodes.map((n) =>
      blockFlowNode(
        {
          key: n.key,
          label: n.label,
          block: n.block,
          blockId: n.blockId,
          inputDefault: n.inputDefault ?? {},
          metadata: n.metadata ?? {},
          extraInputs: extra.has(n.key) ? [...extra.get(n.key)!] : undefined,
        },
        laidOut?.get(n.id) ?? { x: n.position.x, y: n.position.y },
      ),
    ),
    edges,
  };
}

/**
 * A canvas node, with its size and handles given (geometry.ts), so React
 * Flow draws it at once without measuring it. `measured` is what React Flow
 * would have written after measuring; with it the node counts as ready.
 */
export function blockFlowNode(data: BlockNodeData, position: { x: number; y: number }, selected?: boolean): BlockFlowNode {
  const { width, height, handles } = nodeGeometry(data.block, data.extraInputs);
  return { id: data.key, type: 'block', position, data, width, height, measured: { width, height }, handles, ariaLabel: nodeName(data), ...(selected ? { selected } : {}) };
}

/**
 * The name a screen reader gives the node when Tab reaches it: its title
 * as the node shows it (its label, else its key), the key too when it has a
 * label, and its block.
 */
function nodeName(data: BlockNodeData): string {
  const title = data.label ? `${data.label} (${data.key})` : data.key;
  return `${title}: ${data.block?.name ?? `unknown block ${data.blockId}`}`;
}

/** The node with its data changed, named again for it (a label edit renames it). */
export function withData(n: BlockFlowNode, patch: Partial<BlockNodeData>): BlockFlowNode {
  const data = { ...n.data, ...patch };
  return { ...n, data, ariaLabel: nodeName(data) };
}

/**
 * The GraphInput for createGraph, updateGraph and validateGraph. A save
 * sends the graph's description and template flag as they are (about): the
 * input's isTemplate defaults to false, and a save without it turned a
 * template into a plain graph. Validation needs neither (about null).
 */
export function toGraphInput(
  name: string,
  about: About | null,
  nodes: Array<Pick<BlockFlowNode, 'data' | 'position'>>,
  edges: Array<Pick<Edge, 'source' | 'target' | 'sourceHandle' | 'targetHandle' | 'data'>>,
) {
  return {
    name,
    description: about?.description.trim() || null,
    ...(about ? { isTemplate: about.isTemplate } : {}),
    nodes: nodes.map((n) => ({
      key: n.data.key,
      blockId: n.data.blockId,
      label: n.data.label || null,
      inputDefault: n.data.inputDefault,
      metadata: n.data.metadata,
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    })),
    links: edges.map((e) => ({
      sourceKey: e.source,
      sourceName: e.sourceHandle ?? '',
      sinkKey: e.target,
      sinkName: e.targetHandle ?? '',
      isStatic: Boolean((e.data as { isStatic?: boolean } | undefined)?.isStatic),
    })),
  };
}

/** A key for a new node of block b that no node has yet: `calculator`, `calculator_2`, … */
export function newKey(b: Block, taken: Set<string>): string {
  const base = b.name.replace(/Block$/, '').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase() || 'node';
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}
