// Apollo Client with its default normalising cache (InMemoryCache), which
// stores every object under `__typename:id`: each version of a graph must
// have an id of its own, or the cache merges them and a graph's version list
// shows one version several times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { graphqlURL, keys } from '../lib/env.js';
import { chainGraph } from '../lib/graphs.js';

function client(key) {
  return new ApolloClient({
    link: new HttpLink({ uri: graphqlURL, headers: { authorization: `Bearer ${key}` } }),
    cache: new InMemoryCache(),
  });
}

const CREATE = gql`
  mutation Create($input: GraphInput!) {
    createGraph(input: $input) { id graphId version }
  }
`;
const UPDATE = gql`
  mutation Update($id: ID!, $input: GraphInput!) {
    updateGraph(id: $id, input: $input) { id graphId version }
  }
`;
const VERSIONS = gql`
  query Versions($id: ID!, $version: Int) {
    graph(id: $id, version: $version) { id graphId version versions { id graphId version } nodes { id key } }
  }
`;

test('two versions of a graph stay two objects in InMemoryCache', async () => {
  const apollo = client(keys.alice);
  const input = chainGraph(`apollo cache ${randomUUID()}`);
  const { data: created } = await apollo.mutate({ mutation: CREATE, variables: { input } });
  const graphId = created.createGraph.graphId;
  assert.equal(created.createGraph.version, 1);
  input.nodes.push({ key: 'extra', blockId: 'StoreValueBlock', inputDefault: { input: 1 } });
  const { data: updated } = await apollo.mutate({ mutation: UPDATE, variables: { id: graphId, input } });
  assert.equal(updated.updateGraph.version, 2);
  assert.equal(updated.updateGraph.graphId, graphId, 'graphId is the same for every version');
  assert.notEqual(updated.updateGraph.id, created.createGraph.id, 'each version has its own id');

  const { data } = await apollo.query({ query: VERSIONS, variables: { id: graphId } });
  assert.equal(data.graph.version, 2, 'the active version');
  assert.equal(data.graph.graphId, graphId);
  assert.deepEqual(
    data.graph.versions.map((v) => v.version),
    [2, 1],
    `versions as the cache returns them: ${JSON.stringify(data.graph.versions)}`,
  );
  assert.deepEqual(
    data.graph.versions.map((v) => v.id),
    [updated.updateGraph.id, created.createGraph.id],
  );
  for (const v of data.graph.versions) assert.equal(v.graphId, graphId);

  // Reading version 1 on its own, then the first query again from the
  // cache: nothing was overwritten.
  const { data: first } = await apollo.query({ query: VERSIONS, variables: { id: created.createGraph.id } });
  assert.equal(first.graph.version, 1);
  assert.equal(first.graph.nodes.length, 3);
  const again = apollo.readQuery({ query: VERSIONS, variables: { id: graphId } });
  assert.equal(again.graph.version, 2);
  assert.equal(again.graph.nodes.length, 4);
  assert.deepEqual(again.graph.versions.map((v) => v.version), [2, 1]);

  // The cache holds one entry per version.
  const stored = apollo.cache.extract();
  assert.equal(stored[`Graph:${created.createGraph.id}`].version, 1);
  assert.equal(stored[`Graph:${updated.updateGraph.id}`].version, 2);
  assert.equal(stored[`Graph:${graphId}`], undefined, 'no object is stored under the graph id itself');
});
