// The legacy graphql-ws subprotocol (Apollo's subscriptions-transport-ws),
// which older clients still speak.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import stws from 'subscriptions-transport-ws';
import { keys, wsURL } from '../lib/env.js';
import { data } from '../lib/http.js';
import { createGraph, executeGraph, executionQuery, waitGraph } from '../lib/graphs.js';
import { executionEventsQuery } from '../lib/ws.js';
import { checkEventStream } from '../lib/events.js';

const { SubscriptionClient } = stws;

/** Collects results until the server completes the operation. */
function follow(client, query, variables, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const results = [];
    const timer = setTimeout(() => reject(new Error(`no completion within ${timeoutMs} ms: ${JSON.stringify(results)}`)), timeoutMs);
    client.request({ query, variables }).subscribe({
      next: (r) => results.push(r),
      error: (err) => {
        clearTimeout(timer);
        reject(Object.assign(new Error(`subscription failed: ${JSON.stringify(err)}`), { raw: err }));
      },
      complete: () => {
        clearTimeout(timer);
        resolve(results);
      },
    });
  });
}

function legacyClient(key, t) {
  const client = new SubscriptionClient(
    wsURL,
    { connectionParams: { Authorization: `Bearer ${key}` }, reconnect: false, lazy: true },
    WebSocket,
  );
  t.after(() => client.close());
  return client;
}

test('subscriptions-transport-ws follows a run to its end', async (t) => {
  const graph = await createGraph(keys.alice, waitGraph(0.5, 'e2e legacy'));
  const client = legacyClient(keys.alice, t);
  const run = await executeGraph(keys.alice, graph.id, { x: 'legacy' });
  const results = await follow(client, executionEventsQuery, { id: run.id });
  for (const r of results) assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  const events = results.map((r) => r.data.executionEvents);
  assert.equal(checkEventStream(events), 'COMPLETED');

  const { execution } = await data(executionQuery, { id: run.id }, { key: keys.alice });
  assert.equal(execution.status, 'COMPLETED');
  assert.deepEqual(execution.outputs, { y: ['legacy'] });
  assert.equal(execution.lastSeq, events.at(-1).seq);
});

test('subscriptions-transport-ws runs queries too', async (t) => {
  const client = legacyClient(keys.bob, t);
  const results = await follow(client, '{ me { email } }');
  assert.equal(results.length, 1);
  assert.match(results[0].data.me.email, /^bob-/);
});
