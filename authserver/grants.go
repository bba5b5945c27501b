package authserver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/store"
)

// A grant is what a user allowed a client (store.Grant): every code,
// access token and refresh token records the grant it came from, so that
// revoking the grant stops all of them. The live grant of a (user,
// client) pair is also the remembered consent.

// saveGrantAttempts bounds the retries of a grant write that lost to a
// concurrent one (another tab, another instance): each retry rereads, so
// two attempts settle any pair of writers, and a few more cover bursts.
const saveGrantAttempts = 4

// grantScopes adds scopes to the live grant of (subject, clientID),
// creating the grant if there is none, and returns it. The grant keeps its
// ID: tokens issued from it stay valid, and new ones may carry more.
func (s *Server) grantScopes(ctx context.Context, subject, clientID string, scopes []string) (store.Grant, error) {
	for range saveGrantAttempts {
		now := s.now().UTC()
		g, err := s.store.LiveGrant(ctx, subject, clientID)
		read := &store.Grant{}
		*read = g
		switch {
		case errors.Is(err, store.ErrNotFound):
			g = store.Grant{ID: randomToken(16), Subject: subject, ClientID: clientID, CreatedAt: now}
			read = nil
		case err != nil:
			return store.Grant{}, err
		}
		g.Scopes = slices.Clone(g.Scopes)
		for _, sc := range scopes {
			if !slices.Contains(g.Scopes, sc) {
				g.Scopes = append(g.Scopes, sc)
			}
		}
		g.UpdatedAt = now
		err = s.store.SaveGrant(ctx, g, read)
		if !errors.Is(err, store.ErrConflict) {
			return g, err
		}
	}
	return store.Grant{}, fmt.Errorf("authserver: saving the grant of %q to %q: too many concurrent writers", subject, clientID)
}

// liveGrant returns the grant with ID id if it is live, or nil.
func (s *Server) liveGrant(ctx context.Context, id string) (*store.Grant, error) {
	if id == "" {
		return nil, nil
	}
	g, err := s.store.Grant(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case !g.Live():
		return nil, nil
	}
	return &g, nil
}

// grantRevocationMargin widens a grant's revocation beyond the lifetime of
// the tokens it covers, for a token being minted from the grant on another
// instance while the revocation is written.
const grantRevocationMargin = time.Minute

// RevokeGrant revokes the grant with ID id and everything issued from it:
// in this process first, so that its access tokens are refused by this
// instance's gateway at once whatever the store does, then in the store,
// where other instances learn it. It reports whether the grant was live.
// The store writes outlive the request, whose caller may hang up.
func (s *Server) RevokeGrant(ctx context.Context, id string) (bool, error) {
	now := s.now().UTC()
	until := now.Add(s.AcceptedTokenLifetime() + grantRevocationMargin)
	s.revoked.RevokeGrant(id, until)
	ctx = context.WithoutCancel(ctx)
	live, err := s.store.RevokeGrant(ctx, id, now)
	if err != nil {
		return false, fmt.Errorf("authserver: revoking grant: %w", err)
	}
	if err := s.store.RevokeToken(ctx, store.Revocation{GrantID: id, RevokedAt: now, ExpiresAt: until}); err != nil {
		return live, fmt.Errorf("authserver: recording the grant's revocation: %w", err)
	}
	return live, nil
}

// touchGrant records that the client used the grant now, at most once
// per store.GrantTouchInterval from this process (touchMemo). It runs
// after the answer is decided and never fails the request: a lost touch
// only makes the account page's "last used" a little older.
func (s *Server) touchGrant(ctx context.Context, id string) {
	now := s.now().UTC()
	if id == "" || !s.touches.due(id, now) {
		return
	}
	if err := s.store.TouchGrant(context.WithoutCancel(ctx), id, now); err != nil {
		s.touches.forget(id)
		s.log.Warn("recording grant use failed", zap.Error(err))
	}
}
