// After an error about a missing or unusable credential (a node's, a run's,
// a refused run's), the way to fix it: the Integrations page.
import { isCredentialError } from '../api/credentials';
import { Link } from '../router';

export function CredentialsLink({ message }: { message: string | null | undefined }) {
  if (!message || !isCredentialError(message)) return null;
  return (
    <>
      {' '}
      <Link to="/credentials" data-testid="credentials-link">
        Add or fix a credential
      </Link>
    </>
  );
}
