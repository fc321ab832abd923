// The block catalogue, read once a session. Graphs name each node's block by
// id only: a node's block (its schemas, which size and pin its box on the
// canvas) comes from here. Asking every node of a 500-node graph for its
// block's schemas made the graph's response ~600 KB of repeats to parse and
// then collect while the canvas was being drawn.
import { gql } from './client';
import { BLOCKS } from './queries';
import type { Block, GraphNode } from './types';

let catalogue: Promise<Block[]> | null = null;

/** Every block, asked of the server once; a failed read is asked again next time. */
export function loadBlocks(): Promise<Block[]> {
  catalogue ??= gql<{ blocks: Block[] }>(BLOCKS)
    .then((d) => d.blocks)
    .catch((e: unknown) => {
      catalogue = null;
      throw e;
    });
  return catalogue;
}

let byId: Promise<Map<string, Block>> | null = null;

/** The nodes given their blocks from the catalogue; a block it does not hold (an unknown id) is null. */
export async function withBlocks(nodes: GraphNode[]): Promise<GraphNode[]> {
  byId ??= loadBlocks().then(
    (bs) => new Map(bs.map((b) => [b.id, b])),
    (e: unknown) => {
      byId = null;
      throw e;
    },
  );
  const blocks = await byId;
  return nodes.map((n) => ({ ...n, block: blocks.get(n.blockId) ?? null }));
}

/** The graph with its nodes' blocks (withBlocks). */
export async function graphWithBlocks<G extends { nodes: GraphNode[] }>(g: G): Promise<G> {
  return { ...g, nodes: await withBlocks(g.nodes) };
}
