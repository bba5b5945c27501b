package main

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

const (
	// revocationPollInterval is how long a token revoked by another
	// instance sharing the store may still pass this instance's gateway.
	// Revocations made by this instance apply at once.
	revocationPollInterval = 5 * time.Second
	// revocationClockSkew is how far behind ours another instance's clock
	// may be: each poll reads back this far before the previous one, so a
	// revocation stamped by a slow clock is not missed.
	revocationClockSkew = time.Minute
)

// loadRevocations copies into list the store's revocations recorded since
// since and still in force.
func loadRevocations(ctx context.Context, st store.Store, list *token.RevocationList, since time.Time) (added int, err error) {
	recs, err := st.Revocations(ctx, since, time.Now())
	if err != nil {
		return 0, fmt.Errorf("loading revoked tokens: %w", err)
	}
	for _, r := range recs {
		if list.Add(r.TokenID, r.ExpiresAt) {
			added++
		}
	}
	return added, nil
}

// followRevocations keeps list up to date with the store, reading what was
// revoked since the previous read each interval, until ctx is done.
func followRevocations(ctx context.Context, st store.Store, list *token.RevocationList, interval time.Duration, logger *zap.Logger) {
	last := time.Now()
	every(ctx, interval, func(now time.Time) {
		n, err := loadRevocations(ctx, st, list, last.Add(-revocationClockSkew))
		switch {
		case err != nil:
			if ctx.Err() == nil {
				logger.Warn("reading revoked tokens failed", zap.Error(err))
			}
			return // read the same span again next time
		case n > 0:
			logger.Info("revoked tokens learned from the store", zap.Int("count", n))
		}
		last = now
	})
}

// every calls fn with the time each interval until ctx is done.
func every(ctx context.Context, interval time.Duration, fn func(now time.Time)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			fn(now)
		}
	}
}
