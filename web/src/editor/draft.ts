// An unsaved draft of a graph, kept in this tab's sessionStorage so that a
// reload, or a visit to another page and back, keeps every edit: nodes moved,
// added or removed, links, defaults, the name. A version is immutable, so
// what the draft holds reaches the server as a new version ("Save as new
// version"); the draft goes when saved or discarded, on sign-out, and with
// the tab. It is keyed by the version it was made from: a draft of v1 is
// not shown over v2.
import type { Edge } from '@xyflow/react';
import type { Block } from '../api/types';
import type { BlockFlowNode, BlockNodeData } from '../canvas/BlockNode';
import { blockFlowNode } from '../canvas/convert';
import type { About } from './GraphDetails';

const prefix = 'agentgraph.draft:';

export interface Draft {
  name: string;
  /** Absent in a draft kept before the description and template flag could be edited. */
  about?: About;
  /** Whether anything but positions changed: a layout-only draft still runs as its version. */
  structural: boolean;
  nodes: BlockFlowNode[];
  edges: Edge[];
}

// A node's data but its block (its schemas are the server's, read again on restore).
type StoredData = Pick<BlockNodeData, 'key' | 'label' | 'blockId' | 'inputDefault' | 'metadata' | 'extraInputs'>;

interface Stored {
  name: string;
  about?: About;
  structural: boolean;
  nodes: Array<{ id: string; position: { x: number; y: number }; data: StoredData }>;
  edges: Array<Pick<Edge, 'id' | 'source' | 'target' | 'sourceHandle' | 'targetHandle' | 'data'>>;
}

/** The draft's key: the version it was made from, or `new` for a graph never saved. */
export function draftKey(graphRef: string | null, version: number | null): string {
  return prefix + (graphRef === null ? 'new' : `${graphRef}@${version}`);
}

export function saveDraft(key: string, d: Draft): void {
  const s: Stored = {
    name: d.name,
    about: d.about,
    structural: d.structural,
    nodes: d.nodes.map(({ id, position, data: { key, label, blockId, inputDefault, metadata, extraInputs } }) => ({
      id,
      position,
      data: { key, label, blockId, inputDefault, metadata, extraInputs },
    })),
    edges: d.edges.map(({ id, source, target, sourceHandle, targetHandle, data }) => ({ id, source, target, sourceHandle, targetHandle, data })),
  };
  try {
    sessionStorage.setItem(key, JSON.stringify(s));
  } catch {
    // Storage full or refused: the edits are still on the canvas until the tab reloads.
  }
}

/** The draft under key, its nodes given their blocks again by blockOf; null when there is none. */
export function loadDraft(key: string, blockOf: (blockId: string) => Block | null): Draft | null {
  const raw = sessionStorage.getItem(key);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Stored;
    return {
      name: s.name,
      about: s.about,
      structural: s.structural,
      nodes: s.nodes.map((n) => blockFlowNode({ ...n.data, block: blockOf(n.data.blockId) }, n.position)),
      edges: s.edges.map((e) => ({ ...e })),
    };
  } catch {
    sessionStorage.removeItem(key);
    return null;
  }
}

export function dropDraft(key: string): void {
  sessionStorage.removeItem(key);
}

/** Drops every draft of this tab (on sign-out: they are the signed-in user's). */
export function dropAllDrafts(): void {
  for (let i = sessionStorage.length - 1; i >= 0; i--) {
    const k = sessionStorage.key(i);
    if (k?.startsWith(prefix)) sessionStorage.removeItem(k);
  }
}
