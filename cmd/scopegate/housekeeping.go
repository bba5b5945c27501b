package main

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/authserver"
	"github.com/scopegate/scopegate/config"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

// housekeepingInterval is how often expired authorization codes and
// revocations are deleted. It only bounds how long dead rows stay.
const housekeepingInterval = 10 * time.Minute

// codeRetention is how long records are kept past their expiry. A
// redeemed code must outlive the access token it issued, so that a late
// replay is still recognised and revokes that token (RFC 9700 §4.2.4).
func codeRetention(f *config.File) time.Duration {
	ttl := f.AuthServer.AccessTokenTTL
	if ttl <= 0 {
		ttl = authserver.DefaultAccessTokenTTL
	}
	return ttl + token.DefaultLeeway
}

// keepTidy deletes records that expired more than retention ago, until
// ctx is done. With several instances each does it; the deletes are
// idempotent.
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
