// The live state of one run, fed by executionEvents: a SNAPSHOT replaces
// everything (the first event, and again after any re-sync or reconnect),
// later events patch it. NODE_OUTPUT_DELTA (a model's text as it is written)
// adds to the pin's text so far until the pin's whole value comes. Canvas nodes subscribe to their own node only, and
// changes are flushed once per animation frame, so a burst of events costs
// one render of the nodes it touched, not one render per event.
import type { Execution, ExecutionEvent, Status } from '../api/types';
import { finalStatuses } from '../api/types';

export interface NodeState {
  status: Status;
  outputs: Record<string, unknown[]>;
  error: string | null;
  executions: number;
  /** Text of output pins still being written (NODE_OUTPUT_DELTA), until their value comes. */
  streaming: Record<string, string>;
}

export interface RunSummary {
  status: Status | null;
  error: string | null;
  outputs: Record<string, unknown[]>;
  events: number;
  lastSeq: number;
  counts: Record<Status, number>;
  canBeCancelled: boolean;
}

const keepValues = 20; // values kept per pin: enough to read, bounded for long runs

export class LiveRun {
  private nodes = new Map<string, NodeState>();
  private nodeListeners = new Map<string, Set<() => void>>();
  private listeners = new Set<() => void>();
  private dirty = new Set<string>();
  private scheduled = false;
  private summary: RunSummary = emptySummary();
  /** performance.now() of the last event received and of the last flush (for the browser test's figures). */
  lastEventAt = 0;
  lastFlushAt = 0;

  /** keyOf maps a node id of the version that ran to the node's key (the canvas id). */
  constructor(private keyOf: (nodeId: string) => string | undefined, private outputNameOf: (key: string) => string | undefined) {
    // The latest run is reachable from scripts (the browser test reads its timings).
    (window as unknown as { __agLiveRun?: LiveRun }).__agLiveRun = this;
  }

  node(key: string): NodeState | undefined {
    return this.nodes.get(key);
  }

  get state(): RunSummary {
    return this.summary;
  }

  subscribeNode(key: string, l: () => void): () => void {
    let set = this.nodeListeners.get(key);
    if (!set) this.nodeListeners.set(key, (set = new Set()));
    set.add(l);
    return () => set!.delete(l);
  }

  subscribe(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Loads a stored run (a query's answer, or a SNAPSHOT's execution). */
  load(ex: Execution): void {
    for (const k of this.nodes.keys()) this.dirty.add(k);
    this.nodes.clear();
    for (const ne of ex.nodeExecutions) {
      const key = this.keyOf(ne.nodeId);
      if (!key) continue;
      const st = this.ensure(key);
      st.status = ne.status; // in creation order: the latest execution wins
      st.executions++;
      if (ne.errorMessage) st.error = ne.errorMessage;
      for (const [pin, vals] of Object.entries(ne.outputs ?? {})) {
        const list = (st.outputs[pin] ??= []);
        list.push(...vals);
        if (list.length > keepValues) list.splice(0, list.length - keepValues);
      }
      this.dirty.add(key);
    }
    this.summary = {
      ...emptySummary(),
      status: ex.status,
      error: ex.errorMessage,
      outputs: ex.outputs ?? {},
      lastSeq: ex.lastSeq,
      canBeCancelled: ex.canBeCancelled,
      events: this.summary.events,
    };
    this.recount();
    this.schedule();
  }

  apply(ev: ExecutionEvent): void {
    this.lastEventAt = performance.now();
    const s = (this.summary = { ...this.summary, events: this.summary.events + 1 });
    if (ev.kind === 'SNAPSHOT') {
      if (ev.execution) this.load(ev.execution);
      return;
    }
    // Deltas are outside the sequence (their seq repeats the last event's).
    if (ev.kind === 'NODE_OUTPUT_DELTA') {
      this.addText(ev);
      return;
    }
    if (ev.seq <= s.lastSeq) return; // already in the snapshot
    s.lastSeq = ev.seq;
    if (ev.kind === 'GRAPH_STATUS' && ev.status) {
      s.status = ev.status;
      s.error = ev.error;
      s.canBeCancelled = !finalStatuses.has(ev.status);
    } else if (ev.nodeId) {
      const key = this.keyOf(ev.nodeId);
      if (!key) return;
      const st = this.ensure(key);
      if (ev.kind === 'NODE_STATUS' && ev.status) {
        if (ev.status === 'QUEUED') st.executions++;
        st.status = ev.status;
        if (ev.error) st.error = ev.error;
        if (finalStatuses.has(ev.status)) st.streaming = {};
      } else if (ev.kind === 'NODE_OUTPUT' && ev.pin) {
        const value = ev.valueTruncated ? '(value too large to show inline)' : ev.value;
        if (ev.pin in st.streaming) {
          st.streaming = { ...st.streaming };
          delete st.streaming[ev.pin];
        }
        const list = (st.outputs[ev.pin] ??= []);
        list.push(value);
        if (list.length > keepValues) list.shift();
        const outName = this.outputNameOf(key);
        if (outName !== undefined && ev.pin === 'output') {
          s.outputs = { ...s.outputs, [outName]: [...(s.outputs[outName] ?? []), value] };
        }
      }
      // A new object, so subscribers (useSyncExternalStore) see the change.
      this.nodes.set(key, { ...st });
      this.dirty.add(key);
    }
    this.schedule();
  }

  private addText(ev: ExecutionEvent): void {
    const key = ev.nodeId ? this.keyOf(ev.nodeId) : undefined;
    if (!key || !ev.pin || typeof ev.value !== 'string') return;
    const st = this.ensure(key);
    this.nodes.set(key, { ...st, streaming: { ...st.streaming, [ev.pin]: (st.streaming[ev.pin] ?? '') + ev.value } });
    this.dirty.add(key);
    this.schedule();
  }

  private ensure(key: string): NodeState {
    let st = this.nodes.get(key);
    if (!st) this.nodes.set(key, (st = { status: 'QUEUED', outputs: {}, error: null, executions: 0, streaming: {} }));
    return st;
  }

  private recount(): void {
    const counts = { QUEUED: 0, RUNNING: 0, COMPLETED: 0, FAILED: 0, CANCELLED: 0, TIMEOUT: 0 } as Record<Status, number>;
    for (const st of this.nodes.values()) counts[st.status]++;
    this.summary = { ...this.summary, counts };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    this.recount();
    const dirty = [...this.dirty];
    this.dirty.clear();
    for (const k of dirty) this.nodeListeners.get(k)?.forEach((l) => l());
    this.listeners.forEach((l) => l());
    this.lastFlushAt = performance.now();
  }
}

function emptySummary(): RunSummary {
  return {
    status: null,
    error: null,
    outputs: {},
    events: 0,
    lastSeq: 0,
    counts: { QUEUED: 0, RUNNING: 0, COMPLETED: 0, FAILED: 0, CANCELLED: 0, TIMEOUT: 0 },
    canBeCancelled: false,
  };
}
