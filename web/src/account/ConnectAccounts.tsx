// "Connect an account" at each OAuth2 provider: startIntegrationOAuth, then
// the browser goes to the provider's consent page, which sends it back
// through the server's callback (the credential is stored there) to this
// page, where the new credential is listed.
import { useState } from 'react';
import { gql } from '../api/client';
import { START_OAUTH, type IntegrationProvider } from '../api/credentials';

export function ConnectAccounts({ providers }: { providers: IntegrationProvider[] }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const connect = async (p: IntegrationProvider) => {
    setBusy(p.name);
    setError(null);
    try {
      const redirectTo = new URL('/credentials', location.href).toString();
      const d = await gql<{ startIntegrationOAuth: { authorizeUrl: string } }>(START_OAUTH, { provider: p.name, redirectTo });
      location.assign(d.startIntegrationOAuth.authorizeUrl);
    } catch (e) {
      setError(`${p.displayName} could not be connected: ${(e as Error).message}`);
      setBusy(null);
    }
  };
  return (
    <section className="ag-card" aria-labelledby="connect-title">
      <h2 id="connect-title">Connect an account</h2>
      {providers.length === 0 ? (
        <p className="ag-muted">No provider on this server connects accounts with OAuth2.</p>
      ) : (
        <>
          <p className="ag-muted">You sign in at the provider and allow access; you then come back here.</p>
          <div className="ag-row">
            {providers.map((p) => (
              <button key={p.name} type="button" onClick={() => connect(p)} disabled={busy !== null}>
                {busy === p.name ? 'Connecting…' : `Connect ${p.displayName}`}
              </button>
            ))}
          </div>
        </>
      )}
      {error && (
        <p className="ag-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
