// Every error carries extensions.code, and another user's objects look
// exactly like missing ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { keys } from '../lib/env.js';
import { codeOf, data, post } from '../lib/http.js';
import { chainGraph, createGraph, executeGraph, waitForEnd } from '../lib/graphs.js';

const createMutation = 'mutation Create($input: GraphInput!) { createGraph(input: $input) { id } }';

test('no token: me is UNAUTHENTICATED', async () => {
  const { status, body } = await post('{ me { id } }');
  assert.equal(status, 200, 'an execution error is not a request error');
  assert.equal(codeOf(body), 'UNAUTHENTICATED', JSON.stringify(body));
});

test('a bad token is UNAUTHENTICATED too', async () => {
  const { body } = await post('{ me { id } }', {}, { key: 'agk_not_a_real_key' });
  assert.equal(codeOf(body), 'UNAUTHENTICATED', JSON.stringify(body));
});

test('a token works', async () => {
  const { me } = await data('{ me { email role credit { balance } } }', {}, { key: keys.alice });
  assert.match(me.email, /^alice-/);
  assert.ok(me.credit.balance > 0);
});

test('a malformed id is BAD_USER_INPUT naming the argument, for lookups and mutations alike', async () => {
  const lookup = await post('{ graph(id: "x") { id } }', {}, { key: keys.alice });
  assert.equal(lookup.status, 200, 'an execution error is not a request error');
  assert.equal(codeOf(lookup.body), 'BAD_USER_INPUT', JSON.stringify(lookup.body));
  assert.equal(lookup.body.errors[0].extensions.field, 'id');
  assert.deepEqual(lookup.body.errors[0].path, ['graph']);
  assert.deepEqual(lookup.body.data, { graph: null });

  const run = await post('mutation { executeGraph(graphId: "nope") { id } }', {}, { key: keys.alice });
  assert.equal(codeOf(run.body), 'BAD_USER_INPUT', JSON.stringify(run.body));
  assert.equal(run.body.errors[0].extensions.field, 'graphId');
});

test('a NUL character is BAD_USER_INPUT naming the field, in a name and in defaults', async () => {
  const named = chainGraph('nul\u0000name');
  const byName = await post(createMutation, { input: named }, { key: keys.alice });
  assert.equal(codeOf(byName.body), 'BAD_USER_INPUT', JSON.stringify(byName.body));
  assert.equal(byName.body.errors[0].extensions.field, 'input.name');

  const defaults = chainGraph('nul in defaults');
  defaults.nodes[1].inputDefault = { data: 'a\u0000b' };
  const byDefault = await post(createMutation, { input: defaults }, { key: keys.alice });
  assert.equal(codeOf(byDefault.body), 'BAD_USER_INPUT', JSON.stringify(byDefault.body));
  assert.equal(byDefault.body.errors[0].extensions.field, 'input.nodes[1].inputDefault');
});

test('a malformed time is BAD_USER_INPUT naming the field', async () => {
  const input = { provider: 'github', authType: 'API_KEY', secret: 's', expiresAt: 'tomorrow' };
  const { body } = await post(
    'mutation C($input: IntegrationCredentialInput!) { createCredential(input: $input) { id } }',
    { input },
    { key: keys.alice },
  );
  assert.equal(codeOf(body), 'BAD_USER_INPUT', JSON.stringify(body));
  assert.equal(body.errors[0].extensions.field, 'input.expiresAt');
});

test('createGraph with a cycle: VALIDATION_FAILED with problems', async () => {
  const input = {
    name: 'cycle',
    nodes: [
      { key: 'a', blockId: 'StoreValueBlock', inputDefault: { input: 1 } },
      { key: 'b', blockId: 'StoreValueBlock' },
    ],
    links: [
      { sourceKey: 'a', sourceName: 'output', sinkKey: 'b', sinkName: 'input' },
      { sourceKey: 'b', sourceName: 'output', sinkKey: 'a', sinkName: 'data' },
    ],
  };
  const { body } = await post(createMutation, { input }, { key: keys.alice });
  assert.equal(codeOf(body), 'VALIDATION_FAILED', JSON.stringify(body));
  const cycle = body.errors[0].extensions.problems.find((p) => p.code === 'CYCLE');
  assert.ok(cycle, JSON.stringify(body.errors[0].extensions.problems));
  assert.deepEqual([...cycle.nodeKeys].sort(), ['a', 'b']);
});

test('createGraph with an unknown block: VALIDATION_FAILED, UNKNOWN_BLOCK', async () => {
  const input = chainGraph('unknown block');
  input.nodes[1].blockId = 'NoSuchBlock';
  const { body } = await post(createMutation, { input }, { key: keys.alice });
  assert.equal(codeOf(body), 'VALIDATION_FAILED', JSON.stringify(body));
  const problems = body.errors[0].extensions.problems;
  assert.ok(
    problems.some((p) => p.code === 'UNKNOWN_BLOCK' && p.nodeKeys.includes('s')),
    JSON.stringify(problems),
  );
});

