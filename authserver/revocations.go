package authserver

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

const (
	// RevocationPollInterval is how long a token revoked by another
	// instance sharing the store may still pass this instance's gateway
	// when no notification reaches it (see FollowRevocations). Revocations
	// made by this instance apply at once.
	RevocationPollInterval = 5 * time.Second
	// revocationClockSkew is how far behind ours another instance's clock
	// may be: each poll reads back this far before the previous one, so a
	// revocation stamped by a slow clock is not missed.
	revocationClockSkew = time.Minute
)

// loadRevocations copies into the server's revocation list the store's
// revocations recorded since since and still in force.
func (s *Server) loadRevocations(ctx context.Context, since time.Time) (added int, err error) {
	recs, err := s.store.Revocations(ctx, since, s.now())
	if err != nil {
		return 0, fmt.Errorf("authserver: loading revoked tokens: %w", err)
	}
	entries := make([]token.Revocation, len(recs))
	for i, r := range recs {
		entries[i] = token.Revocation{ID: r.TokenID, Until: r.ExpiresAt}
		if r.GrantID != "" {
			entries[i] = token.Revocation{ID: r.GrantID, Grant: true, Until: r.ExpiresAt}
		}
	}
	return s.revoked.AddAll(entries), nil
}

// FollowRevocations keeps the revocation list (Config.Revoked) up to date
// with what other instances sharing the store revoke, until ctx is done.
// When the store can say that something was revoked
// (store.RevocationWatcher; PostgreSQL's LISTEN/NOTIFY reaches every
// instance within milliseconds), it reads at once; it also reads each
// interval whatever happens, so that a lost notification or a broken
// listening connection delays a revocation by at most interval. Each read
// asks for what was revoked since the previous successful one. New
// already loaded what was revoked before it ran.
func (s *Server) FollowRevocations(ctx context.Context, interval time.Duration) {
	wake := make(chan struct{}, 1)
	if w, ok := s.store.(store.RevocationWatcher); ok {
		go w.WatchRevocations(ctx, func() {
			select {
			case wake <- struct{}{}:
			default: // a read is pending already; it will see this one too
			}
		})
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	last := s.now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
		now := s.now()
		n, err := s.loadRevocations(ctx, last.Add(-revocationClockSkew))
		switch {
		case err != nil:
			if ctx.Err() == nil {
				s.log.Warn("reading revoked tokens failed", zap.Error(err))
			}
			continue // read the same span again next time
		case n > 0:
			s.log.Info("revoked tokens learned from the store", zap.Int("count", n))
		}
		last = now
	}
}
