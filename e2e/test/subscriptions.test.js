// Live execution events over graphql-transport-ws with the graphql-ws client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keys } from '../lib/env.js';
import { data } from '../lib/http.js';
import { blockIds, chainGraph, createGraph, executeGraph, executionQuery, waitForEnd } from '../lib/graphs.js';
import { collect, connectedClient, executionEventsQuery, wsClient } from '../lib/ws.js';
import { checkEventStream, eventsOf } from '../lib/events.js';

// The events with what a UI shows beside them: each node event's node (key,
// label, block) and, on the run's end, its outputs.
const eventsWithNodesQuery = `subscription Events($id: ID!) {
  executionEvents(executionId: $id) {
    seq kind status nodeId pin value error outputs
    node { id key label block { id name } }
    execution { id status outputs lastSeq }
  }
}`;

test('follows a run live: SNAPSHOT, seq +1, GRAPH_STATUS COMPLETED, complete', async (t) => {
  const ids = await blockIds(keys.alice);
  for (const name of ['AgentInputBlock', 'StoreValueBlock', 'AgentOutputBlock', 'WaitBlock']) {
    assert.ok(ids[name], `the blocks query lists ${name}`);
  }
  // The chain with a short wait first, so the run is surely in flight when
  // the subscription starts and its events arrive live.
  const input = chainGraph('e2e live', ids);
  input.nodes.push({ key: 'wait', blockId: ids.WaitBlock, inputDefault: { seconds: 1 } });
  input.links[0] = { sourceKey: 'in', sourceName: 'result', sinkKey: 'wait', sinkName: 'data' };
  input.links.push({ sourceKey: 'wait', sourceName: 'data', sinkKey: 's', sinkName: 'input' });
  input.nodes.find((n) => n.key === 's').label = 'Keep the value';
  const graph = await createGraph(keys.alice, input);
  const blockOf = { in: 'AgentInputBlock', wait: 'WaitBlock', s: 'StoreValueBlock', out: 'AgentOutputBlock' };

  const client = await connectedClient(keys.alice);
  t.after(() => client.dispose());
  const run = await executeGraph(keys.alice, graph.id, { x: 42 });
  const events = eventsOf(await collect(client, eventsWithNodesQuery, { id: run.id }));

  assert.equal(checkEventStream(events), 'COMPLETED');
  assert.equal(events.at(-1).kind, 'GRAPH_STATUS', 'the end arrived live');
  assert.ok(events.length > 2, `node events arrived live: ${events.length}`);
  assert.ok(
    events.some((e) => e.kind === 'NODE_OUTPUT' && e.pin === 'output' && e.value === 42),
    'the store node output arrives as a NODE_OUTPUT event',
  );
  const nodeEvents = events.filter((e) => e.kind === 'NODE_STATUS' || e.kind === 'NODE_OUTPUT');
  assert.ok(nodeEvents.length > 0, 'node events arrived live');
  for (const e of nodeEvents) {
    assert.ok(e.node, `a node event shows its node: ${JSON.stringify(e)}`);
    assert.equal(e.node.id, e.nodeId, 'the node of the event');
    assert.ok(e.node.key in blockOf, `a key of the graph: ${e.node.key}`);
    assert.equal(e.node.block.name, blockOf[e.node.key], `the block of ${e.node.key}`);
    assert.equal(e.node.block.id, ids[blockOf[e.node.key]]);
    assert.equal(e.node.label, e.node.key === 's' ? 'Keep the value' : '', `the label of ${e.node.key}`);
    assert.equal(e.outputs, null, 'only the end carries the outputs');
  }
  assert.ok(
    nodeEvents.some((e) => e.kind === 'NODE_OUTPUT' && e.node.key === 's' && e.value === 42),
    'the store node is named on its output',
  );
  assert.equal(events[0].node, null, 'a SNAPSHOT concerns no node');
  assert.equal(events.at(-1).node, null, 'the end concerns no node');
  assert.deepEqual(events.at(-1).outputs, { y: [42] }, "the end carries the run's outputs");

  const { execution } = await data(executionQuery, { id: run.id }, { key: keys.alice });
  assert.equal(execution.status, 'COMPLETED');
  assert.deepEqual(execution.outputs, { y: [42] });
  assert.equal(execution.lastSeq, events.at(-1).seq, 'the stream ended at the last stored event');
});

test('follows the plain chain, however far it got before subscribing', async (t) => {
  const graph = await createGraph(keys.alice, chainGraph('e2e chain'));
  const client = await connectedClient(keys.alice);
  t.after(() => client.dispose());
  const run = await executeGraph(keys.alice, graph.id, { x: 7 });
  const events = eventsOf(await collect(client, executionEventsQuery, { id: run.id }));
  assert.equal(checkEventStream(events), 'COMPLETED');

  const { execution } = await data(executionQuery, { id: run.id }, { key: keys.alice });
  assert.equal(execution.status, 'COMPLETED');
  assert.deepEqual(execution.outputs, { y: [7] });
  assert.equal(execution.lastSeq, events.at(-1).seq);
});

test('a finished run gives one SNAPSHOT and completes', async (t) => {
  const graph = await createGraph(keys.alice, chainGraph('e2e finished'));
  const run = await executeGraph(keys.alice, graph.id, { x: 'done' });
  const ended = await waitForEnd(keys.alice, run.id);
  assert.equal(ended.status, 'COMPLETED');

  const client = wsClient(keys.alice);
  t.after(() => client.dispose());
  const events = eventsOf(await collect(client, executionEventsQuery, { id: run.id }));
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.equal(events[0].kind, 'SNAPSHOT');
  assert.equal(events[0].status, 'COMPLETED');
  assert.equal(events[0].seq, ended.lastSeq);
  assert.deepEqual(events[0].execution.outputs, { y: ['done'] });
});

test("another user's run cannot be followed", async (t) => {
  const graph = await createGraph(keys.alice, chainGraph('e2e private'));
  const run = await executeGraph(keys.alice, graph.id, { x: 1 });

  const client = wsClient(keys.bob);
  t.after(() => client.dispose());
  // graphql-ws reports a subscribe-time failure either as an "error" message
  // (rejecting here) or as a result with errors followed by "complete".
  let errors;
  try {
    const results = await collect(client, executionEventsQuery, { id: run.id });
    assert.ok(results.every((r) => !r.data?.executionEvents), `no events leak: ${JSON.stringify(results)}`);
    errors = results.flatMap((r) => r.errors ?? []);
  } catch (err) {
    assert.ok(Array.isArray(err.raw), `an "error" message, not a closed socket: ${err.message}`);
    errors = err.raw;
  }
  assert.ok(errors.length > 0, 'an error is reported');
  assert.equal(errors[0].extensions?.code, 'NOT_FOUND', JSON.stringify(errors));
});
