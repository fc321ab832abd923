// A run's summary beside the canvas: status, node counters, the graph's
// outputs, the selected node's outputs and errors, Cancel, Run again and Share.
import { useState } from 'react';
import { gql } from '../api/client';
import { finalStatuses } from '../api/types';
import { CANCEL, RERUN, SHARE } from '../api/queries';
import type { LiveRun } from './liveRun';
import { useNodeState, useRunSummary } from './useLiveRun';
import { Link, navigate } from '../router';
import { CredentialsLink } from './CredentialsLink';

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v, null, 1);
}

/** readOnly: a shared run's reader, signed out, who has no credentials to fix. */
export function NodeDetail({ run, nodeKey, readOnly }: { run: LiveRun | null; nodeKey: string; readOnly?: boolean }) {
  const st = useNodeState(run, nodeKey);
  if (!st) return <p className="ag-muted">Node {nodeKey} has not run.</p>;
  return (
    <div className="ag-node-detail" data-testid="node-detail">
      <h3>
        {nodeKey}: {st.status.toLowerCase()}
        {st.executions > 1 ? ` (${st.executions} executions)` : ''}
      </h3>
      {st.error && (
        <p className="ag-error">
          {st.error}
          {!readOnly && <CredentialsLink message={st.error} />}
        </p>
      )}
      {Object.entries(st.streaming).map(([pin, text]) => (
        <div key={`writing-${pin}`}>
          <b>{pin}</b> <span className="ag-muted">(being written)</span>
          <pre data-streaming={pin}>{text}</pre>
        </div>
      ))}
      {Object.entries(st.outputs).map(([pin, vals]) => (
        <div key={pin}>
          <b>{pin}</b>
          <pre>{vals.map(show).join('\n')}</pre>
        </div>
      ))}
    </div>
  );
}

/** onRerun: where a run started by Run again is followed (the graph page's own panel); else its page. */
export function RunSummaryPanel({
  run,
  executionId,
  readOnly,
  streamError,
  onRerun,
}: {
  run: LiveRun | null;
  executionId: string;
  readOnly?: boolean;
  streamError?: string | null;
  onRerun?: (id: string) => void;
}) {
  const s = useRunSummary(run);
  const [shareURL, setShareURL] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [rerunning, setRerunning] = useState(false);
  if (!s) return null;
  const cancel = async () => {
    try {
      await gql(CANCEL, { id: executionId });
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  // The server repeats the run with its stored inputs: secret ones are
  // masked in every read, so the page could not send them again itself.
  const rerun = async () => {
    setRerunning(true);
    setErr(null);
    try {
      const d = await gql<{ rerunExecution: { id: string } }>(RERUN, { id: executionId });
      if (onRerun) onRerun(d.rerunExecution.id);
      else navigate(`/runs/${encodeURIComponent(d.rerunExecution.id)}`);
    } catch (e) {
      setErr((e as Error).message);
    } finally {
      setRerunning(false);
    }
  };
  const share = async () => {
    try {
      const d = await gql<{ shareExecution: { shareToken: string } }>(SHARE, { id: executionId });
      setShareURL(new URL(`/shared/${encodeURIComponent(d.shareExecution.shareToken)}`, location.href).toString());
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <section className="ag-run" aria-label="Run" data-testid="run-summary" data-run-status={s.status ?? ''}>
      <h2>
        Run <span className={`ag-badge status-${(s.status ?? 'queued').toLowerCase()}`}>{s.status ?? '…'}</span>
      </h2>
      {!readOnly && (
        <p className="ag-muted">
          <Link to={`/runs/${encodeURIComponent(executionId)}`}>{executionId}</Link>
        </p>
      )}
      <dl className="ag-counters">
        {(['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const).map((k) => (
          <div key={k}>
            <dt>{k.toLowerCase()}</dt>
            <dd data-counter={k}>{s.counts[k]}</dd>
          </div>
        ))}
        {/* The run's own count, the same for every reader: the events it has
            recorded (lastSeq, one per event). What this page received is not
            it: a page opened late gets one SNAPSHOT for all before it, and a
            shared page, which polls, receives none. */}
        <div title="Events the run has recorded">
          <dt>events</dt>
          <dd data-counter="events">{s.lastSeq}</dd>
        </div>
      </dl>
      {s.error && (
        <p className="ag-error">
          {s.error}
          {!readOnly && <CredentialsLink message={s.error} />}
        </p>
      )}
      {streamError && <p className="ag-error">Live updates: {streamError}</p>}
      <h3>Outputs</h3>
      <div data-testid="run-outputs">
        {Object.keys(s.outputs).length === 0 ? (
          <p className="ag-muted">{s.status && finalStatuses.has(s.status) ? 'None.' : 'None yet.'}</p>
        ) : (
          Object.entries(s.outputs).map(([name, vals]) => (
            <div key={name} className="ag-output" data-output={name}>
              <b>{name}</b>: <code>{vals.map(show).join(', ')}</code>
            </div>
          ))
        )}
      </div>
      {!readOnly && (
        <div className="ag-row ag-run-actions">
          <button type="button" onClick={cancel} disabled={!s.canBeCancelled}>
            Cancel run
          </button>
          <button type="button" onClick={rerun} disabled={rerunning} title="A new run of the same version with the same inputs">
            Run again
          </button>
          <button type="button" onClick={share}>
            Share
          </button>
        </div>
      )}
      {shareURL && (
        <p>
          Shared: <a href={shareURL} data-testid="share-link">{shareURL}</a>
        </p>
      )}
      {err && <p className="ag-error">{err}</p>}
    </section>
  );
}
