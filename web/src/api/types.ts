// The shapes the app reads from the public schema (schema.graphqls).

export type Status = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMEOUT';
export const finalStatuses: ReadonlySet<Status> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT']);

export type JSONSchema = {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JSONSchema>;
  required?: string[];
  items?: JSONSchema;
  anyOf?: JSONSchema[];
  oneOf?: JSONSchema[];
  /** A secret graph input: its value is never shown again. */
  writeOnly?: boolean;
};

export interface Block {
  id: string;
  name: string;
  description: string;
  categories: string[];
  blockType: string;
  inputSchema: JSONSchema;
  outputSchema: JSONSchema;
}

export interface GraphNode {
  id: string;
  key: string;
  blockId: string;
  label: string;
  inputDefault: Record<string, unknown>;
  metadata: Record<string, unknown>;
  position: { x: number; y: number };
  /** Not asked of the server: set from the block catalogue by withBlocks (api/blocks.ts). */
  block: Block | null;
}

export interface GraphLink {
  id: string;
  sourceId: string;
  sinkId: string;
  sourceName: string;
  sinkName: string;
  isStatic: boolean;
}

/**
 * What every reader of a run may see of the graph that ran
 * (GraphExecution.graphShape): its nodes without their input defaults and
 * metadata, and every link.
 */
export interface GraphShape {
  name: string;
  nodes: Array<Omit<GraphNode, 'inputDefault' | 'metadata' | 'block'>>;
  links: GraphLink[];
}

export interface Graph {
  id: string;
  graphId: string;
  version: number;
  name: string;
  description: string | null;
  isActive: boolean;
  isTemplate: boolean;
  updatedAt: string;
  /** Null unless the caller owns the graph (or is an ADMIN or a MODERATOR). */
  owner: { id: string } | null;
  nodes: GraphNode[];
  links: GraphLink[];
  /** JSON Schema of the run's inputs, one property per input block's name. */
  inputSchema?: JSONSchema;
  versions?: Array<{ version: number; isActive: boolean; createdAt: string }>;
}

export interface GraphSummary {
  id: string;
  graphId: string;
  version: number;
  name: string;
  description: string | null;
  isTemplate: boolean;
  updatedAt: string;
}

export interface NodeExecution {
  id: string;
  nodeId: string;
  status: Status;
  outputs: Record<string, unknown[]>;
  errorMessage: string | null;
}

export interface Execution {
  id: string;
  graphId: string;
  graphVersion: number;
  status: Status;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown[]>;
  createdAt: string;
  endedAt: string | null;
  errorMessage: string | null;
  isShared: boolean;
  shareToken: string | null;
  canBeCancelled: boolean;
  lastSeq: number;
  nodeExecutions: NodeExecution[];
}

export interface ExecutionEvent {
  seq: number;
  kind: 'SNAPSHOT' | 'GRAPH_STATUS' | 'NODE_STATUS' | 'NODE_OUTPUT' | 'NODE_OUTPUT_DELTA';
  status: Status | null;
  nodeId: string | null;
  nodeExecutionId: string | null;
  pin: string | null;
  value: unknown;
  valueTruncated: boolean;
  error: string | null;
  execution: Execution | null;
}

export interface Problem {
  code: string;
  message: string;
  nodeKeys: string[];
  linkIndex: number | null;
  pin: string | null;
}

export interface Me {
  id: string;
  email: string;
  displayName: string;
  preferences: { theme: 'LIGHT' | 'DARK' | 'SYSTEM' };
}

export type TriggerKind = 'MANUAL' | 'SCHEDULE' | 'WEBHOOK' | 'AGENT';
export type MisfirePolicy = 'RUN_ONCE' | 'SKIP';

export interface Schedule {
  id: string;
  name: string;
  graphVersion: number;
  cron: string;
  timezone: string;
  /** A secret input's value reads "********" (never shown again). */
  inputs: Record<string, unknown>;
  nextRunAt: string;
  lastRunAt: string | null;
  isActive: boolean;
  misfirePolicy: MisfirePolicy;
  createdAt: string;
}

export interface Webhook {
  id: string;
  url: string;
  nodeKey: string;
  provider: string;
  hasSecret: boolean;
  createdAt: string;
}
