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

function readsAsJSON(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/** A value as the field shows it: a string that is not JSON as itself, anything else as JSON. */
function asText(v: unknown): string {
  if (v === undefined) return '';
  return typeof v === 'string' && !readsAsJSON(v) ? v : JSON.stringify(v, null, 1);
}

/**
 * A pin of another type than the form's own fields, edited as JSON. When the
 * pin takes a string too (textOk: an "any" pin such as AgentInputBlock's
 * value), text that is not JSON is that string, as the run form reads it; it
 * was refused as "not valid JSON".
 */
function JSONField({ id, value, textOk, onChange }: { id: string; value: unknown; textOk: boolean; onChange: (v: unknown) => void }) {
  const [text, setText] = useState(asText(value));
  const [bad, setBad] = useState(false);
  // A new value from outside replaces the text; the one just typed keeps it as
  // typed ("abc" with its quotes is the string abc, shown as abc otherwise).
  useEffect(() => {
    const read = (s: string) => {
      if (s.trim() === '') return undefined;
      try {
        return JSON.parse(s);
      } catch {
        return textOk ? s : undefined;
      }
    };
    setText((cur) => (JSON.stringify(read(cur)) === JSON.stringify(value) ? cur : asText(value)));
  }, [value, textOk]);
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
            setBad(!textOk);
            if (textOk) onChange(e.target.value);
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
          field = <JSONField id={id} value={v} textOk={t === 'any' || t.split('|').includes('string')} onChange={(x) => set(name, x)} />;
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
