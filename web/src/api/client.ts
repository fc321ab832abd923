// The app's only way to the server: GraphQL over HTTP POST for queries and
// mutations, graphql-ws (graphql-transport-ws) for subscriptions. Everything
// goes through the public /graphql endpoint; there is no private API.
import { createClient, type Client } from 'graphql-ws';
import { getToken } from './session';

export const graphqlURL = new URL('/graphql', window.location.href).toString();
const wsURL = graphqlURL.replace(/^http/, 'ws');

/** A GraphQL error as the server reports it (extensions.code tells the kind). */
export class GraphQLError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly errors: Array<{ message: string; extensions?: Record<string, unknown> }>,
  ) {
    super(message);
  }
}

/**
 * A delete's catch: NOT_FOUND means it is gone already (deleted in another
 * tab, or by a script), which is what was asked; anything else is a refusal.
 */
export function goneAlready(e: unknown): void {
  if (!(e instanceof GraphQLError && e.code === 'NOT_FOUND')) throw e;
}

// Told when the server refuses the signed-in token (UNAUTHENTICATED): the
// key was revoked or has expired since sign-in. Every page then gave up on
// its own ("Loading…" for ever, a raw error); the app signs out instead.
const unauthenticatedListeners = new Set<() => void>();
export function onUnauthenticated(l: () => void): () => void {
  unauthenticatedListeners.add(l);
  return () => unauthenticatedListeners.delete(l);
}

export async function gql<T>(query: string, variables?: Record<string, unknown>, opts: { token?: string | null } = {}): Promise<T> {
  const token = opts.token === undefined ? getToken() : opts.token;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json;q=0.9',
  };
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(graphqlURL, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  } catch {
    // The browser's own words ("Failed to fetch", "NetworkError when…") tell a user nothing.
    throw new GraphQLError('the server could not be reached', undefined, []);
  }
  const text = await res.text();
  let body: { data?: T; errors?: GraphQLError['errors'] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new GraphQLError(`HTTP ${res.status}: ${text.slice(0, 200)}`, undefined, []);
  }
  if (body.errors?.length) {
    const first = body.errors[0];
    // Only the stored token's refusal: sign-in tries a key of its own first.
    if (first.extensions?.code === 'UNAUTHENTICATED' && opts.token === undefined && token) unauthenticatedListeners.forEach((l) => l());
    throw new GraphQLError(first.message, first.extensions?.code as string | undefined, body.errors);
  }
  if (!body.data) throw new GraphQLError(`HTTP ${res.status}: no data`, undefined, []);
  return body.data;
}

// Connection state, for the "connection lost" banner. Listeners are told
// each change; the banner shows while disconnected with subscriptions open.
type ConnState = 'connected' | 'reconnecting';
const connListeners = new Set<(s: ConnState) => void>();
let connState: ConnState = 'connected';
function setConn(s: ConnState) {
  if (s === connState) return;
  connState = s;
  connListeners.forEach((l) => l(s));
}
export function onConnectionState(l: (s: ConnState) => void): () => void {
  connListeners.add(l);
  l(connState);
  return () => connListeners.delete(l);
}

let ws: { token: string | null; client: Client } | null = null;

/**
 * One websocket per token (a browser cannot set headers on a websocket, so
 * the token goes in connection_init). A dropped connection is retried for
 * ever with backoff; graphql-ws resubscribes the open subscriptions, and the
 * server answers executionEvents with a fresh SNAPSHOT, so state resyncs.
 */
export function wsClient(): Client {
  const token = getToken();
  if (ws && ws.token === token) return ws.client;
  ws?.client.dispose();
  let wasConnected = false;
  const client = createClient({
    url: wsURL,
    lazy: true,
    connectionParams: () => (getToken() ? { Authorization: `Bearer ${getToken()}` } : {}),
    retryAttempts: Infinity,
    // 4403: the server refused the token at connection_init, or closed the
    // connection because the key was revoked or the account deactivated
    // since. Retrying cannot help; the app signs out (below).
    shouldRetry: (e) => (e as { code?: number } | undefined)?.code !== 4403,
    retryWait: async (retries) => {
      await new Promise((r) => setTimeout(r, Math.min(5000, 300 * 2 ** Math.min(retries, 4))));
    },
    on: {
      // Kept so the browser test can drop the connection as a network would.
      opened: (socket) => {
        (window as unknown as { __agWS?: unknown }).__agWS = socket;
      },
      connected: () => {
        wasConnected = true;
        setConn('connected');
      },
      // A lazy client closes normally (1000) once its last subscription
      // ends; only another close is a lost connection worth a banner.
      closed: (e) => {
        const code = (e as { code?: number } | undefined)?.code;
        if (code === 4403 && token && getToken() === token) {
          wasConnected = false;
          unauthenticatedListeners.forEach((l) => l());
          return;
        }
        if (wasConnected && code !== 1000) setConn('reconnecting');
        wasConnected = false;
      },
    },
  });
  ws = { token, client };
  return client;
}

export function disposeWS(): void {
  ws?.client.dispose();
  ws = null;
  setConn('connected');
}

/** Test hook: closes the websocket as a network drop would (4499 is retried). */
export function dropWebSocketForTest(): void {
  (window as unknown as { __agWS?: WebSocket }).__agWS?.close(4499, 'test drop');
}

export interface Sub<T> {
  next: (value: T) => void;
  error?: (err: unknown) => void;
  complete?: () => void;
}

/** Subscribes; returns the unsubscribe function. */
export function subscribe<T>(query: string, variables: Record<string, unknown>, sink: Sub<T>): () => void {
  return wsClient().subscribe<T>(
    { query, variables },
    {
      next: (r) => {
        if (r.errors?.length) {
          sink.error?.(new GraphQLError(r.errors[0].message, r.errors[0].extensions?.code as string | undefined, r.errors as GraphQLError['errors']));
          return;
        }
        if (r.data) sink.next(r.data as T);
      },
      error: (e) => sink.error?.(e),
      complete: () => sink.complete?.(),
    },
  );
}
