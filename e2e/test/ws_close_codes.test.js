// graphql-transport-ws close codes, probed with raw frames (PROTOCOL.md of
// the graphql-ws library is the reference).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keys } from '../lib/env.js';
import { chainGraph, createGraph } from '../lib/graphs.js';
import { rawSocket, within } from '../lib/rawws.js';

const auth = { Authorization: `Bearer ${keys.alice}` };

/** A socket past connection_init/connection_ack. */
async function acked(t) {
  const s = rawSocket();
  t.after(() => s.close());
  await s.opened;
  assert.equal(s.ws.protocol, 'graphql-transport-ws');
  s.send({ type: 'connection_init', payload: auth });
  assert.equal((await within(5000, s.next(), 'connection_ack')).type, 'connection_ack');
  return s;
}

async function expectClose(s, code, what) {
  const closed = await within(5000, s.closed, what);
  assert.equal(closed.code, code, `${what}: closed ${closed.code} ${closed.reason}`);
}

test('4400 on a message that is not JSON', async (t) => {
  const s = await acked(t);
  s.send('{ not json');
  await expectClose(s, 4400, 'bad JSON');
});

test('4400 on an unknown message type', async (t) => {
  const s = await acked(t);
  s.send({ type: 'no_such_type' });
  await expectClose(s, 4400, 'unknown type');
});

test('4401 on subscribe before connection_ack', async (t) => {
  const s = rawSocket();
  t.after(() => s.close());
  await s.opened;
  s.send({ id: '1', type: 'subscribe', payload: { query: '{ __typename }' } });
  await expectClose(s, 4401, 'subscribe before init');
});

test('4403 on a bad token in connection_init', async (t) => {
  const s = rawSocket();
  t.after(() => s.close());
  await s.opened;
  s.send({ type: 'connection_init', payload: { Authorization: 'Bearer agk_not_a_real_key' } });
  await expectClose(s, 4403, 'bad token');
});

test('4403 for a bad token given as "token" too', async (t) => {
  const s = rawSocket();
  t.after(() => s.close());
  await s.opened;
  s.send({ type: 'connection_init', payload: { token: 'agk_not_a_real_key' } });
  await expectClose(s, 4403, 'bad token');
});

test('a good token given as "token" is acknowledged', async (t) => {
  const s = rawSocket();
  t.after(() => s.close());
  await s.opened;
  s.send({ type: 'connection_init', payload: { token: keys.alice } });
  assert.equal((await within(5000, s.next(), 'connection_ack')).type, 'connection_ack');
});

test('4406 when no subprotocol is offered', async (t) => {
  const s = rawSocket([]);
  t.after(() => s.close());
  await expectClose(s, 4406, 'no subprotocol');
});

test('4408 when connection_init never comes', async (t) => {
  // The server waits InitTimeout (10 s by default) for connection_init.
  const s = rawSocket();
  t.after(() => s.close());
  await s.opened;
  const closed = await within(20_000, s.closed, 'init timeout');
  assert.equal(closed.code, 4408, `closed ${closed.code} ${closed.reason}`);
});

test('4409 on a second subscribe with a running id', async (t) => {
  const graph = await createGraph(keys.alice, chainGraph('e2e 4409'));
  const s = await acked(t);
  // graphExecutions never completes by itself: the id stays taken.
  const sub = { query: 'subscription S($id: ID!) { graphExecutions(graphId: $id) { id } }', variables: { id: graph.id } };
  s.send({ id: 'dup', type: 'subscribe', payload: sub });
  s.send({ id: 'dup', type: 'subscribe', payload: sub });
  await expectClose(s, 4409, 'duplicate id');
});

test('4429 on a second connection_init', async (t) => {
  const s = await acked(t);
  s.send({ type: 'connection_init', payload: auth });
  await expectClose(s, 4429, 'second init');
});

test('ping gets pong, before and after the ack', async (t) => {
  const s = rawSocket();
  t.after(() => s.close());
  await s.opened;
  s.send({ type: 'ping', payload: { n: 1 } });
  assert.equal((await within(5000, s.next(), 'pong')).type, 'pong');
  s.send({ type: 'connection_init', payload: auth });
  assert.equal((await within(5000, s.next(), 'connection_ack')).type, 'connection_ack');
  s.send({ type: 'ping' });
  assert.equal((await within(5000, s.next(), 'pong')).type, 'pong');
});

test('a query over the socket: next, then complete', async (t) => {
  const s = await acked(t);
  s.send({ id: 'q', type: 'subscribe', payload: { query: '{ me { email } }' } });
  const next = await within(5000, s.next(), 'next');
  assert.equal(next.type, 'next');
  assert.equal(next.id, 'q');
  assert.match(next.payload.data.me.email, /^alice-/);
  assert.deepEqual(await within(5000, s.next(), 'complete'), { id: 'q', type: 'complete' });
});
