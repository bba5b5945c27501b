package main

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

// revocationPollInterval is how long a token revoked by another instance
// sharing the store may still pass this instance's gateway. Revocations
// made by this instance apply at once.
const revocationPollInterval = 5 * time.Second

// loadRevocations copies the store's revocations in force into list.
func loadRevocations(ctx context.Context, st store.Store, list *token.RevocationList) (added int, err error) {
	recs, err := st.Revocations(ctx, time.Now())
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

// followRevocations keeps list up to date with the store, reading it
// each interval until ctx is done. The whole list is read each time:
// revocations are rare and short lived (one access token lifetime).
func followRevocations(ctx context.Context, st store.Store, list *token.RevocationList, interval time.Duration, logger *zap.Logger) {
	every(ctx, interval, func(time.Time) {
		n, err := loadRevocations(ctx, st, list)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("reading revoked tokens failed", zap.Error(err))
		case n > 0:
			logger.Info("revoked tokens learned from the store", zap.Int("count", n))
		}
	})
}
