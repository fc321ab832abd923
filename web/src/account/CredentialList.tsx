// The caller's stored credentials, oldest first as the API lists them:
// provider, title or account, kind, scopes, expiry, when added, whether a
// run can use it; each with Delete (asked first).
import { goneAlready, gql } from '../api/client';
import { DELETE_CREDENTIAL, authTypeLabel, type Credential } from '../api/credentials';
import { ConfirmDelete } from '../ui/ConfirmDelete';

const when = (t: string) => new Date(t).toLocaleString();

function expiry(c: Credential): string {
  if (!c.expiresAt) return 'never expires';
  return `${c.isExpired ? 'expired' : 'expires'} ${when(c.expiresAt)}`;
}

export function CredentialList({ items, displayName, onDeleted }: { items: Credential[]; displayName: (provider: string) => string; onDeleted: (id: string) => void }) {
  if (items.length === 0) return <p className="ag-muted">None yet. Add an API key or connect an account: blocks that call other services use them.</p>;
  return (
    <ul>
      {items.map((c) => {
        const name = [c.title, c.username].filter(Boolean).join(' · ') || '(untitled)';
        return (
          <li key={c.id} data-credential-id={c.id}>
            <div>
              <b>{displayName(c.provider)}</b> {name} <span className="ag-muted">· {authTypeLabel[c.authType] ?? c.authType}</span>
            </div>
            <div className="ag-muted">
              {c.scopes.length > 0 && <>scopes: {c.scopes.join(', ')} · </>}
              {expiry(c)} · added {when(c.createdAt)}
            </div>
            {!c.isValid && (
              <div className="ag-error">Not usable: {c.invalidReason ?? (c.isExpired ? 'it has expired' : 'it is inactive')}. Replace it.</div>
            )}
            <ConfirmDelete
              label="Delete"
              ariaLabel={`Delete ${displayName(c.provider)} ${name}`}
              question={`Delete the ${displayName(c.provider)} credential “${name}”? Runs that need it will fail.`}
              confirmLabel="Delete credential"
              onConfirm={async () => {
                await gql(DELETE_CREDENTIAL, { id: c.id }).catch(goneAlready);
                onDeleted(c.id);
              }}
            />
          </li>
        );
      })}
    </ul>
  );
}
