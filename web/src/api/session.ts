// The signed-in token lives in sessionStorage only: it is gone when the tab
// closes, never lands in a URL, and other tabs or later visits do not see it.
const KEY = 'agentgraph.token';

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

/** An API key (agk_…) or a JWT, as typed, with any "Bearer " prefix removed. */
export function normalizeToken(raw: string): string {
  return raw.trim().replace(/^bearer\s+/i, '');
}
