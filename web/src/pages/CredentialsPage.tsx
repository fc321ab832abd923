// /credentials, "Integrations": the credentials blocks use to reach other
// services. Lists the caller's, adds an API key, connects an OAuth2
// account, deletes one. A key without MANAGE_CREDENTIALS is refused all of
// it (FORBIDDEN): the page says so instead of showing empty forms.
import { useEffect, useState } from 'react';
import { GraphQLError, gql } from '../api/client';
import { CREDENTIALS_PAGE, type Credential, type IntegrationProvider } from '../api/credentials';
import { AddApiKeyForm } from '../account/AddApiKeyForm';
import { ConnectAccounts } from '../account/ConnectAccounts';
import { clearRefusal, readRefusal, refusalMessage } from '../account/connectRefused';
import { CredentialList } from '../account/CredentialList';
import { useTitle } from '../router';

export function CredentialsPage() {
  const [items, setItems] = useState<Credential[] | null>(null);
  const [providers, setProviders] = useState<IntegrationProvider[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [forbidden, setForbidden] = useState(false);
  // Read once, as the page opens, then out of the URL.
  const [refusal] = useState(readRefusal);
  useEffect(clearRefusal, []);
  useTitle('Integrations');
  useEffect(() => {
    gql<{ credentials: Credential[]; integrationProviders: IntegrationProvider[] }>(CREDENTIALS_PAGE)
      .then((d) => {
        setItems(d.credentials);
        setProviders(d.integrationProviders);
      })
      .catch((e) => (e instanceof GraphQLError && e.code === 'FORBIDDEN' ? setForbidden(true) : setError(e.message)));
  }, []);
  const displayName = (name: string) => providers.find((p) => p.name === name)?.displayName ?? name;
  if (forbidden)
    return (
      <div className="ag-pad">
        <h1>Integrations</h1>
        <p className="ag-error" role="alert" data-testid="credentials-forbidden">
          The key you signed in with may not manage integration credentials: it lacks the MANAGE_CREDENTIALS permission. Sign in with a key that has
          it to see, add or delete credentials.
        </p>
      </div>
    );
  return (
    <div className="ag-pad ag-credentials">
      <h1>Integrations</h1>
      <p className="ag-muted">Blocks that call other services (models, search, GitHub…) use your credentials. A run uses your newest valid one of each provider.</p>
      {/* Once the providers are known, to name this one as the user knows it (not "acme", then "Acme SSO"). */}
      {refusal && (items !== null || error) && (
        // Declining is the user's choice, told as news; any other refusal is an error.
        <p
          className={refusal.error === 'access_denied' ? 'ag-notice' : 'ag-notice ag-error'}
          role={refusal.error === 'access_denied' ? 'status' : 'alert'}
          data-testid="connect-refused"
          data-error={refusal.error}
        >
          {refusalMessage(refusal, displayName(refusal.provider))}
        </p>
      )}
      {error && (
        <p className="ag-error" role="alert">
          The credentials could not be loaded: {error}
        </p>
      )}
      <div className="ag-columns">
        <section className="ag-list" aria-label="Your credentials">
          <h2>Your credentials</h2>
          {items === null ? (error ? null : <p>Loading…</p>) : <CredentialList items={items} displayName={displayName} onDeleted={(id) => setItems((cur) => cur && cur.filter((c) => c.id !== id))} />}
        </section>
        <div className="ag-stack">
          {items !== null && (
            <>
              <AddApiKeyForm providers={providers.filter((p) => p.authTypes.includes('API_KEY'))} onSaved={(c) => setItems((cur) => [...(cur ?? []), c])} />
              <ConnectAccounts providers={providers.filter((p) => p.authTypes.includes('OAUTH2'))} />
            </>
          )}
        </div>
      </div>
    </div>
  );
}
