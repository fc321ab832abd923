package credentials

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db"
)

// refresh renews a credential's tokens exactly once however many nodes ask
// at the same moment, in however many processes.
//
// In this process the callers share one flight. Across processes, the
// flight that takes the credential's advisory lock is the refresher: under
// it and the row lock it re-reads the row, asks the provider only if the
// token is still due, and stores the outcome before it commits. A flight
// that finds the lock taken waits for that commit on a shared hold of the
// same advisory lock, then reads the row: every waiting process wakes at
// the commit, at once, and writes nothing. (Queueing FOR UPDATE, waiters
// woke one at a time, each after the previous one's commit and its WAL
// flush; FOR SHARE wakes them together but is a write, flushed at its
// commit too.) A waiter that still finds the token due (the refresher
// failed transiently) tries to take the lock itself.
//
// "Still due" means: due, and not changed since the caller read it while
// unexpired. A token that lives less than the refresh margin is still due
// right after its refresh; whoever waited for that refresh uses it rather
// than refreshing again.
//
// A rotated refresh token is stored with the new access token in one
// statement. A refusal marks the credential invalid with the reason.
func (s *Service) refresh(ctx context.Context, read *db.SealedCredential) (*db.SealedCredential, error) {
	id, seen := read.ID, read.UpdatedAt
	ch := s.flight.DoChan(id.String(), func() (any, error) {
		// Not the first caller's context: its cancellation must not fail
		// the others sharing this flight.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
		defer cancel()
		for {
			out, held, err := s.refreshLocked(fctx, id, seen)
			if err != nil || held {
				return out, err
			}
			if out, err = s.store.CredentialAwait(fctx, id); err != nil {
				return nil, err
			}
			if !s.stillDue(out, seen) {
				return out, nil // refreshed (or refused) by the process that held the lock
			}
		}
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*db.SealedCredential), nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// refreshLocked takes the credential's locks if no one holds them and then
// refreshes the token if it is still due, storing the outcome in the same
// transaction. held is false (and nothing done) when another transaction
// holds the advisory lock or the credential is gone.
func (s *Service) refreshLocked(ctx context.Context, id uuid.UUID, seen time.Time) (out *db.SealedCredential, held bool, err error) {
	err = s.store.InTx(ctx, func(tx *db.Store) error {
		cur, err := tx.CredentialTryLock(ctx, id)
		if err != nil || cur == nil {
			return err
		}
		held, out = true, cur
		if !s.stillDue(cur, seen) {
			return nil // refused before, or refreshed by another process a moment ago
		}
		sec, err := s.cipher.open(cur.SecretEncrypted)
		if err != nil {
			return err
		}
		if sec.RefreshToken == "" {
			return nil // nothing to refresh with: used until it expires
		}
		tok, err := s.providers.Refresh(ctx, cur.Provider, sec.RefreshToken)
		var refused *RefusedError
		if errors.As(err, &refused) {
			reason := "the provider refused to refresh it: " + refused.Reason
			cur.InvalidReason = &reason
			return tx.CredentialInvalidate(ctx, id, reason)
		}
		if err != nil {
			return err
		}
		next := secret{Secret: tok.AccessToken, RefreshToken: tok.RefreshToken}
		if next.RefreshToken == "" {
			next.RefreshToken = sec.RefreshToken // not rotated: keep it
		}
		sealed, err := s.cipher.seal(next)
		if err != nil {
			return err
		}
		var expires *time.Time
		if !tok.Expiry.IsZero() {
			expires = &tok.Expiry
		}
		var tokenType *string
		if tok.TokenType != "" {
			tokenType = &tok.TokenType
		}
		scopes := cur.Scopes
		if tok.Scopes != nil {
			scopes = tok.Scopes
		}
		// The stored row: its version (updated_at) keys the secret cache.
		out, err = tx.CredentialSetTokens(ctx, id, sealed, expires, tokenType, scopes)
		return err
	})
	return out, held, err
}

// stillDue: cur, read under or after the lock, needs a refresh by this
// flight, whose caller read the version seen: it is valid, due, and either
// expired or unchanged since (a newer unexpired version is another
// process's refresh, to be used as it is).
func (s *Service) stillDue(cur *db.SealedCredential, seen time.Time) bool {
	now := s.clock()
	if cur.InvalidReason != nil || !cur.NeedsRefresh(now) {
		return false
	}
	return cur.IsExpired(now) || !cur.UpdatedAt.After(seen)
}
