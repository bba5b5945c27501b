package authserver

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// TestKeepTidyDeletesOnlyWhatOutlivedItsTokens: a revocation that expired
// longer ago than tokens are accepted is deleted; one that expired more
// recently stays, so a late replay is still recognised.
func TestKeepTidyDeletesOnlyWhatOutlivedItsTokens(t *testing.T) {
	t.Parallel()
	env := newTestServer(t, nil)
	ctx := context.Background()
	now := time.Now()
	retention := env.srv.AcceptedTokenLifetime()
	old := store.Revocation{TokenID: "long-dead", RevokedAt: now.Add(-2 * retention), ExpiresAt: now.Add(-retention - time.Minute)}
	recent := store.Revocation{TokenID: "recently-dead", RevokedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Minute)}
	for _, r := range []store.Revocation{old, recent} {
		if err := env.store.RevokeToken(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// Read as of before both expired, so expired rows still show.
	stored := func() []string {
		recs, err := env.store.Revocations(ctx, time.Time{}, now.Add(-3*retention))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range recs {
			ids = append(ids, r.TokenID)
		}
		return ids
	}
	if got := stored(); !slices.Contains(got, old.TokenID) || !slices.Contains(got, recent.TokenID) {
		t.Fatalf("before tidying the store holds %v, want both", got)
	}

	tidyCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { env.srv.KeepTidy(tidyCtx, 10*time.Millisecond); close(done) }()
	defer func() { stop(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for slices.Contains(stored(), old.TokenID) {
		if time.Now().After(deadline) {
			t.Fatal("KeepTidy never deleted a revocation that expired before the retention")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := stored(); !slices.Contains(got, recent.TokenID) {
		t.Errorf("KeepTidy deleted %q, which expired within the retention of %v", recent.TokenID, retention)
	}
}
