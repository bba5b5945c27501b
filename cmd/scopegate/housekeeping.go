package main

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/store"
)

// housekeepingInterval is how often expired authorization codes and
// revocations are deleted. It only bounds how long dead rows stay.
const housekeepingInterval = 10 * time.Minute

// keepTidy deletes records that expired more than retention ago, until
// ctx is done. Retention is the authorization server's
// AcceptedTokenLifetime, so that redeemed codes outlive their tokens.
// With several instances each does it; the deletes are idempotent.
func keepTidy(ctx context.Context, st store.Store, retention time.Duration, logger *zap.Logger) {
	every(ctx, housekeepingInterval, func(now time.Time) {
		n, err := st.DeleteExpired(ctx, now.Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("deleting expired records failed", zap.Error(err))
		case n > 0:
			logger.Debug("deleted expired records", zap.Int64("count", n))
		}
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
