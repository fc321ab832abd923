// Forking a graph into one of the caller's own, under a name none of their
// graphs has (api/names.ts): the graph list's Fork and a template's page.
import { gql } from './client';
import { forkName, freeName } from './names';
import { FORK, graphRef } from './queries';

/** Forks g and returns the new graph's ref (Graph.graphId). */
export async function fork(g: { id: string; graphId?: string; name: string }): Promise<string> {
  const name = await freeName(forkName(g.name));
  const d = await gql<{ forkGraph: { id: string; graphId: string } }>(FORK, { id: graphRef(g), name });
  return graphRef(d.forkGraph);
}
