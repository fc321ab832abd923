// The form that creates or edits a schedule: name, cron, time zone, the
// version it runs, that version's inputs (read from Graph.inputSchema as the
// run form reads them: run/inputs.ts) and the misfire policy. A field the
// API refuses (BAD_USER_INPUT names it in extensions.field, e.g.
// input.cron) is shown beside that field; nothing was stored then.
import { useEffect, useState } from 'react';
import { GraphQLError, gql } from '../api/client';
import { CREATE_SCHEDULE, GRAPH_INPUTS, UPDATE_SCHEDULE, graphRef } from '../api/queries';
import type { Graph, JSONSchema, MisfirePolicy, Schedule } from '../api/types';
import { inputPlaceholder, inputText, readInputs, secretField } from '../run/inputs';

const secretMask = '********';
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
// The browser's list of IANA zones, offered as suggestions (any name the server knows is accepted).
const zones: string[] = (Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];

/** The inputSchema of one version of the graph: the shown version's is at hand, another's is asked for. */
function useInputSchema(graph: Graph, version: number): JSONSchema | undefined | null {
  const [other, setOther] = useState<{ version: number; schema: JSONSchema | undefined } | null>(null);
  const own = version === graph.version;
  useEffect(() => {
    if (own) return;
    let live = true;
    gql<{ graph: { inputSchema: JSONSchema } | null }>(GRAPH_INPUTS, { id: graphRef(graph), version })
      .then((d) => live && setOther({ version, schema: d.graph?.inputSchema }))
      .catch(() => live && setOther({ version, schema: undefined }));
    return () => {
      live = false;
    };
  }, [graph, version, own]);
  if (own) return graph.inputSchema;
  return other?.version === version ? other.schema : null; // null: loading
}

interface Refusal {
  /** The refused field without its "input." prefix (cron, timezone, inputs.x, …); null when none is named. */
  at: string | null;
  message: string;
}

function refusal(e: unknown): Refusal {
  if (!(e instanceof GraphQLError)) return { at: null, message: (e as Error).message };
  const field = e.errors[0]?.extensions?.field;
  if (e.code !== 'BAD_USER_INPUT' || typeof field !== 'string') return { at: null, message: e.message };
  // The message repeats the field ("input.cron: …"): beside the field it is said once.
  return { at: field.replace(/^input\./, ''), message: e.message.startsWith(`${field}: `) ? e.message.slice(field.length + 2) : e.message };
}

