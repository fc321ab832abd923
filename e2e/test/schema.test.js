// Third parties read the schema by introspection: what the server serves
// must build with graphql-js and equal the committed schema.graphqls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  GraphQLSchema,
  buildClientSchema,
  buildSchema,
  findBreakingChanges,
  findDangerousChanges,
  getIntrospectionQuery,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';
import { data } from '../lib/http.js';

const introspectionQuery = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
});

async function servedSchema() {
  // Introspection needs no token: it is public, like the schema file.
  return buildClientSchema(await data(introspectionQuery));
}

test('introspection builds a client schema', async () => {
  const schema = await servedSchema();
  assert.equal(schema.getQueryType()?.name, 'Query');
  assert.equal(schema.getMutationType()?.name, 'Mutation');
  assert.equal(schema.getSubscriptionType()?.name, 'Subscription');
  assert.ok(schema.getType('ExecutionEvent'));
});

// gqlgen's prelude declares @defer on every schema; graphql-js 16 does not
// count it as a specified directive, so it is the one directive the server
// may have beyond the file. Anything else must match exactly.
const serverBuiltins = new Set(['defer']);

test('the served schema equals schema.graphqls', async () => {
  const introspected = await servedSchema();
  const served = new GraphQLSchema({
    ...introspected.toConfig(),
    directives: introspected.getDirectives().filter((d) => !serverBuiltins.has(d.name)),
  });
  const committed = buildSchema(await readFile(new URL('../../schema.graphqls', import.meta.url), 'utf8'));
  for (const [from, to, dir] of [
    [committed, served, 'file → server'],
    [served, committed, 'server → file'],
  ]) {
    assert.deepEqual(findBreakingChanges(from, to), [], `breaking changes ${dir}`);
    assert.deepEqual(findDangerousChanges(from, to), [], `dangerous changes ${dir}`);
  }
  // Descriptions, deprecations and default values too.
  assert.equal(printSchema(lexicographicSortSchema(served)), printSchema(lexicographicSortSchema(committed)));
});
