// A Redis restart while a run is in flight: the subscriber loses its
// pub/sub connection and events published meanwhile, and must still end
// with the run's true final state (re-read from Postgres). This test stops
// the shared Redis, so scripts/e2e.sh runs it alone, last; it always starts
// Redis again, even when it fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { keys } from '../lib/env.js';
import { data } from '../lib/http.js';
import { createGraph, executeGraph, executionQuery, waitGraph } from '../lib/graphs.js';
import { collect, connectedClient, executionEventsQuery } from '../lib/ws.js';
import { checkEventStream, eventsOf } from '../lib/events.js';

const run = promisify(execFile);
const redisArgs = ['-h', '127.0.0.1', '-p', '6379'];

async function redisUp() {
  try {
    const { stdout } = await run('redis-cli', [...redisArgs, 'ping']);
    return stdout.trim() === 'PONG';
  } catch {
    return false;
  }
}

async function startRedis() {
  if (await redisUp()) return;
  await run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no']);
  for (let i = 0; i < 100 && !(await redisUp()); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(await redisUp(), 'Redis came back');
}

async function stopRedis() {
  // shutdown closes the connection, so redis-cli reports an error: expected.
  await run('redis-cli', [...redisArgs, 'shutdown', 'nosave']).catch(() => {});
  for (let i = 0; i < 100 && (await redisUp()); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(!(await redisUp()), 'Redis stopped');
}

test('a subscriber survives a Redis restart during a run', async (t) => {
  t.after(startRedis);
  const graph = await createGraph(keys.alice, waitGraph(2, 'e2e redis restart'));
  const client = await connectedClient(keys.alice);
  t.after(() => client.dispose());

  const execution = await executeGraph(keys.alice, graph.id, { x: 'survived' });
  let sawFirst;
  const first = new Promise((r) => (sawFirst = r));
  const stream = collect(client, executionEventsQuery, { id: execution.id }, { timeoutMs: 60_000, onNext: () => sawFirst() });
  await first; // subscribed: the SNAPSHOT is here
  await stopRedis();
  await new Promise((r) => setTimeout(r, 500));
  await startRedis();

  const events = eventsOf(await stream);
  assert.equal(checkEventStream(events, { allowResync: true }), 'COMPLETED');
  const { execution: final } = await data(executionQuery, { id: execution.id }, { key: keys.alice });
  assert.equal(final.status, 'COMPLETED');
  assert.deepEqual(final.outputs, { y: ['survived'] });
  assert.equal(events.at(-1).seq, final.lastSeq, 'the stream ended at the stored end');
  if (events.at(-1).kind === 'SNAPSHOT') {
    assert.deepEqual(events.at(-1).execution.outputs, { y: ['survived'] });
  }
});
