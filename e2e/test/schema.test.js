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
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
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

// Every element a client can see says what it is (DESIGN.md: third parties
// learn the API from introspection alone). Only the spec's __ types are
// skipped; built-in scalars and directives carry their spec descriptions.
function undescribed(schema) {
  const missing = [];
  const check = (what, desc) => {
    if (!desc || !desc.trim()) missing.push(what);
  };
  check('schema', schema.description);
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type)) continue;
    check(`type ${type.name}`, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const f of Object.values(type.getFields())) {
        check(`field ${type.name}.${f.name}`, f.description);
        for (const a of f.args) check(`argument ${type.name}.${f.name}(${a.name})`, a.description);
      }
    }
    if (isInputObjectType(type)) {
      for (const f of Object.values(type.getFields())) check(`input field ${type.name}.${f.name}`, f.description);
    }
    if (isEnumType(type)) {
      for (const v of type.getValues()) check(`enum value ${type.name}.${v.name}`, v.description);
    }
  }
  for (const d of schema.getDirectives()) {
    check(`directive @${d.name}`, d.description);
    for (const a of d.args) check(`argument @${d.name}(${a.name})`, a.description);
  }
  return missing;
}

test('every type, field, argument, input field, enum value and directive is described', async () => {
  const schema = await servedSchema();
  assert.ok(Object.keys(schema.getTypeMap()).length > 50, 'introspection returned too few types');
  assert.deepEqual(undescribed(schema), []);
});
