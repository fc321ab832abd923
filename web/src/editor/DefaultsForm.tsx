// A node's default inputs, as a form generated from its block's input JSON
// Schema: text, number, checkbox or a choice per pin, JSON for the rest.
import { useEffect, useState } from 'react';
import type { JSONSchema } from '../api/types';
import { typeOf } from '../canvas/pins';

interface Props {
  nodeKey: string;
  schema: JSONSchema;
  value: Record<string, unknown>;
  onChange: (next: Record<string, unknown>) => void;
}

function JSONField({ id, value, onChange }: { id: string; value: unknown; onChange: (v: unknown) => void }) {
  const [text, setText] = useState(value === undefined ? '' : JSON.stringify(value, null, 1));
  const [bad, setBad] = useState(false);
  useEffect(() => setText(value === undefined ? '' : JSON.stringify(value, null, 1)), [value]);
  return (
    <>
      <textarea
        id={id}
        rows={3}
        value={text}
        aria-invalid={bad}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === '') {
            setBad(false);
            onChange(undefined);
            return;
          }
          try {
            const v = JSON.parse(e.target.value);
            setBad(false);
            onChange(v);
          } catch {
            setBad(true);
          }
        }}
      />
      {bad && <span className="ag-error">Not valid JSON yet: the last valid value is kept.</span>}
    </>
  );
}

export function DefaultsForm({ nodeKey, schema, value, onChange }: Props) {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const set = (name: string, v: unknown) => {
    const next = { ...value };
    if (v === undefined || v === '') delete next[name];
    else next[name] = v;
    onChange(next);
  };
  return (
    <fieldset className="ag-form" aria-label="Default inputs">
      <legend>Default inputs</legend>
      {Object.entries(props).map(([name, s]) => {
        const id = `def-${nodeKey}-${name}`;
        const t = typeOf(s);
        const v = value[name];
        let field;
        if (s.enum) {
          field = (
            <select id={id} value={v === undefined ? '' : String(v)} onChange={(e) => set(name, e.target.value === '' ? undefined : s.enum!.find((x) => String(x) === e.target.value))}>
              <option value="">(default{s.default !== undefined ? `: ${String(s.default)}` : ''})</option>
              {s.enum.map((x) => (
                <option key={String(x)} value={String(x)}>
                  {String(x)}
                </option>
              ))}
            </select>
          );
        } else if (t === 'boolean') {
          field = <input id={id} type="checkbox" checked={Boolean(v ?? s.default)} onChange={(e) => set(name, e.target.checked)} />;
        } else if (t === 'number' || t === 'integer') {
          field = (
            <input
              id={id}
              type="number"
              step={t === 'integer' ? 1 : 'any'}
              value={typeof v === 'number' ? v : ''}
              placeholder={s.default !== undefined ? String(s.default) : ''}
              onChange={(e) => set(name, e.target.value === '' ? undefined : Number(e.target.value))}
            />
          );
        } else if (t === 'string') {
          field = <input id={id} type="text" value={typeof v === 'string' ? v : ''} placeholder={s.default !== undefined ? String(s.default) : ''} onChange={(e) => set(name, e.target.value)} />;
        } else {
          field = <JSONField id={id} value={v} onChange={(x) => set(name, x)} />;
        }
        return (
          <div className="ag-field" key={name}>
            <label htmlFor={id}>
              {s.title ?? name}
              {required.has(name) ? ' *' : ''} <span className="ag-muted">({t})</span>
            </label>
            {field}
            {s.description && <small className="ag-muted">{s.description}</small>}
          </div>
        );
      })}
    </fieldset>
  );
}
