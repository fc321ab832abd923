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
	return sealedFromRow(row), nil
}

// CredentialGetSealed reads one of the user's credentials, secret sealed.
func (s *Store) CredentialGetSealed(ctx context.Context, userID, id uuid.UUID) (*SealedCredential, error) {
	row, err := s.q.CredentialGet(ctx, s.db, dbsqlc.CredentialGetParams{ID: id, UserID: userID})
	if err != nil {
		return nil, notFound(err, "credential")
	}
	return sealedFromRow(row), nil
}

// CredentialLock reads a credential FOR UPDATE, waiting for the lock.
func (s *Store) CredentialLock(ctx context.Context, id uuid.UUID) (*SealedCredential, error) {
	row, err := s.q.CredentialLock(ctx, s.db, id)
	if err != nil {
		return nil, notFound(err, "credential")
	}
	return sealedFromRow(row), nil
}

// credentialLockClass is the first key of a credential's advisory lock;
// the two-int4 form cannot meet the bigint keys used elsewhere (block
// sync). The second key is 32 bits of the credential's id: two credentials
// sharing one only make one's waiters wait for the other's refresh.
const credentialLockClass int32 = 0x6372_6564 // "cred"

func credentialLockKey(id uuid.UUID) int32 { return int32(binary.BigEndian.Uint32(id[12:])) }

// CredentialHold is a refresher's hold on a credential: a transaction, on
// a connection of its own, holding the credential's advisory lock (what
// waiters wait on) and its row lock (against other writers). SetTokens or
// Invalidate ends it with a commit; Release ends it with a rollback if
// neither did, and must be called.
//
// Each step is one round trip to Postgres (statements pipelined): the
// nodes waiting for the refresh wait for these round trips, and on a
// loaded machine each one waits for the database's and this process's
// turn on a CPU.
type CredentialHold struct {
	p  *pipeline
	id uuid.UUID
	q  *dbsqlc.Queries
}

// CredentialClaim takes the refresh of a credential when no one holds it:
// BEGIN, the advisory lock and the row lock, in one round trip, returning
// the hold and the row read under it. When another transaction holds the
// advisory lock (a refresher in another process) there is no hold: in a
// second round trip it waits on a shared hold of that lock until the
// holder's transaction ends and reads the row then, in a snapshot taken
// after the wait. Every process waiting so wakes at that commit at once,
// and writes nothing (no WAL flush of its own). Not in a transaction: it
// takes a connection of its own.
func (s *Store) CredentialClaim(ctx context.Context, id uuid.UUID) (*CredentialHold, *SealedCredential, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	p := newPipeline(conn)
	_, _ = p.Exec(ctx, "BEGIN")
	rows, err := s.q.CredentialTryLock(ctx, p, dbsqlc.CredentialTryLockParams{ID: id,
		LockClass: credentialLockClass, LockKey: credentialLockKey(id)})
	if err == nil {
		err = p.flush(ctx)
	}
	if err == nil && len(rows) == 1 {
		return &CredentialHold{p: p, id: id, q: s.q}, sealedFromRow(rows[0]), nil
	}
	defer conn.Release() // in a transaction still (an error): closed, not reused
	if err != nil {
		return nil, nil, err
	}
	// Held by another (or gone). One batch, so no round trip between the
	// wake-up and the read; READ COMMITTED gives the read a snapshot of
	// its own, taken after the wait.
	_, _ = p.Exec(ctx, "ROLLBACK")
	_ = s.q.CredentialAwaitRefresh(ctx, p, dbsqlc.CredentialAwaitRefreshParams{LockClass: credentialLockClass,
		LockKey: credentialLockKey(id)})
	row, err := s.q.CredentialGetAny(ctx, p, id)
	if ferr := p.flush(ctx); err == nil {
		err = ferr
	}
	if err != nil {
		return nil, nil, notFound(err, "credential")
	}
	return nil, sealedFromRow(row), nil
}

// SetTokens stores a refresh's outcome (CredentialSetTokens) and commits,
// in one round trip: the waiters wake at that commit. It ends the hold.
//
// The commit does not wait for its WAL flush (synchronous_commit off for
// this transaction): the waiters wake, and read the new tokens, as soon as
// it is applied. A flush waits for all the WAL written before it, by every
// database of the server: under others' writes it took up to 100 ms here
// (a node waited that long beyond the provider's round trip), against
// under 1 ms without. The cost: if the Postgres server itself crashes in
// the moment before the WAL writer flushes it (within wal_writer_delay,
// 200 ms by default), the refresh is lost and the credential keeps its
// previous tokens; a provider that rotated the refresh token then refuses
// the next refresh and the credential is marked invalid (reconnect it), as
// when this process dies between the provider's answer and the commit.
// Still one statement: never a new access token with a stale refresh
// token.
func (h *CredentialHold) SetTokens(ctx context.Context, sealedSecret []byte, expiresAt *time.Time, tokenType *string, scopes []string) (*SealedCredential, error) {
	if scopes == nil {
		scopes = []string{}
	}
	_, _ = h.p.Exec(ctx, "SET LOCAL synchronous_commit = off")
	h.p.then("COMMIT")
	row, err := h.q.CredentialSetTokens(ctx, h.p, dbsqlc.CredentialSetTokensParams{ID: h.id,
		SecretEncrypted: sealedSecret, ExpiresAt: expiresAt, TokenType: tokenType, Scopes: scopes})
	if ferr := h.p.flush(ctx); err == nil {
		err = ferr
	}
	if err != nil {
		return nil, notFound(err, "credential")
	}
	return sealedFromRow(row), nil
}

// Invalidate marks the credential unusable with the reason (its provider
// refused to refresh it) and commits, in one round trip. It ends the hold.
func (h *CredentialHold) Invalidate(ctx context.Context, reason string) error {
	_ = h.q.CredentialInvalidate(ctx, h.p, dbsqlc.CredentialInvalidateParams{ID: h.id, Reason: &reason})
	_, _ = h.p.Exec(ctx, "COMMIT")
	return h.p.flush(ctx)
}

// Release ends the hold: rolled back unless SetTokens or Invalidate
// committed it, and the connection returned (closed if it could not be
// rolled back).
func (h *CredentialHold) Release() {
	conn := h.p.conn
	if conn.Conn().PgConn().TxStatus() != 'I' && !conn.Conn().IsClosed() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, _ = conn.Exec(ctx, "ROLLBACK")
		cancel()
	}
	conn.Release()
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
	return sealedFromRow(row), nil
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
		out[i] = *sealedFromRow(r)
	}
	return out, nil
}

func sealedFromRow(r dbsqlc.IntegrationCredential) *SealedCredential {
	return &SealedCredential{Credential: credentialFromRow(r), SecretEncrypted: r.SecretEncrypted}
}

func credentialFromRow(r dbsqlc.IntegrationCredential) model.Credential {
	return model.Credential{ID: r.ID, UserID: r.UserID, Provider: r.Provider, AuthType: string(r.AuthType), Title: r.Title,
		Username: r.Username, Scopes: r.Scopes, Metadata: r.Metadata, ExpiresAt: r.ExpiresAt, IsActive: r.IsActive,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, TokenType: r.TokenType, InvalidReason: r.InvalidReason}
}
