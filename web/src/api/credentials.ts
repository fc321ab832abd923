// The caller's integration credentials (the keys and accounts blocks use to
// reach other services) and the providers this server knows: the operations
// the Integrations page (/credentials) sends, and the shapes it reads.
// Every one of them needs the MANAGE_CREDENTIALS permission (FORBIDDEN for
// a key without it).

export type AuthType = 'OAUTH2' | 'API_KEY' | 'BASIC_AUTH' | 'CUSTOM';

export interface IntegrationProvider {
  name: string;
  displayName: string;
  authTypes: AuthType[];
}

/** A stored credential; the API never returns its secret. */
export interface Credential {
  id: string;
  provider: string;
  authType: AuthType;
  title: string;
  username: string | null;
  scopes: string[];
  expiresAt: string | null;
  createdAt: string;
  isValid: boolean;
  isExpired: boolean;
  invalidReason: string | null;
}

const CREDENTIAL = 'id provider authType title username scopes expiresAt createdAt isValid isExpired invalidReason';

/** Both at once: the list names providers by name, the page shows their display names. */
export const CREDENTIALS_PAGE = `query Credentials {
  credentials { ${CREDENTIAL} }
  integrationProviders { name displayName authTypes }
}`;
export const CREATE_CREDENTIAL = `mutation CreateCredential($input: IntegrationCredentialInput!) { createCredential(input: $input) { ${CREDENTIAL} } }`;
export const DELETE_CREDENTIAL = `mutation DeleteCredential($id: ID!) { deleteCredential(id: $id) }`;
export const START_OAUTH = `mutation StartOAuth($provider: String!, $redirectTo: String) {
  startIntegrationOAuth(provider: $provider, redirectTo: $redirectTo) { authorizeUrl }
}`;

export const authTypeLabel: Record<AuthType, string> = {
  OAUTH2: 'OAuth2 account',
  API_KEY: 'API key',
  BASIC_AUTH: 'username and password',
  CUSTOM: 'custom secret',
};

/**
 * Whether a run's or a node's error is about a missing or unusable
 * credential, which the user fixes on the Integrations page: the engine's
 * "no valid jina credentials: … createCredential", the AI blocks' "add an
 * API_KEY credential for anthropic", executeGraph's "needs a github
 * credential and none is connected", a deleted or refused one. A server
 * without ENCRYPTION_KEY is the operator's to fix, not the user's.
 */
export function isCredentialError(message: string): boolean {
  return /credential/i.test(message) && !/ENCRYPTION_KEY/.test(message);
}