export function ScheduleForm({ graph, initial, onSaved, onCancel }: { graph: Graph; initial: Schedule | null; onSaved: (s: Schedule) => void; onCancel: () => void }) {
  const [name, setName] = useState(initial?.name ?? '');
  const [cron, setCron] = useState(initial?.cron ?? '');
  const [timezone, setTimezone] = useState(initial?.timezone ?? browserZone);
  const [version, setVersion] = useState(initial?.graphVersion ?? graph.version);
  const [misfire, setMisfire] = useState<MisfirePolicy>(initial?.misfirePolicy ?? 'RUN_ONCE');
  const schema = useInputSchema(graph, version);
  const props = Object.entries(schema?.properties ?? {});
  // A secret input's stored value reads "********" (Schedule.inputs). Its
  // field starts with that mask, as a password field: sent back unchanged,
  // updateSchedule keeps the stored secret (ScheduleInput.inputs), so the
  // user never has to type again a secret they may no longer have; typed
  // over, the new one replaces it.
  const [texts, setTexts] = useState<Record<string, string>>(() => {
    const out: Record<string, string> = {};
    for (const [nm, v] of Object.entries(initial?.inputs ?? {})) {
      if (v !== null) out[nm] = inputText(v, graph.inputSchema?.properties?.[nm]);
    }
    return out;
  });
  const [refused, setRefused] = useState<Refusal | null>(null);
  const [saving, setSaving] = useState(false);
  const versions = graph.versions ?? [{ version: graph.version, isActive: graph.isActive }];
  const idBase = initial ? `schedule-${initial.id}` : 'schedule-new';
  /** Whether input nm is a secret the schedule has stored (it reads masked): its field says what saving does with it. */
  const keepsSecret = (nm: string, s: JSONSchema) => !!s.writeOnly && initial?.inputs?.[nm] === secretMask;

  const submit = async () => {
    if (schema === null) return;
    setSaving(true);
    const input = { graphId: graphRef(graph), graphVersion: version, name, cron, timezone, inputs: readInputs(texts, schema), misfirePolicy: misfire };
    try {
      const s = initial
        ? (await gql<{ updateSchedule: Schedule }>(UPDATE_SCHEDULE, { id: initial.id, input })).updateSchedule
        : (await gql<{ createSchedule: Schedule }>(CREATE_SCHEDULE, { input })).createSchedule;
      onSaved(s);
    } catch (e) {
      setRefused(refusal(e));
    } finally {
      setSaving(false);
    }
  };

  const shownAt = new Set(['name', 'cron', 'timezone', 'graphVersion', 'misfirePolicy', ...props.map(([nm]) => `inputs.${nm}`)]);
  // Beside its field, or below the form when the field is none of them.
  const alertAt = (at: string | null) =>
    refused && (refused.at === at || (at === null && !shownAt.has(refused.at ?? ''))) ? (
      <p className="ag-error" role="alert" data-testid="schedule-refused" data-field={refused.at ?? ''}>
        Not saved: {refused.message}
      </p>
    ) : null;
  const invalid = (at: string) => (refused?.at === at ? true : undefined);

  return (
    <form
      className="ag-form ag-schedule-form"
      aria-label={initial ? `Edit schedule ${initial.name}` : 'New schedule'}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3>{initial ? `Edit “${initial.name}”` : 'New schedule'}</h3>
      <div className="ag-field">
        <label htmlFor={`${idBase}-name`}>Name</label>
        {/* autoFocus: the button that opened the form is gone, and the keyboard's place with it. */}
        <input id={`${idBase}-name`} autoFocus value={name} maxLength={100} required aria-invalid={invalid('name')} onChange={(e) => setName(e.target.value)} />
        {alertAt('name')}
      </div>
      <div className="ag-field">
        <label htmlFor={`${idBase}-cron`}>Cron</label>
        <input id={`${idBase}-cron`} value={cron} required placeholder="0 9 * * 1-5" spellCheck={false} aria-invalid={invalid('cron')} aria-describedby={`${idBase}-cron-hint`} onChange={(e) => setCron(e.target.value)} />
        <small className="ag-muted" id={`${idBase}-cron-hint`}>
          minute hour day month weekday: <code>0 9 * * 1-5</code> is 9:00 on weekdays, <code>*/15 * * * *</code> every 15 minutes; an optional leading seconds field; or <code>@hourly</code>, <code>@daily</code>, <code>@every 5m</code>.
        </small>
        {alertAt('cron')}
      </div>
      <div className="ag-field">
        <label htmlFor={`${idBase}-timezone`}>Time zone</label>
        <input id={`${idBase}-timezone`} value={timezone} list="ag-timezones" spellCheck={false} aria-invalid={invalid('timezone')} onChange={(e) => setTimezone(e.target.value)} />
        <datalist id="ag-timezones">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        {alertAt('timezone')}
      </div>
      <div className="ag-field">
        <label htmlFor={`${idBase}-version`}>Version</label>
        <select id={`${idBase}-version`} value={version} aria-invalid={invalid('graphVersion')} onChange={(e) => setVersion(Number(e.target.value))}>
          {versions.map((v) => (
            <option key={v.version} value={v.version}>
              v{v.version}
              {v.isActive ? ' (active)' : ''}
            </option>
          ))}
        </select>
        {alertAt('graphVersion')}
      </div>
      <fieldset className="ag-form" aria-label="Inputs">
        <legend>Inputs</legend>
        {schema === null ? (
          <p className="ag-muted">Loading…</p>
        ) : props.length === 0 ? (
          <p className="ag-muted">This version has no input block.</p>
        ) : (
          props.map(([nm, s]) => (
            <div className="ag-field" key={nm}>
              <label htmlFor={`${idBase}-input-${nm}`}>
                {nm}
                {schema?.required?.includes(nm) ? ' (required)' : ''}
              </label>
              <input
                id={`${idBase}-input-${nm}`}
                data-schedule-input={nm}
                {...secretField(s)}
                value={texts[nm] ?? ''}
                placeholder={inputPlaceholder(s.default, s)}
                aria-invalid={invalid(`inputs.${nm}`)}
                aria-describedby={keepsSecret(nm, s) ? `${idBase}-input-${nm}-kept` : undefined}
                onChange={(e) => setTexts({ ...texts, [nm]: e.target.value })}
                // The mask is selected as the field is entered: what is typed replaces it whole, never adds to it.
                onFocus={(e) => keepsSecret(nm, s) && texts[nm] === secretMask && e.target.select()}
              />
              {keepsSecret(nm, s) && (
                <small className="ag-muted" id={`${idBase}-input-${nm}-kept`} data-testid="schedule-secret-kept">
                  {texts[nm] === secretMask ? 'The stored secret is kept: leave this field as it is, or type a new secret to replace it.' : 'A new secret: it replaces the stored one when saved.'}
                </small>
              )}
              {alertAt(`inputs.${nm}`)}
            </div>
          ))
        )}
      </fieldset>
      <div className="ag-field">
        <label htmlFor={`${idBase}-misfire`}>Missed while the server was down</label>
        <select id={`${idBase}-misfire`} value={misfire} aria-invalid={invalid('misfirePolicy')} onChange={(e) => setMisfire(e.target.value as MisfirePolicy)}>
          <option value="RUN_ONCE">Run once when back</option>
          <option value="SKIP">Skip</option>
        </select>
        {alertAt('misfirePolicy')}
      </div>
      {alertAt(null)}
      <div className="ag-row">
        <button type="submit" disabled={saving || schema === null}>
          {initial ? 'Save schedule' : 'Create schedule'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
