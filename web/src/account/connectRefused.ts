// A connect the provider refused comes back to the Integrations page with
// the reason in the query (the server's callback adds connect_provider,
// connect_error, connect_error_description: RFC 6749 §4.1.2.1's error and
// error_description, or the server's own code when the link expired or the
// provider would not exchange its code). The page says it once, in words of its own, and takes
// the parameters out of the address bar: a reload or a bookmark must not
// say it again.
import { navigate } from '../router';

const params = ['connect_provider', 'connect_error', 'connect_error_description'];

export interface Refusal {
  provider: string;
  error: string;
  description: string | null;
}

/** The refusal the URL carries, if any. */
export function readRefusal(): Refusal | null {
  const q = new URL(location.href).searchParams;
  const provider = q.get('connect_provider');
  const error = q.get('connect_error');
  if (!provider || !error) return null;
  return { provider, error, description: q.get('connect_error_description') };
}

/** Takes the refusal out of the address bar, the history entry replaced. */
export function clearRefusal(): void {
  const u = new URL(location.href);
  if (!params.some((k) => u.searchParams.has(k))) return;
  for (const k of params) u.searchParams.delete(k);
  navigate(u.pathname + u.search + u.hash, { replace: true, state: history.state });
}

/** What the page says, the provider named as the user knows it. */
export function refusalMessage(r: Refusal, displayName: string): string {
  if (r.error === 'access_denied') return `You declined access at ${displayName}; nothing was connected.`;
  // The server's own codes (internal/integrations: ConnectExpired, …).
  if (r.error === 'expired') return `The link to connect ${displayName} expired (links last 10 minutes); nothing was connected. Connect again.`;
  if (r.error === 'code_refused')
    return `${displayName} refused to complete the connection${r.description ? ` (${r.description})` : ''}; nothing was connected. Connect again.`;
  if (r.error === 'no_code') return `${displayName} sent no authorization back; nothing was connected. Connect again.`;
  return `${displayName} did not connect your account: ${r.error}${r.description ? ` (${r.description})` : ''}. Nothing was connected.`;
}
