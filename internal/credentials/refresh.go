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
// flight that claims the credential (its advisory lock) is the refresher:
// under it and the row lock it re-reads the row, asks the provider only if
// the token is still due, and stores the outcome as it commits. A flight
// that finds the lock taken waits for that commit on a shared hold of the
// same advisory lock and reads the row (db.CredentialClaim): every waiting
// process wakes at the commit, at once, and writes nothing. (Queueing FOR
// UPDATE, waiters woke one at a time, each after the previous one's commit
// and its WAL flush; FOR SHARE wakes them together but is a write, flushed
// at its commit too.) A waiter that still finds the token due (the
// refresher failed transiently) tries to claim it itself.
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
	// A node run that read the row before this process's last flight for
	// it stored (or learnt) a newer version, and came too late to share
	// that flight, uses its outcome: what a new flight would find, without
	// the transaction (whose lock would make other processes' claims fail
	// and wait).
	if v, ok := s.refreshed.Load(id); ok {
		if last := v.(*db.SealedCredential); last.UpdatedAt.After(seen) && !s.stillDue(last, seen) {
			return last, nil
		}
	}
	ch := s.flight.DoChan(id.String(), func() (any, error) {
		out, err := s.refreshFlight(ctx, id, seen)
		if err == nil {
			s.refreshed.Store(id, out)
		}
		return out, err
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

// refreshFlight is one flight of refresh: it claims the credential and
// refreshes it, or waits for the process that claimed it.
func (s *Service) refreshFlight(ctx context.Context, id uuid.UUID, seen time.Time) (*db.SealedCredential, error) {
	// Not the first caller's context: its cancellation must not fail the
	// others sharing this flight.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	for {
		hold, cur, err := s.store.CredentialClaim(ctx, id)
		if err != nil {
			return nil, err
		}
		if hold != nil {
			return s.refreshHeld(ctx, hold, cur, seen)
		}
		if !s.stillDue(cur, seen) {
			// Refreshed (or refused) by the process that held the lock.
			// Decrypted here once, for every node run sharing the flight,
			// rather than by each.
			_, _ = s.openCached(cur)
			return cur, nil
		}
	}
}

// refreshHeld refreshes the token of the credential cur, read under the
// hold, if it is still due, and stores the outcome as the hold commits.
func (s *Service) refreshHeld(ctx context.Context, hold *db.CredentialHold, cur *db.SealedCredential, seen time.Time) (*db.SealedCredential, error) {
	defer hold.Release()
	if !s.stillDue(cur, seen) {
		return cur, nil // refused before, or refreshed by another process a moment ago
	}
	sec, err := s.cipher.open(cur.SecretEncrypted)
	if err != nil {
		return nil, err
	}
	if sec.RefreshToken == "" {
		return cur, nil // nothing to refresh with: used until it expires
	}
	tok, err := s.providers.Refresh(ctx, cur.Provider, sec.RefreshToken)
	var refused *RefusedError
	if errors.As(err, &refused) {
		reason := "the provider refused to refresh it: " + refused.Reason
		cur.InvalidReason = &reason
		return cur, hold.Invalidate(ctx, reason)
	}
	if err != nil {
		return nil, err
	}
	next := secret{Secret: tok.AccessToken, RefreshToken: tok.RefreshToken}
	if next.RefreshToken == "" {
		next.RefreshToken = sec.RefreshToken // not rotated: keep it
	}
	sealed, err := s.cipher.seal(next)
	if err != nil {
		return nil, err
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
	// The stored row: its version (updated_at) keys the secret cache, filled
	// here with what was just sealed, so no node run decrypts it.
	out, err := hold.SetTokens(ctx, sealed, expires, tokenType, scopes)
	if err != nil {
		return nil, err
	}
	s.opened.Store(out.ID, openedSecret{version: out.UpdatedAt, secret: next})
	return out, nil
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
