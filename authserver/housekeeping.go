package authserver

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// HousekeepingInterval is how often KeepTidy deletes expired records. It
// only bounds how long dead rows stay.
const HousekeepingInterval = 10 * time.Minute

// KeepTidy deletes the store's codes and revocations that expired more
// than AcceptedTokenLifetime ago, each interval until ctx is done, so that
// redeemed codes outlive the tokens they issued. With several instances
// on one store each may run it; the deletes are idempotent.
func (s *Server) KeepTidy(ctx context.Context, interval time.Duration) {
	retention := s.AcceptedTokenLifetime()
	every(ctx, interval, func(now time.Time) {
		n, err := s.store.DeleteExpired(ctx, now.Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Warn("deleting expired records failed", zap.Error(err))
		case n > 0:
			s.log.Debug("deleted expired records", zap.Int64("count", n))
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