test('a 6000-node graph is BAD_USER_INPUT', async () => {
  const nodes = Array.from({ length: 6000 }, (_, i) => ({ key: `n${i}`, blockId: 'StoreValueBlock' }));
  const { body } = await post(createMutation, { input: { name: 'huge', nodes, links: [] } }, { key: keys.alice });
  assert.equal(codeOf(body), 'BAD_USER_INPUT', JSON.stringify(body).slice(0, 500));
});

test("another user's graph answers exactly like a missing one", async () => {
  const graph = await createGraph(keys.alice, chainGraph('private'));
  const q = 'query G($id: ID!) { graph(id: $id) { id name } }';
  const theirs = await post(q, { id: graph.id }, { key: keys.bob });
  const missing = await post(q, { id: randomUUID() }, { key: keys.bob });
  assert.deepEqual(theirs, missing);
  assert.deepEqual(theirs.body, { data: { graph: null } });
  assert.equal((await data(q, { id: graph.id }, { key: keys.alice })).graph.id, graph.id);

  // Mutations answer NOT_FOUND, with the same message for both.
  const run = 'mutation Run($id: ID!) { executeGraph(graphId: $id) { id } }';
  const runTheirs = await post(run, { id: graph.id }, { key: keys.bob });
  const runMissing = await post(run, { id: randomUUID() }, { key: keys.bob });
  assert.equal(codeOf(runTheirs.body), 'NOT_FOUND', JSON.stringify(runTheirs.body));
  assert.equal(runTheirs.body.errors[0].message, runMissing.body.errors[0].message);
  assert.equal(runTheirs.status, runMissing.status);
});

test("another user's execution answers exactly like a missing one", async () => {
  const graph = await createGraph(keys.alice, chainGraph('private run'));
  const run = await executeGraph(keys.alice, graph.id, { x: 1 });
  await waitForEnd(keys.alice, run.id);
  const q = 'query E($id: ID!) { execution(id: $id) { id status } }';
  const theirs = await post(q, { id: run.id }, { key: keys.bob });
  const missing = await post(q, { id: randomUUID() }, { key: keys.bob });
  assert.deepEqual(theirs, missing);
  assert.deepEqual(theirs.body, { data: { execution: null } });

  const cancel = 'mutation C($id: ID!) { cancelExecution(id: $id) { id } }';
  const cancelTheirs = await post(cancel, { id: run.id }, { key: keys.bob });
  const cancelMissing = await post(cancel, { id: randomUUID() }, { key: keys.bob });
  assert.equal(codeOf(cancelTheirs.body), 'NOT_FOUND', JSON.stringify(cancelTheirs.body));
  assert.equal(cancelTheirs.body.errors[0].message, cancelMissing.body.errors[0].message);
});

test('an operation nested too deep is refused with DEPTH_LIMIT_EXCEEDED', async () => {
  const hop = 'executions(first: 1) { edges { node { graph { ';
  const query = `{ graph(id: "x") { ${hop.repeat(4)} id ${' } } } }'.repeat(4)} } }`;
  const { status, body } = await post(query, {}, { key: keys.alice });
  assert.equal(status, 400, 'a request error under application/graphql-response+json');
  assert.equal(codeOf(body), 'DEPTH_LIMIT_EXCEEDED', JSON.stringify(body));
  assert.ok(!('data' in body));
});

test('an operation too costly is refused with COMPLEXITY_LIMIT_EXCEEDED', async () => {
  const query = '{ graphs(first: 1000) { edges { node { executions(first: 1000) { edges { node { id } } } } } } }';
  const { status, body } = await post(query, {}, { key: keys.alice });
  assert.equal(status, 400);
  assert.equal(codeOf(body), 'COMPLEXITY_LIMIT_EXCEEDED', JSON.stringify(body));

  const legacy = await post(query, {}, { key: keys.alice, accept: 'application/json' });
  assert.equal(legacy.status, 200, 'application/json answers request errors with 200');
  assert.equal(codeOf(legacy.body), 'COMPLEXITY_LIMIT_EXCEEDED');
});

test('parse and validation errors carry codes', async () => {
  assert.equal(codeOf((await post('{')).body), 'GRAPHQL_PARSE_FAILED');
  assert.equal(codeOf((await post('{ noSuchField }')).body), 'GRAPHQL_VALIDATION_FAILED');
});

test('introspection works, with and without a token', async () => {
  for (const key of [undefined, keys.alice]) {
    const { __schema } = await data('{ __schema { queryType { name } types { name } } }', {}, { key });
    assert.equal(__schema.queryType.name, 'Query');
    assert.ok(__schema.types.some((t) => t.name === 'GraphExecution'));
  }
});
