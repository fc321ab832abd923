// The minimap, its nodes coloured by their live status as the canvas's are
// (style.css: a node's border, or its box seen from far). The colours are
// the stylesheet's variables, so the minimap follows the theme with it.
import { useCallback } from 'react';
import { MiniMap, type Node } from '@xyflow/react';
import type { Status } from '../api/types';
import type { LiveRun } from '../run/liveRun';
import { useRunSummary } from '../run/useLiveRun';

/** A node's status colour: the CSS variable style.css draws that status with; --border for none. */
export function statusColor(status: Status | undefined): string {
  switch (status) {
    case 'QUEUED':
      return 'var(--queued)';
    case 'RUNNING':
      return 'var(--running)';
    case 'COMPLETED':
      return 'var(--completed)';
    case 'FAILED':
    case 'TIMEOUT':
      return 'var(--failed)';
    case 'CANCELLED':
      return 'var(--cancelled)';
    default:
      return 'var(--border)';
  }
}

export function StatusMiniMap({ run }: { run: LiveRun | null }) {
  // The minimap draws its nodes again only when nodeColor changes: a new
  // one per flush of the run's changes (the summary is new then) repaints
  // them with the statuses of that moment.
  const summary = useRunSummary(run);
  const nodeColor = useCallback((n: Node) => statusColor(run?.node(n.id)?.status), [run, summary]); // eslint-disable-line react-hooks/exhaustive-deps
  return <MiniMap pannable zoomable nodeColor={nodeColor} />;
}
