// A stand-in OAuth2 provider for the browser test's "Connect" round trip,
// as internal/integrations/oauthstub is for the Go tests: GET /authorize
// consents at once and sends the browser back with a code and the state;
// POST /token checks the client, the redirect URI and the PKCE verifier
// (S256) and exchanges the single-use code for tokens; GET /userinfo names
// the account; POST /revoke accepts any token. POST /refuse-next (form:
// error, error_description) makes the next /authorize send the browser back
// with that error instead (RFC 6749 §4.1.2.1), as a user who clicks Deny at
// the provider is sent; refuseNext() asks it. scripts/e2e.sh starts it
// (`node lib/oauthstub.js`, which prints the port) and configures it as
// the provider "acme" (OAUTH_PROVIDERS).
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

export const clientId = 'e2e-client';
export const clientSecret = 'e2e-secret';
export const account = 'e2e-octocat';

const codes = new Map(); // code → { challenge, redirect, scope }
let refusal = null; // { error, error_description } for the next /authorize
const access = new Set();

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readForm(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => resolve(new URLSearchParams(body)));
  });
}

function clientOK(req, form) {
  const basic = (req.headers.authorization ?? '').match(/^Basic (.+)$/);
  if (basic) {
    const [id, secret] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
    return id === clientId && secret === clientSecret;
  }
  return form.get('client_id') === clientId && form.get('client_secret') === clientSecret;
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://stub');
  if (req.method === 'GET' && url.pathname === '/authorize') {
    const q = url.searchParams;
    if (q.get('client_id') !== clientId || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
      res.writeHead(400).end('bad authorization request');
      return;
    }
    if (refusal) {
      const back = new URL(q.get('redirect_uri'));
      for (const [k, v] of Object.entries(refusal)) if (v) back.searchParams.set(k, v);
      back.searchParams.set('state', q.get('state') ?? '');
      refusal = null;
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    const code = randomBytes(12).toString('hex');
    codes.set(code, { challenge: q.get('code_challenge'), redirect: q.get('redirect_uri'), scope: q.get('scope') ?? '' });
    const back = new URL(q.get('redirect_uri'));
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.get('state') ?? '');
    res.writeHead(302, { location: back.toString() }).end();
    return;
  }
  if (req.method === 'POST' && url.pathname === '/token') {
    const form = await readForm(req);
    if (!clientOK(req, form)) return json(res, 401, { error: 'invalid_client' });
    if (form.get('grant_type') !== 'authorization_code') return json(res, 400, { error: 'unsupported_grant_type' });
    const g = codes.get(form.get('code'));
    codes.delete(form.get('code')); // single use
    const verified = g && createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') === g.challenge;
    if (!g || g.redirect !== form.get('redirect_uri') || !verified) return json(res, 400, { error: 'invalid_grant' });
    const token = `access-${randomBytes(8).toString('hex')}`;
    access.add(token);
    return json(res, 200, { access_token: token, token_type: 'Bearer', refresh_token: `refresh-${randomBytes(8).toString('hex')}`, expires_in: 3600, scope: g.scope });
  }
  if (req.method === 'GET' && url.pathname === '/userinfo') {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    return access.has(token) ? json(res, 200, { login: account }) : json(res, 401, { error: 'invalid_token' });
  }
  if (req.method === 'POST' && url.pathname === '/refuse-next') {
    const form = await readForm(req);
    refusal = { error: form.get('error') || 'access_denied', error_description: form.get('error_description') };
    res.writeHead(204).end();
    return;
  }
  if (req.method === 'POST' && url.pathname === '/revoke') {
    access.delete((await readForm(req)).get('token'));
    res.writeHead(200).end();
    return;
  }
  res.writeHead(404).end();
});

/**
 * Makes the next authorization at the running stand-in (scripts/e2e.sh's
 * "acme", OAUTH_ACME_AUTH_URL) refuse with error: the user denied consent
 * (access_denied) or the provider failed.
 */
export async function refuseNext(error = 'access_denied', description = '') {
  const at = new URL('/refuse-next', process.env.OAUTH_ACME_AUTH_URL);
  const res = await fetch(at, { method: 'POST', body: new URLSearchParams({ error, error_description: description }) });
  if (res.status !== 204) throw new Error(`the OAuth2 stand-in answered ${res.status}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
}
