// A canvas node's size and the places of its pins' handles, worked out from
// its block's schemas instead of measured in the page. A node React Flow
// knows nothing about is drawn at zoom 1, measured (ResizeObserver, every
// handle's box), sent back through the app's state as 'dimensions' changes
// and drawn again, every node, at the zoom fitView then picks. A node given
// its size and handles counts as ready at once: fitView is settled before the
// first draw, links are drawn with the nodes, and React Flow's one
// measurement at mount finds nothing changed, so nothing is drawn twice.
//
// The numbers here are the node's CSS (style.css, "Canvas nodes"): a fixed
// width, a head of fixed height, one fixed-height row per pin with its handle
// on the node's edge. Whatever else a node shows (outputs, errors, problems)
// hangs below its box and moves no handle. React Flow never measures a block
// node (givenSizes.ts): these numbers are all it knows of where links end, so
// the browser test checks that the handles drawn are where they say.
import { Position, type Node } from '@xyflow/react';
import type { Block } from '../api/types';
import { nodePins } from './pins';

type NodeHandle = NonNullable<Node['handles']>[number];

export const nodeWidth = 220;
const nodeBorder = 2; // .ag-node border
const headHeight = 43; // .ag-node-head, its bottom border included
const pinsPadding = 4; // .ag-node-pins, above and below the rows
const rowHeight = 18; // .ag-pin
const handleSize = 10; // .ag-handle

export interface NodeGeometry {
  width: number;
  height: number;
  handles: NodeHandle[];
}

export function nodeGeometry(block: Block | null | undefined, extraInputs?: string[]): NodeGeometry {
  const { ins, outs } = nodePins(block, extraInputs);
  const rows = Math.max(ins.length, outs.length);
  const top = nodeBorder + headHeight + pinsPadding;
  // A handle is centred on the node's inner edge, on its row's middle.
  const handle = (name: string, i: number, type: 'source' | 'target'): NodeHandle => ({
    id: name,
    type,
    position: type === 'target' ? Position.Left : Position.Right,
    x: type === 'target' ? nodeBorder - handleSize / 2 : nodeWidth - nodeBorder - handleSize / 2,
    y: top + i * rowHeight + (rowHeight - handleSize) / 2,
    width: handleSize,
    height: handleSize,
  });
  return {
    width: nodeWidth,
    height: 2 * nodeBorder + headHeight + (rows > 0 ? 2 * pinsPadding + rows * rowHeight : 0),
    handles: [...ins.map((p, i) => handle(p.name, i, 'target')), ...outs.map((p, i) => handle(p.name, i, 'source'))],
  };
}
