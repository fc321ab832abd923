// A graph's schedules (the owner's): each with its cron in its time zone,
// next run, state, misfire policy and the version it runs; create, edit,
// pause, resume and delete (after a confirmation). The runs they start show
// in the History tab, marked "by schedule".
import { useCallback, useEffect, useState } from 'react';
import { goneAlready, gql } from '../api/client';
import { DELETE_SCHEDULE, PAUSE_SCHEDULE, RESUME_SCHEDULE, SCHEDULES, graphRef } from '../api/queries';
import type { Graph, Schedule } from '../api/types';
import { ScheduleForm } from './ScheduleForm';
import { focusSoon } from '../ui/focus';

/** A time as the schedule's zone reads it (its cron's own clock). */
function at(iso: string, timezone: string): string {
  const d = new Date(iso);
  try {
    return d.toLocaleString(undefined, { timeZone: timezone, dateStyle: 'medium', timeStyle: 'medium' });
  } catch {
    return d.toLocaleString(); // a zone this browser does not know
  }
}

const misfireText = { RUN_ONCE: 'missed runs: once when back', SKIP: 'missed runs: skipped' } as const;

// nextRunAt moves on as a schedule fires: the list is read again once the
// soonest active one is due (not more often than this).
const minRefreshMs = 5000;

export function Schedules({ graph }: { graph: Graph }) {
  const gid = graphRef(graph);
  const activeVersion = graph.versions?.find((v) => v.isActive)?.version;
  const [list, setList] = useState<Schedule[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [editing, setEditing] = useState<Schedule | 'new' | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(
    () =>
      gql<{ schedules: Schedule[] }>(SCHEDULES, { id: gid }).then(
        (d) => (setList(d.schedules), setLoadError(null)),
        (e) => setLoadError((e as Error).message),
      ),
    [gid],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const soonest = list?.filter((s) => s.isActive).reduce((m, s) => Math.min(m, Date.parse(s.nextRunAt)), Infinity) ?? Infinity;
  useEffect(() => {
    if (!Number.isFinite(soonest)) return;
    const t = setTimeout(() => void load(), Math.max(minRefreshMs, soonest - Date.now() + 1000));
    return () => clearTimeout(t);
  }, [soonest, load]);

  const replace = (s: Schedule) => setList((l) => (l ?? []).map((x) => (x.id === s.id ? s : x)));
  const act = async (id: string, what: () => Promise<void>) => {
    setBusy(id);
    setActionError(null);
    setMessage(null);
    try {
      await what();
    } catch (e) {
      setActionError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const setActive = (s: Schedule, active: boolean) =>
    act(s.id, async () => {
      if (active) replace((await gql<{ resumeSchedule: Schedule }>(RESUME_SCHEDULE, { id: s.id })).resumeSchedule);
      else replace((await gql<{ pauseSchedule: Schedule }>(PAUSE_SCHEDULE, { id: s.id })).pauseSchedule);
    });
  const remove = (s: Schedule) =>
    act(s.id, async () => {
      await gql(DELETE_SCHEDULE, { id: s.id }).catch(goneAlready);
      setList((l) => (l ?? []).filter((x) => x.id !== s.id));
      setConfirmDelete(null);
      focusSoon('[data-action="new-schedule"]');
      setMessage(`Schedule “${s.name}” deleted; the runs it started stay in the history.`);
    });
  // The keyboard goes back to where the form or the question was opened.
  const closeForm = () => {
    focusSoon(editing !== null && editing !== 'new' ? `[data-schedule-id="${editing.id}"] [data-action="edit"]` : '[data-action="new-schedule"]');
    setEditing(null);
  };
  const keep = (s: Schedule) => {
    setConfirmDelete(null);
    focusSoon(`[data-schedule-id="${s.id}"] [data-action="delete"]`);
  };
  const saved = (s: Schedule) => {
    setList((l) => (l?.some((x) => x.id === s.id) ? l.map((x) => (x.id === s.id ? s : x)) : [...(l ?? []), s]));
    setMessage(`Schedule “${s.name}” saved: next run ${at(s.nextRunAt, s.timezone)} (${s.timezone}).`);
    closeForm();
  };

  return (
    <section aria-labelledby="schedules-title" className="ag-triggers-section" data-testid="schedules">
      <div className="ag-row">
        <h2 id="schedules-title">Schedules</h2>
        <div className="ag-spacer" />
        {editing === null && (
          <button type="button" data-action="new-schedule" onClick={() => (setEditing('new'), setMessage(null))}>
            New schedule
          </button>
        )}
      </div>
      {editing === 'new' && <ScheduleForm graph={graph} initial={null} onSaved={saved} onCancel={closeForm} />}
      {message && (
        <p className="ag-message" role="status" data-testid="schedules-message">
          {message}
        </p>
      )}
      {actionError && (
        <p className="ag-error" role="alert">
          {actionError}
        </p>
      )}
      {loadError ? (
        <p className="ag-error" role="alert">
          The schedules could not be loaded: {loadError}
        </p>
      ) : list === null ? (
        <p>Loading…</p>
      ) : list.length === 0 ? (
        editing === null && <p className="ag-muted">No schedules: a schedule runs a version of this graph with fixed inputs at the times of a cron expression.</p>
      ) : (
        <ul className="ag-trigger-list">
          {list.map((s) =>
            editing !== null && editing !== 'new' && editing.id === s.id ? (
              <li key={s.id} data-schedule-id={s.id}>
                <ScheduleForm graph={graph} initial={s} onSaved={saved} onCancel={closeForm} />
              </li>
            ) : (
              <li key={s.id} data-schedule-id={s.id} data-active={s.isActive}>
                <div className="ag-row">
                  <b>{s.name}</b>
                  <span className={`ag-badge ${s.isActive ? 'status-completed' : 'status-queued'}`}>{s.isActive ? 'active' : 'paused'}</span>
                </div>
                <div>
                  <code data-testid="schedule-cron">{s.cron}</code> <span className="ag-muted">in {s.timezone}</span>
                </div>
                <div className="ag-muted">{s.isActive ? <>Next run: {at(s.nextRunAt, s.timezone)}</> : 'Paused: runs nothing until resumed.'}</div>
                {s.lastRunAt && <div className="ag-muted">Last run: {at(s.lastRunAt, s.timezone)}</div>}
                <div className="ag-muted">
                  Runs v{s.graphVersion}
                  {s.graphVersion === activeVersion ? ' (active)' : ''} · {misfireText[s.misfirePolicy]}
                </div>
                {confirmDelete === s.id ? (
                  <div className="ag-row ag-confirm" role="group" aria-label={`Delete schedule ${s.name}?`} onKeyDown={(e) => e.key === 'Escape' && keep(s)}>
                    <span>Delete “{s.name}”? The runs it started stay.</span>
                    <button type="button" className="ag-danger" disabled={busy === s.id} onClick={() => void remove(s)}>
                      Delete
                    </button>
                    <button type="button" onClick={() => keep(s)} autoFocus>
                      Keep
                    </button>
                  </div>
                ) : (
                  <div className="ag-row">
                    <button type="button" disabled={busy === s.id} onClick={() => void setActive(s, !s.isActive)}>
                      {s.isActive ? 'Pause' : 'Resume'}
                    </button>
                    <button type="button" data-action="edit" disabled={editing !== null} onClick={() => (setEditing(s), setMessage(null))}>
                      Edit
                    </button>
                    <button type="button" data-action="delete" onClick={() => setConfirmDelete(s.id)}>
                      Delete…
                    </button>
                  </div>
                )}
              </li>
            ),
          )}
        </ul>
      )}
    </section>
  );
}
