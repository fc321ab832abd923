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
