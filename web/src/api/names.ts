// Names for graphs the app makes (a new graph, a fork). A name must be unique
// among the caller's active graphs (CONFLICT otherwise): a second "Untitled
// graph", or a second fork of one template, was refused. These pick the first
// of a numbered series that none of the caller's graphs has.
import { gql } from './client';
import { GRAPH_NAMES } from './queries';

const maxName = 100; // GraphInput.name

/** The n-th name of a new graph: Untitled graph, Untitled graph 2, … */
export const untitled = 'Untitled graph';
export const untitledName = (n: number) => (n === 1 ? untitled : `${untitled} ${n}`);

/** The n-th name of a fork of `base`: base, base (copy), base (copy 2), … cut to fit the limit. */
export function forkName(base: string): (n: number) => string {
  return (n) => {
    const suffix = n === 1 ? '' : n === 2 ? ' (copy)' : ` (copy ${n - 1})`;
    return base.slice(0, maxName - suffix.length) + suffix;
  };
}

/** The first name of the series that none of the caller's active graphs has. */
export async function freeName(series: (n: number) => string): Promise<string> {
  const d = await gql<{ graphs: { edges: Array<{ node: { name: string } }> } }>(GRAPH_NAMES, { q: series(1) });
  const taken = new Set(d.graphs.edges.map((e) => e.node.name));
  for (let n = 1; ; n++) if (!taken.has(series(n))) return series(n);
}
