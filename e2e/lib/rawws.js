import WebSocket from 'ws';
import { wsURL } from './env.js';

/**
 * A raw websocket for protocol probes: every received message is queued
 * (next() takes them in order) and closed resolves with the close code and
 * reason. protocols: the offered subprotocols ([] offers none).
 */
export function rawSocket(protocols = ['graphql-transport-ws']) {
  const ws = new WebSocket(wsURL, protocols);
  const queue = [];
  const waiters = [];
  ws.on('message', (buf) => {
    const msg = JSON.parse(buf.toString());
    const w = waiters.shift();
    if (w) w(msg);
    else queue.push(msg);
  });
  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  opened.catch(() => {}); // probes that only await closed must not crash on a refused upgrade
  const closed = new Promise((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  return {
    ws,
    opened,
    closed,
    send: (msg) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)),
    next: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r))),
    close: () => ws.terminate(),
  };
}

/** Resolves with p, or rejects after ms naming what was awaited. */
export function within(ms, p, what) {
  let timer;
  return Promise.race([
    p,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
