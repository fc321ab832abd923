import type { Block, JSONSchema } from '../api/types';

export interface Pin {
  name: string;
  title: string;
  type: string;
  required: boolean;
}

function typeOf(s: JSONSchema | undefined): string {
  if (!s) return 'any';
  if (Array.isArray(s.type)) return s.type.filter((t) => t !== 'null').join('|') || 'any';
  if (s.type) return s.type;
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return alt.map(typeOf).filter((t) => t !== 'null').join('|') || 'any';
  return 'any';
}

function pinsOf(schema: JSONSchema | undefined): Pin[] {
  const props = schema?.properties ?? {};
  const req = new Set(schema?.required ?? []);
  return Object.entries(props).map(([name, s]) => ({ name, title: s.title ?? name, type: typeOf(s), required: req.has(name) }));
}

/** The input pins of a block: one per property of its input JSON Schema. */
export function inputPins(block: Block | null | undefined): Pin[] {
  return pinsOf(block?.inputSchema);
}

/** The output pins of a block: one per property of its output JSON Schema. */
export function outputPins(block: Block | null | undefined): Pin[] {
  return pinsOf(block?.outputSchema);
}

/**
 * A node's pins in the order they are drawn: its block's inputs, then the
 * input pins its links use that the schema does not list (dynamic pins such
 * as `items_$_0`); its block's outputs. The node's drawing and its geometry
 * (geometry.ts) both read this, so a handle is where its row is.
 */
export function nodePins(block: Block | null | undefined, extraInputs?: string[]): { ins: Pin[]; outs: Pin[] } {
  const ins = inputPins(block);
  for (const extra of extraInputs ?? []) ins.push({ name: extra, title: extra, type: 'any', required: false });
  return { ins, outs: outputPins(block) };
}

export { typeOf };
