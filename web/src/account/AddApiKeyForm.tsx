// "Add an API key": a provider that takes API keys, a title to tell keys
// apart, and the secret. The secret is a password field, emptied once saved
// and never shown again (the API never returns it); a refusal shows the
// server's message beside the form, which keeps what was typed.
import { useState } from 'react';
import { gql } from '../api/client';
import { CREATE_CREDENTIAL, type Credential, type IntegrationProvider } from '../api/credentials';

export function AddApiKeyForm({ providers, onSaved }: { providers: IntegrationProvider[]; onSaved: (c: Credential) => void }) {
  const [provider, setProvider] = useState(providers[0]?.name ?? '');
  const [title, setTitle] = useState('');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  if (providers.length === 0) return <p className="ag-muted">No provider on this server takes API keys.</p>;
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const input = { provider, authType: 'API_KEY', title: title.trim() || null, secret };
      const d = await gql<{ createCredential: Credential }>(CREATE_CREDENTIAL, { input });
      setSecret('');
      setTitle('');
      const name = providers.find((p) => p.name === provider)?.displayName ?? provider;
      setSaved(`Saved the ${name} key${d.createCredential.title ? ` “${d.createCredential.title}”` : ''}.`);
      onSaved(d.createCredential);
    } catch (err) {
      setError(`Not saved: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="ag-card">
      <h2 id="add-key-title">Add an API key</h2>
      <form className="ag-form" aria-labelledby="add-key-title" onSubmit={submit}>
        <div className="ag-field">
          <label htmlFor="cred-provider">Provider</label>
          <select id="cred-provider" value={provider} onChange={(e) => setProvider(e.target.value)}>
            {providers.map((p) => (
              <option key={p.name} value={p.name}>
                {p.displayName}
              </option>
            ))}
          </select>
        </div>
        <div className="ag-field">
          <label htmlFor="cred-title">Title</label>
          <input id="cred-title" value={title} placeholder="to tell your keys apart (optional)" onChange={(e) => setTitle(e.target.value)} />
        </div>
        <div className="ag-field">
          <label htmlFor="cred-secret">API key</label>
          {/* new-password: the browser must not offer to fill in or remember it as a sign-in password. */}
          <input id="cred-secret" type="password" autoComplete="new-password" spellCheck={false} value={secret} onChange={(e) => setSecret(e.target.value)} required />
          <small className="ag-muted">Stored encrypted; it is never shown again.</small>
        </div>
        <button type="submit" disabled={busy || secret === ''}>
          {busy ? 'Saving…' : 'Save API key'}
        </button>
        {error && (
          <p className="ag-error" role="alert" data-testid="credential-error">
            {error}
          </p>
        )}
        {saved && (
          <p className="ag-message" role="status" data-testid="credential-saved">
            {saved}
          </p>
        )}
      </form>
    </section>
  );
}
