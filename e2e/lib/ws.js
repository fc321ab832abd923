import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { wsURL } from './env.js';

/** A graphql-ws (graphql-transport-ws) client authenticated with key. */
export function wsClient(key, extra = {}) {
  return createClient({
    url: wsURL,
    webSocketImpl: WebSocket,
    connectionParams: key ? { Authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    lazy: true,
    ...extra,
  });
}

/** A client whose connection is acknowledged, so a subscribe costs one message. */
export async function connectedClient(key) {
  let client;
  await new Promise((resolve, reject) => {
    client = wsClient(key, {
      lazy: false,
      onNonLazyError: reject,
      on: { connected: () => resolve(), closed: (e) => reject(new Error(`closed before ack: ${e?.code} ${e?.reason}`)) },
    });
  });
  return client;
}

function describe(err) {
  if (Array.isArray(err)) return JSON.stringify(err); // GraphQL errors of an "error" message
  if (err && typeof err.code === 'number') return `socket closed ${err.code} ${err.reason ?? ''}`;
  return String(err?.message ?? err);
}

export const executionEventsQuery = `subscription Events($id: ID!) {
  executionEvents(executionId: $id) {
    seq kind status nodeId pin value error
    execution { id status outputs lastSeq }
  }
}`;

/**
 * Subscribes and collects every result until the server completes the
 * stream. Resolves with the results; rejects on a transport error or when
 * timeoutMs passes first (so a stream that never completes fails the test).
 */
export function collect(client, query, variables, { timeoutMs = 30_000, onNext } = {}) {
  return new Promise((resolve, reject) => {
    const results = [];
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`stream did not complete within ${timeoutMs} ms; got ${JSON.stringify(results)}`));
    }, timeoutMs);
    const unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (r) => {
          results.push(r);
          onNext?.(r, results);
        },
        error: (err) => {
          clearTimeout(timer);
          reject(Object.assign(new Error(`subscription failed: ${describe(err)}`), { raw: err }));
        },
        complete: () => {
          clearTimeout(timer);
          resolve(results);
        },
      },
    );
  });
}
