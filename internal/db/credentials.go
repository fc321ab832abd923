package db

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// NewCredential is a credential to store. The secret arrives sealed:
// encryption is internal/credentials' business, the store only keeps bytes.
type NewCredential struct {
	UserID          uuid.UUID
	Provider        string
	AuthType        string
	Title           string
	Username        *string
	Scopes          []string
	SecretEncrypted []byte
	Metadata        json.RawMessage
	ExpiresAt       *time.Time
	TokenType       *string
}

// SealedCredential is a stored credential with its still-encrypted secret.
type SealedCredential struct {
	model.Credential
	SecretEncrypted []byte
}

// CredentialCreate stores a credential.
func (s *Store) CredentialCreate(ctx context.Context, n NewCredential) (*model.Credential, error) {
	if n.Scopes == nil {
		n.Scopes = []string{} // no scopes, not NULL (the column is NOT NULL)
	}
	row, err := s.q.CredentialInsert(ctx, s.db, dbsqlc.CredentialInsertParams{
		UserID: n.UserID, Provider: n.Provider, AuthType: dbsqlc.AuthType(n.AuthType), Title: n.Title,
		Username: n.Username, Scopes: n.Scopes, SecretEncrypted: n.SecretEncrypted, Metadata: n.Metadata,
		ExpiresAt: n.ExpiresAt, TokenType: n.TokenType,
	})
	if err != nil {
		return nil, err
	}
	c := credentialFromRow(row)
	return &c, nil
}

// CredentialList returns the user's credentials in creation order,
// optionally of one provider.
func (s *Store) CredentialList(ctx context.Context, userID uuid.UUID, provider *string) ([]*model.Credential, error) {
	rows, err := s.q.CredentialListByUser(ctx, s.db, dbsqlc.CredentialListByUserParams{UserID: userID, Provider: provider})
	if err != nil {
		return nil, err
	}
	out := make([]*model.Credential, len(rows))
	for i, r := range rows {
		c := credentialFromRow(r)
		out[i] = &c
	}
	return out, nil
}

// CredentialDelete removes one of the user's credentials; another user's is not found.
func (s *Store) CredentialDelete(ctx context.Context, userID, id uuid.UUID) error {
	_, err := s.CredentialTake(ctx, userID, id)
	return err
}

// CredentialTake deletes one of the user's credentials and returns it,
// secret still sealed (to revoke its token at the provider).
func (s *Store) CredentialTake(ctx context.Context, userID, id uuid.UUID) (*SealedCredential, error) {
	row, err := s.q.CredentialDelete(ctx, s.db, dbsqlc.CredentialDeleteParams{ID: id, UserID: userID})
	if err != nil {
		return nil, notFound(err, "credential")
	}
	return &SealedCredential{Credential: credentialFromRow(row), SecretEncrypted: row.SecretEncrypted}, nil
}

// CredentialGetSealed reads one of the user's credentials, secret sealed.
func (s *Store) CredentialGetSealed(ctx context.Context, userID, id uuid.UUID) (*SealedCredential, error) {
	row, err := s.q.CredentialGet(ctx, s.db, dbsqlc.CredentialGetParams{ID: id, UserID: userID})
	if err != nil {
		return nil, notFound(err, "credential")
	}
	return &SealedCredential{Credential: credentialFromRow(row), SecretEncrypted: row.SecretEncrypted}, nil
}

// CredentialLock reads a credential FOR UPDATE, waiting for the lock.
func (s *Store) CredentialLock(ctx context.Context, id uuid.UUID) (*SealedCredential, error) {
	row, err := s.q.CredentialLock(ctx, s.db, id)
	if err != nil {
		return nil, notFound(err, "credential")
	}
	return &SealedCredential{Credential: credentialFromRow(row), SecretEncrypted: row.SecretEncrypted}, nil
}

// credentialLockClass is the first key of a credential's advisory lock;
// the two-int4 form cannot meet the bigint keys used elsewhere (block
// sync). The second key is 32 bits of the credential's id: two credentials
// sharing one only make one's waiters wait for the other's refresh.
const credentialLockClass int32 = 0x6372_6564 // "cred"

