package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// testTimesUTC stores times from a non-UTC zone in every record type and
// expects the same instants back in UTC.
func testTimesUTC(t *testing.T, s store.Store) {
	ctx := context.Background()
	zone := time.FixedZone("UTC-07:00", -7*3600)
	at := time.Date(2026, time.July, 1, 23, 59, 59, 999999999, zone) // a different UTC day
	k := store.SigningKey{ID: "k", Algorithm: "ES256", PrivateKey: []byte{1}, CreatedAt: at, ExpiresAt: at.Add(time.Nanosecond)}
	if err := s.CreateSigningKey(ctx, k); err != nil {
		t.Fatalf("CreateSigningKey: %v", err)
	}
	keys, err := s.SigningKeys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("SigningKeys = %d keys, %v; want 1", len(keys), err)
	}
	checkKey(t, "key", keys[0], k)

	c := newCode("c")
	c.AuthTime, c.CreatedAt, c.ExpiresAt = at.Add(-time.Hour), at, at.Add(time.Hour)
	mustCreateCode(t, s, c)
	redeemAt := at.Add(time.Minute).In(time.FixedZone("UTC+14:00", 14*3600))
	got, err := s.RedeemAuthCode(ctx, c.ID, redeemAt)
	if err != nil {
		t.Fatalf("RedeemAuthCode: %v", err)
	}
	c.RedeemedAt = redeemAt
	checkCode(t, "code", got, c)

	g := store.Grant{ID: "g", Subject: "alice", ClientID: "p", Scopes: []string{"x"}, CreatedAt: at, UpdatedAt: at.Add(time.Second),
		LastUsedAt: at.Add(2 * time.Second), RevokedAt: at.Add(3 * time.Second)}
	mustSaveGrant(t, s, g, nil)
	gotGrant, err := s.Grant(ctx, "g")
	if err != nil {
		t.Fatalf("Grant: %v", err)
	}
	checkGrant(t, "grant", gotGrant, g)
}

func testScopesRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	tests := []struct {
		name   string
		scopes []string
	}{
		{"nil", nil},
		{"empty", []string{}},
		{"one", []string{"photos.read"}},
		{"several in order", []string{"photos.write", "openid", "photos.read"}},
		{"odd characters", []string{"urn:example:photos?x=1", "ünïcödé", `quote"and\backslash`}},
	}
	for i, tc := range tests {
		c := newCode(fmt.Sprintf("code-%d", i))
		c.Scopes = tc.scopes
		mustCreateCode(t, s, c)
		got, err := s.RedeemAuthCode(ctx, c.ID, base)
		if err != nil {
			t.Fatalf("%s: RedeemAuthCode: %v", tc.name, err)
		}
		checkStrings(t, tc.name+": code scopes", got.Scopes, tc.scopes)

		mustSaveGrant(t, s, newGrant("g-"+c.ID, "alice", c.ID, tc.scopes...), nil)
		gotGrant, err := s.LiveGrant(ctx, "alice", c.ID)
		if err != nil {
			t.Fatalf("%s: LiveGrant: %v", tc.name, err)
		}
		checkStrings(t, tc.name+": grant scopes", gotGrant.Scopes, tc.scopes)
	}
}

// testCancelledContext calls every method with a cancelled context; each
// must give up with an error instead of doing the work.
func testCancelledContext(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := []struct {
		name string
		call func() error
	}{
		{"SigningKeys", func() error { _, err := s.SigningKeys(ctx); return err }},
		{"CreateSigningKey", func() error {
			return s.CreateSigningKey(ctx, store.SigningKey{ID: "k", Algorithm: "ES256", PrivateKey: []byte{1}, CreatedAt: base, ExpiresAt: base})
		}},
		{"Secret", func() error {
			_, err := s.Secret(ctx, "x", func() ([]byte, error) { return []byte("v"), nil })
			return err
		}},
		{"CreateAuthCode", func() error { return s.CreateAuthCode(ctx, newCode("c")) }},
		{"RedeemAuthCode", func() error { _, err := s.RedeemAuthCode(ctx, "c", base); return err }},
		{"LiveGrant", func() error { _, err := s.LiveGrant(ctx, "alice", "p"); return err }},
		{"Grant", func() error { _, err := s.Grant(ctx, "g"); return err }},
		{"SaveGrant", func() error { return s.SaveGrant(ctx, newGrant("g", "alice", "p"), nil) }},
		{"Grants", func() error { _, err := s.Grants(ctx, "alice"); return err }},
		{"RevokeGrant", func() error { _, err := s.RevokeGrant(ctx, "g", base); return err }},
		{"TouchGrant", func() error { return s.TouchGrant(ctx, "g", base) }},
		{"CreateRefreshToken", func() error { return s.CreateRefreshToken(ctx, newRefresh("r", "g")) }},
		{"RefreshToken", func() error { _, err := s.RefreshToken(ctx, "r"); return err }},
		{"RotateRefreshToken", func() error { return rotate(ctx, s, "r", newRefresh("r2", "g"), base) }},
		{"DeleteExpired", func() error { _, err := s.DeleteExpired(ctx, base); return err }},
		{"RevokeToken", func() error {
			return s.RevokeToken(ctx, store.Revocation{TokenID: "t", RevokedAt: base, ExpiresAt: base})
		}},
		{"Revocations", func() error { _, err := s.Revocations(ctx, time.Time{}, base); return err }},
		{"ReserveAttempt", func() error { _, _, err := s.ReserveAttempt(ctx, "k", 1, time.Minute, base); return err }},
		{"RefundAttempt", func() error { _, err := s.RefundAttempt(ctx, "k", base); return err }},
		{"ResetAttempts", func() error { return s.ResetAttempts(ctx, "k") }},
	}
	// Nothing was decided, so the error is also ErrUnavailable: callers
	// answer "retry" (503), never "no" or "yes".
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, context.Canceled) || !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with a cancelled context = %v; want an error wrapping context.Canceled and store.ErrUnavailable", c.name, err)
		}
	}
	// Nothing was written by the cancelled calls.
	if keys, err := s.SigningKeys(context.Background()); err != nil || len(keys) != 0 {
		t.Errorf("SigningKeys after cancelled writes = %d keys, %v; want none", len(keys), err)
	}
	if _, err := s.LiveGrant(context.Background(), "alice", "p"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LiveGrant after a cancelled SaveGrant = %v; want ErrNotFound", err)
	}
}
