import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { gql, subscribe } from '../api/client';
import { EXECUTION_EVENTS, EXECUTION_Q } from '../api/queries';
import { runEnded } from '../api/credits';
import type { Execution, ExecutionEvent, GraphNode } from '../api/types';
import { finalStatuses } from '../api/types';
import { LiveRun, type NodeState, type RunSummary } from './liveRun';

export function runFor(nodes: GraphNode[]): LiveRun {
  const keyById = new Map(nodes.map((n) => [n.id, n.key]));
  const outName = new Map(
    nodes.filter((n) => n.block?.name === 'AgentOutputBlock').map((n) => [n.key, String(n.inputDefault?.name ?? n.key)]),
  );
  return new LiveRun((id) => keyById.get(id), (key) => outName.get(key));
}

/**
 * Follows a run live: executionEvents gives a SNAPSHOT then every change.
 * A dropped websocket is retried by the client, which subscribes again and
 * gets a new SNAPSHOT, so nothing is missed and nothing needs a reload.
 * When the stream ends (the run ended), the stored run is read once more
 * for its final outputs, and the header's balance is read again.
 */
export function useLiveRun(executionId: string | null, nodes: GraphNode[] | null, opts: { live: boolean } = { live: true }) {
  const run = useMemo(() => (nodes && executionId ? runFor(nodes) : null), [executionId, nodes]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!run || !executionId || !opts.live) return;
    setError(null);
    // Seen queued or running here: its end is news (the balance changed),
    // unlike a run that had ended before the page opened it.
    let watched = false;
    const unsubscribe = subscribe<{ executionEvents: ExecutionEvent }>(EXECUTION_EVENTS, { id: executionId }, {
      next: (d) => {
        run.apply(d.executionEvents);
        if (run.state.status && !finalStatuses.has(run.state.status)) watched = true;
      },
      error: (e) => setError(e instanceof Error ? e.message : 'the live stream failed'),
      // Also told when the page unsubscribes (it left the run): then the run may still be going.
      complete: () => {
        gql<{ execution: Execution | null }>(EXECUTION_Q, { id: executionId })
          .then((d) => {
            if (!d.execution) return;
            run.load(d.execution);
            if (watched && finalStatuses.has(d.execution.status)) runEnded();
          })
          .catch(() => undefined);
      },
    });
    return unsubscribe;
  }, [run, executionId, opts.live]);
  return { run, error };
}

const noop = () => () => undefined;

// The subscribe functions keep their identity across renders: a new one
// makes useSyncExternalStore unsubscribe and subscribe again each render.
export function useNodeState(run: LiveRun | null, key: string): NodeState | undefined {
  const sub = useCallback((l: () => void) => (run ? run.subscribeNode(key, l) : noop()), [run, key]);
  return useSyncExternalStore(sub, () => run?.node(key));
}

/** Only the node's status: a component using it is not drawn again for an output. */
export function useNodeStatus(run: LiveRun | null, key: string): NodeState['status'] | undefined {
  const sub = useCallback((l: () => void) => (run ? run.subscribeNode(key, l) : noop()), [run, key]);
  return useSyncExternalStore(sub, () => run?.node(key)?.status);
}

export function useRunSummary(run: LiveRun | null): RunSummary | null {
  const sub = useCallback((l: () => void) => (run ? run.subscribe(l) : noop()), [run]);
  return useSyncExternalStore(sub, () => run?.state ?? null);
}
