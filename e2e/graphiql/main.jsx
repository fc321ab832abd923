// The GraphiQL page served at / by internal/server. Built by build.mjs into
// internal/server/graphiql/ and embedded in the binary, so it needs no CDN.
import React from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createClient } from 'graphql-ws';
import { getOperationAST, parse } from 'graphql';
import 'graphiql/graphiql.css';
import './page.css';

const httpURL = new URL('/graphql', window.location.href).toString();
const wsURL = httpURL.replace(/^http/, 'ws');

// The Authorization header typed in the header editor, if any.
function authorizationOf(headers) {
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() === 'authorization' && typeof v === 'string') return v;
  }
  return '';
}

// One websocket per token: a browser cannot set headers on a websocket, so
// the token goes into connection_init, and a new token needs a new connection.
let socket = { auth: null, client: null };
function wsClient(auth) {
  if (socket.client && socket.auth === auth) return socket.client;
  socket.client?.dispose();
  socket = {
    auth,
    client: createClient({ url: wsURL, lazy: true, retryAttempts: 3, connectionParams: auth ? { Authorization: auth } : {} }),
  };
  return socket.client;
}

function isSubscription(params, documentAST) {
  try {
    const doc = documentAST ?? parse(params.query);
    return getOperationAST(doc, params.operationName ?? undefined)?.operation === 'subscription';
  } catch {
    return false;
  }
}

// Queries and mutations go over HTTP POST, subscriptions over graphql-ws.
async function fetcher(params, opts) {
  const headers = opts?.headers ?? {};
  if (isSubscription(params, opts?.documentAST)) {
    return wsClient(authorizationOf(headers)).iterate({
      query: params.query,
      variables: params.variables ?? undefined,
      operationName: params.operationName ?? undefined,
    });
  }
  const res = await fetch(httpURL, {
    method: 'POST',
    headers: {
      ...headers,
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json;q=0.9',
    },
    body: JSON.stringify(params),
  });
  const text = await res.text();
  try {
    return JSON.parse(text); // 4xx request errors carry a GraphQL body too
  } catch {
    return { errors: [{ message: `HTTP ${res.status}: ${text}` }] };
  }
}

const defaultQuery = `# Welcome to agentgraph.
#
# Put your API key in the Headers tab below:
#   { "Authorization": "Bearer agk_..." }
# Subscriptions (executionEvents, graphExecutions)
# run over a websocket that sends the same header
# in its connection_init message.

query Me {
  me {
    email
    role
    credit {
      balance
    }
  }
}
`;

createRoot(document.getElementById('graphiql')).render(
  <GraphiQL
    fetcher={fetcher}
    defaultQuery={defaultQuery}
    defaultHeaders={'{\n  "Authorization": "Bearer "\n}'}
    defaultEditorToolsVisibility="headers"
    shouldPersistHeaders
  />,
);