func credentialLockKey(id uuid.UUID) int32 { return int32(binary.BigEndian.Uint32(id[12:])) }

// CredentialTryLock is the refresher's: inside InTx it takes the
// credential's advisory lock if no one holds it, then its row lock, and
// reads the row. Nil (no error) when another transaction holds the
// advisory lock or the credential is gone.
func (s *Store) CredentialTryLock(ctx context.Context, id uuid.UUID) (*SealedCredential, error) {
	rows, err := s.q.CredentialTryLock(ctx, s.db, dbsqlc.CredentialTryLockParams{ID: id,
		LockClass: credentialLockClass, LockKey: credentialLockKey(id)})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &SealedCredential{Credential: credentialFromRow(rows[0]), SecretEncrypted: rows[0].SecretEncrypted}, nil
}

// CredentialAwait waits until no transaction holds the credential's
// advisory lock (its refresher committed or gave up), then reads it. Every
// process waiting here wakes at that commit at once, and writes nothing.
func (s *Store) CredentialAwait(ctx context.Context, id uuid.UUID) (*SealedCredential, error) {
	err := s.q.CredentialAwaitRefresh(ctx, s.db, dbsqlc.CredentialAwaitRefreshParams{LockClass: credentialLockClass,
		LockKey: credentialLockKey(id)})
	if err != nil {
		return nil, err
	}
	// A statement of its own: its snapshot is taken after the wait.
	row, err := s.q.CredentialGetAny(ctx, s.db, id)
	if err != nil {
		return nil, notFound(err, "credential")
	}
	return &SealedCredential{Credential: credentialFromRow(row), SecretEncrypted: row.SecretEncrypted}, nil
}

// CredentialSetTokens stores a refresh's outcome: the sealed access and
// (possibly rotated) refresh token, the expiry, token type and scopes, in
// one statement, and returns the stored credential.
func (s *Store) CredentialSetTokens(ctx context.Context, id uuid.UUID, sealed []byte, expiresAt *time.Time, tokenType *string, scopes []string) (*SealedCredential, error) {
	if scopes == nil {
		scopes = []string{}
	}
	row, err := s.q.CredentialSetTokens(ctx, s.db, dbsqlc.CredentialSetTokensParams{ID: id, SecretEncrypted: sealed,
		ExpiresAt: expiresAt, TokenType: tokenType, Scopes: scopes})
	if err != nil {
		return nil, notFound(err, "credential")
	}
	return &SealedCredential{Credential: credentialFromRow(row), SecretEncrypted: row.SecretEncrypted}, nil
}

// CredentialInvalidate marks a credential unusable with the reason (its
// provider refused to refresh it).
func (s *Store) CredentialInvalidate(ctx context.Context, id uuid.UUID, reason string) error {
	return s.q.CredentialInvalidate(ctx, s.db, dbsqlc.CredentialInvalidateParams{ID: id, Reason: &reason})
}

// CredentialsForRun returns the user's newest usable credential of each
// provider, secrets still sealed: active, not refused by its provider, and
// unexpired unless it is OAuth2 (which the caller may refresh first).
func (s *Store) CredentialsForRun(ctx context.Context, userID uuid.UUID, providers []string) ([]SealedCredential, error) {
	rows, err := s.q.CredentialActiveByProviders(ctx, s.db, dbsqlc.CredentialActiveByProvidersParams{UserID: userID, Providers: providers})
	if err != nil {
		return nil, err
	}
	out := make([]SealedCredential, len(rows))
	for i, r := range rows {
		out[i] = SealedCredential{Credential: credentialFromRow(r), SecretEncrypted: r.SecretEncrypted}
	}
	return out, nil
}

func credentialFromRow(r dbsqlc.IntegrationCredential) model.Credential {
	return model.Credential{ID: r.ID, UserID: r.UserID, Provider: r.Provider, AuthType: string(r.AuthType), Title: r.Title,
		Username: r.Username, Scopes: r.Scopes, Metadata: r.Metadata, ExpiresAt: r.ExpiresAt, IsActive: r.IsActive,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, TokenType: r.TokenType, InvalidReason: r.InvalidReason}
}
