import { useState } from 'react';
import { GraphQLError, gql } from '../api/client';
import { ME } from '../api/queries';
import { normalizeToken, setToken } from '../api/session';
import { useTitle } from '../router';

/** notice: why the user is asked to sign in again (their key stopped working). */
export function SignIn({ onSignedIn, notice }: { onSignedIn: () => void; notice?: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useTitle('Sign in');
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const token = normalizeToken(key);
    if (!token) {
      setError('Enter an API key (agk_…) or a JWT.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await gql(ME, undefined, { token });
      setToken(token);
      setKey('');
      onSignedIn();
    } catch (err) {
      setError(
        err instanceof GraphQLError && err.code === 'UNAUTHENTICATED'
          ? 'That key was not accepted: it is wrong, revoked, or its account is deactivated.'
          : `Could not sign in: ${(err as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="ag-signin" onSubmit={submit} aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      <p>
        Paste an API key (create one with <code>agentgraph user create</code> or the <code>createAPIKey</code> mutation) or a JWT. It is kept in
        this tab only, until you sign out or close it.
      </p>
      {notice && (
        <p className="ag-error" role="alert" data-testid="signin-notice">
          {notice}
        </p>
      )}
      <label htmlFor="api-key">API key or JWT</label>
      <input id="api-key" name="api-key" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} autoFocus />
      {error && (
        <p className="ag-error" role="alert" data-testid="signin-error">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
