import { data } from './http.js';

// Block names are accepted wherever a block id is (NodeInput.blockId).

/** AgentInputBlock "x" → StoreValueBlock → AgentOutputBlock "y". */
export function chainGraph(name = 'e2e chain', ids = {}) {
  return {
    name,
    nodes: [
      { key: 'in', blockId: ids.AgentInputBlock ?? 'AgentInputBlock', inputDefault: { name: 'x' } },
      { key: 's', blockId: ids.StoreValueBlock ?? 'StoreValueBlock' },
      { key: 'out', blockId: ids.AgentOutputBlock ?? 'AgentOutputBlock', inputDefault: { name: 'y' } },
    ],
    links: [
      { sourceKey: 'in', sourceName: 'result', sinkKey: 's', sinkName: 'input' },
      { sourceKey: 's', sourceName: 'output', sinkKey: 'out', sinkName: 'value' },
    ],
  };
}

/** AgentInputBlock "x" → WaitBlock (seconds) → AgentOutputBlock "y": a run that stays in flight. */
export function waitGraph(seconds, name = 'e2e wait') {
  return {
    name,
    nodes: [
      { key: 'in', blockId: 'AgentInputBlock', inputDefault: { name: 'x' } },
      { key: 'wait', blockId: 'WaitBlock', inputDefault: { seconds } },
      { key: 'out', blockId: 'AgentOutputBlock', inputDefault: { name: 'y' } },
    ],
    links: [
      { sourceKey: 'in', sourceName: 'result', sinkKey: 'wait', sinkName: 'data' },
      { sourceKey: 'wait', sourceName: 'data', sinkKey: 'out', sinkName: 'value' },
    ],
  };
}

/** Block ids by name, from the blocks query. */
export async function blockIds(key) {
  const { blocks } = await data('{ blocks { id name } }', {}, { key });
  return Object.fromEntries(blocks.map((b) => [b.name, b.id]));
}

export async function createGraph(key, input) {
  const { createGraph } = await data(
    'mutation Create($input: GraphInput!) { createGraph(input: $input) { id version nodes { id key } } }',
    { input },
    { key },
  );
  return createGraph;
}

export async function executeGraph(key, graphId, inputs) {
  const { executeGraph } = await data(
    'mutation Run($id: ID!, $inputs: JSON) { executeGraph(graphId: $id, inputs: $inputs) { id status } }',
    { id: graphId, inputs },
    { key },
  );
  return executeGraph;
}

export const executionQuery = `query Execution($id: ID!) {
  execution(id: $id) { id status outputs errorMessage lastSeq }
}`;

/** Polls the execution until it ends; for tests that do not follow it live. */
export async function waitForEnd(key, id, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { execution } = await data(executionQuery, { id }, { key });
    if (!['QUEUED', 'RUNNING'].includes(execution.status)) return execution;
    if (Date.now() > end) throw new Error(`execution ${id} still ${execution.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
