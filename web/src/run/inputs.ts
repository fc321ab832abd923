// What was typed into a run input, as the value executeGraph is sent. The
// graph's inputSchema (Graph.inputSchema) says each input's type: a text
// input takes the text as typed, so "123" or {"a":1} typed there stay text
// (read as JSON they were a number the input refused, or an object); any
// other input reads JSON when it is JSON (21, true, [1]), else the text.
import type { JSONSchema } from '../api/types';
import { typeOf } from '../canvas/pins';

export function isText(schema: JSONSchema | undefined): boolean {
  return typeOf(schema) === 'string';
}

export function runInputValue(text: string, schema: JSONSchema | undefined): unknown {
  if (isText(schema)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * What an empty input field shows: the value it runs with (given), else what
 * it reads. A secret input's default is not shown (its field is a password
 * field: secretField), only that there is one.
 */
export function inputPlaceholder(given: unknown, schema: JSONSchema | undefined): string {
  if (given !== undefined && schema?.writeOnly) return 'empty: its secret default';
  return given !== undefined ? JSON.stringify(given) : isText(schema) ? 'text' : 'a value (JSON or text)';
}

/**
 * A stored input value as the text runInputValue reads back as that value:
 * a string as typed when it reads back as itself ("hello"), else JSON ("21"
 * for the string 21 in an input that is not text, which would read a number).
 */
export function inputText(value: unknown, schema: JSONSchema | undefined): string {
  return typeof value === 'string' && runInputValue(value, schema) === value ? value : JSON.stringify(value);
}

/**
 * The inputs typed into fields named by the graph's inputSchema, as
 * executeGraph (or a schedule) is sent them: an empty field is not given.
 */
export function readInputs(texts: Record<string, string>, inputSchema: JSONSchema | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [nm, schema] of Object.entries(inputSchema?.properties ?? {})) {
    if (texts[nm] !== undefined && texts[nm] !== '') out[nm] = runInputValue(texts[nm], schema);
  }
  return out;
}

/**
 * A secret input's field (writeOnly in the inputSchema: an AgentInputBlock
 * with secret set) is a password field, as the API key's is: what is typed
 * is not shown on screen, and the browser neither fills it in nor offers to
 * remember it as a sign-in password.
 */
export function secretField(schema: JSONSchema | undefined): { type?: 'password'; autoComplete?: string } {
  return schema?.writeOnly ? { type: 'password', autoComplete: 'new-password' } : {};
}
