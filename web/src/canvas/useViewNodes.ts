// The nodes of a canvas that only shows a graph (a run, a shared run, a
// template), held as React Flow state. React Flow does not select a node by
// itself: it reports a click as a change, and the node is selected only once
// the app applies that change to the nodes it gives back. A canvas given its
// nodes as fixed props kept no selection: nothing was highlighted, a click on
// the pane cleared nothing, and the reported selection lagged one click behind.
import { useEffect } from 'react';
import { useNodesState } from '@xyflow/react';
import type { BlockFlowNode } from './BlockNode';

export function useViewNodes(given: BlockFlowNode[]) {
  const [nodes, setNodes, onNodesChange] = useNodesState<BlockFlowNode>(given);
  // New nodes from the page (a shared run re-read while it runs) keep the selection.
  useEffect(() => {
    setNodes((cur) => {
      const selected = new Set(cur.filter((n) => n.selected).map((n) => n.id));
      return given.map((n) => (selected.has(n.id) ? { ...n, selected: true } : n));
    });
  }, [given, setNodes]);
  return { nodes, onNodesChange };
}
