// The graph page's Triggers tab (its owner's, once the graph is saved): what
// starts a run besides the Run button, schedules and webhooks.
import type { Graph } from '../api/types';
import { Schedules } from './Schedules';
import { Webhooks } from './Webhooks';
import './triggers.css';

export function TriggersPanel({ graph }: { graph: Graph | null }) {
  return (
    <div className="ag-panel" data-testid="triggers">
      {!graph ? (
        <p className="ag-muted">Save the graph to run it on a schedule or from a webhook.</p>
      ) : (
        <>
          <Schedules graph={graph} />
          <Webhooks graph={graph} />
        </>
      )}
    </div>
  );
}
