package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

func testRevocations(t *testing.T, s store.Store) {
	ctx := context.Background()
	if got, err := s.Revocations(ctx, base); err != nil || len(got) != 0 {
		t.Fatalf("Revocations of an empty store = %v, %v; want none", got, err)
	}
	b := store.Revocation{TokenID: "jti-b", RevokedAt: base, ExpiresAt: base.Add(10 * time.Minute)}
	a := store.Revocation{TokenID: "jti-a", RevokedAt: base.Add(time.Second), ExpiresAt: base.Add(time.Minute)}
	for _, r := range []store.Revocation{b, a} {
		if err := s.RevokeToken(ctx, r); err != nil {
			t.Fatalf("RevokeToken(%s) = %v", r.TokenID, err)
		}
	}
	// Revoking again is not an error and keeps the first record.
	again := b
	again.RevokedAt = base.Add(time.Hour)
	if err := s.RevokeToken(ctx, again); err != nil {
		t.Fatalf("second RevokeToken = %v; want nil", err)
	}
	got, err := s.Revocations(ctx, base)
	if err != nil || len(got) != 2 {
		t.Fatalf("Revocations = %v, %v; want 2", got, err)
	}
	for i, want := range []store.Revocation{a, b} {
		if got[i].TokenID != want.TokenID {
			t.Errorf("Revocations[%d] = %s; want %s (ordered by token ID)", i, got[i].TokenID, want.TokenID)
		}
		checkTime(t, want.TokenID+" RevokedAt", got[i].RevokedAt, stored(want.RevokedAt))
		checkTime(t, want.TokenID+" ExpiresAt", got[i].ExpiresAt, stored(want.ExpiresAt))
	}
	// At a's expiry only b is in force; DeleteExpired then removes a.
	if got, err := s.Revocations(ctx, a.ExpiresAt); err != nil || len(got) != 1 || got[0].TokenID != "jti-b" {
		t.Errorf("Revocations at a's expiry = %v, %v; want only jti-b", got, err)
	}
	if n, err := s.DeleteExpired(ctx, a.ExpiresAt); err != nil || n != 1 {
		t.Errorf("DeleteExpired at a's expiry = %d, %v; want 1", n, err)
	}
	if got, err := s.Revocations(ctx, base); err != nil || len(got) != 1 {
		t.Errorf("Revocations after DeleteExpired = %v, %v; want only jti-b", got, err)
	}
}
