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

export { typeOf };
