package main

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/store"
)

// housekeepingInterval is how often expired authorization codes are
// deleted. Codes live 60 s, so this only bounds how long dead rows stay.
const housekeepingInterval = 10 * time.Minute

// keepTidy deletes expired records until ctx is done. With several
// instances each does it; the deletes are idempotent.
func keepTidy(ctx context.Context, st store.Store, logger *zap.Logger) {
	t := time.NewTicker(housekeepingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			n, err := st.DeleteExpired(ctx, now)
			if err != nil {
				if ctx.Err() == nil {
					logger.Warn("deleting expired codes failed", zap.Error(err))
				}
				continue
			}
			if n > 0 {
				logger.Debug("deleted expired codes", zap.Int64("count", n))
			}
		}
	}
}
