import { graphqlURL } from './env.js';

/**
 * Posts one GraphQL operation and returns the HTTP status and parsed body.
 * The default Accept is what modern clients send (graphql-http's own client).
 */
export async function post(query, variables, { key, accept } = {}) {
  const headers = {
    'content-type': 'application/json',
    accept: accept ?? 'application/graphql-response+json, application/json;q=0.9',
  };
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(graphqlURL, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${res.status}: not JSON: ${text.slice(0, 500)}`);
  }
  return { status: res.status, body };
}

/** Runs an operation that must succeed and returns its data. */
export async function data(query, variables, opts) {
  const { status, body } = await post(query, variables, opts);
  if (status !== 200 || body.errors?.length) {
    throw new Error(`expected success, got HTTP ${status}: ${JSON.stringify(body)}`);
  }
  return body.data;
}

/** The first error's extensions.code, or undefined. */
export function codeOf(body) {
  return body.errors?.[0]?.extensions?.code;
}
