package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// newCode returns a code issued at base that expires ten minutes later.
func newCode(id string) store.AuthCode {
	return store.AuthCode{
		ID:                  id,
		ClientID:            "photo-printer",
		RedirectURI:         "http://localhost:8081/callback",
		Subject:             "alice",
		Scopes:              []string{"openid", "photos.read"},
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		Nonce:               "n-0S6_WzA2Mj",
		AuthTime:            base.Add(-time.Minute),
		CreatedAt:           base,
		ExpiresAt:           base.Add(10 * time.Minute),
		GrantID:             "g-" + id,
	}
}

func mustCreateCode(t *testing.T, s store.Store, c store.AuthCode) {
	t.Helper()
	if err := s.CreateAuthCode(context.Background(), c); err != nil {
		t.Fatalf("CreateAuthCode(%s): %v", c.ID, err)
	}
}

func checkCode(t *testing.T, what string, got, want store.AuthCode) {
	t.Helper()
	if got.ID != want.ID || got.ClientID != want.ClientID || got.RedirectURI != want.RedirectURI ||
		got.Subject != want.Subject || got.CodeChallenge != want.CodeChallenge ||
		got.CodeChallengeMethod != want.CodeChallengeMethod || got.Nonce != want.Nonce ||
		got.GrantID != want.GrantID || !sameBytes(got.AuthorizationDetails, want.AuthorizationDetails) ||
		!sameBytes(got.Credential, want.Credential) {
		t.Errorf("%s = %+v; want %+v", what, got, want)
	}
	checkStrings(t, what+".Scopes", got.Scopes, want.Scopes)
	checkTime(t, what+".AuthTime", got.AuthTime, want.AuthTime)
	checkTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, what+".ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	if want.RedeemedAt.IsZero() != got.RedeemedAt.IsZero() {
		t.Errorf("%s.RedeemedAt = %v; want %v", what, got.RedeemedAt, want.RedeemedAt)
	} else if !want.RedeemedAt.IsZero() {
		checkTime(t, what+".RedeemedAt", got.RedeemedAt, want.RedeemedAt)
	}
}

// sameBytes reports whether a and b hold the same bytes and are both nil
// or both not: the store keeps "none" apart from "empty".
func sameBytes(a, b []byte) bool {
	return bytes.Equal(a, b) && (a == nil) == (b == nil)
}

func testAuthCodeRedeem(t *testing.T, s store.Store) {
	c := newCode("c1")
	c.AuthorizationDetails = []byte(`[{"type":"photos","actions":["read"],"identifiers":["1"]}]`)
	c.Credential = []byte{0, 1, 0xfe, 0xff}
	mustCreateCode(t, s, c)
	now := base.Add(30 * time.Second)
	got, err := s.RedeemAuthCode(context.Background(), c.ID, now)
	if err != nil {
		t.Fatalf("RedeemAuthCode: %v", err)
	}
	want := c
	want.RedeemedAt = now
	checkCode(t, "redeemed code", got, want)
}

func testAuthCodeReplay(t *testing.T, s store.Store) {
	ctx := context.Background()
	c := newCode("c1")
	mustCreateCode(t, s, c)
	first := base.Add(time.Second)
	if _, err := s.RedeemAuthCode(ctx, c.ID, first); err != nil {
		t.Fatalf("first RedeemAuthCode: %v", err)
	}
	got, err := s.RedeemAuthCode(ctx, c.ID, base.Add(2*time.Second))
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second RedeemAuthCode = %v; want ErrConflict", err)
	}
	want := c
	want.RedeemedAt = first // the replay must not move the first redemption
	checkCode(t, "code returned with the conflict", got, want)

	// A replay stays a replay after the code expired, until it is deleted.
	if _, err := s.RedeemAuthCode(ctx, c.ID, c.ExpiresAt.Add(time.Minute)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("RedeemAuthCode of a redeemed, expired code = %v; want ErrConflict", err)
	}
}

func testAuthCodeUnknown(t *testing.T, s store.Store) {
	mustCreateCode(t, s, newCode("known"))
	if _, err := s.RedeemAuthCode(context.Background(), "unknown", base); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("RedeemAuthCode(unknown) = %v; want ErrNotFound", err)
	}
}

func testAuthCodeExpired(t *testing.T, s store.Store) {
	ctx := context.Background()
	c := newCode("c1")
	mustCreateCode(t, s, c)
	for _, at := range []time.Time{c.ExpiresAt, c.ExpiresAt.Add(time.Hour)} {
		if _, err := s.RedeemAuthCode(ctx, c.ID, at); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RedeemAuthCode at %v (expiry %v) = %v; want ErrNotFound", at, c.ExpiresAt, err)
		}
	}
	// Refusing it did not redeem it: a clock one microsecond before expiry
	// still succeeds.
	if _, err := s.RedeemAuthCode(ctx, c.ID, c.ExpiresAt.Add(-time.Microsecond)); err != nil {
		t.Errorf("RedeemAuthCode just before expiry: %v", err)
	}
}

func testAuthCodeDuplicate(t *testing.T, s store.Store) {
	ctx := context.Background()
	c := newCode("c1")
	mustCreateCode(t, s, c)
	dup := c
	dup.ClientID = "attacker"
	if err := s.CreateAuthCode(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateAuthCode with an existing ID = %v; want ErrConflict", err)
	}
	got, err := s.RedeemAuthCode(ctx, c.ID, base)
	if err != nil {
		t.Fatalf("RedeemAuthCode: %v", err)
	}
	if got.ClientID != c.ClientID {
		t.Errorf("ClientID after a conflicting create = %q; want %q", got.ClientID, c.ClientID)
	}
}

// testAuthCodeConcurrentRedeem redeems each code from many goroutines
// released at once: exactly one must win (RFC 9700 §4.2.4, RFC 6749 §4.1.2).
func testAuthCodeConcurrentRedeem(t *testing.T, s store.Store) {
	const rounds, n = 5, 12
	for r := range rounds {
		c := newCode(fmt.Sprintf("code-%d", r))
		mustCreateCode(t, s, c)
		var wins, conflicts int
		var mu sync.Mutex
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				_, err := s.RedeemAuthCode(context.Background(), c.ID, base.Add(time.Duration(i)*time.Millisecond))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, store.ErrConflict):
					conflicts++
				default:
					t.Errorf("round %d, caller %d: RedeemAuthCode: %v; want nil or ErrConflict", r, i, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if wins != 1 || conflicts != n-1 {
			t.Fatalf("round %d: %d callers won and %d got ErrConflict; want 1 and %d", r, wins, conflicts, n-1)
		}
	}
}

func testDeleteExpired(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := base.Add(time.Hour)
	expiries := map[string]time.Time{
		"gone-long-ago": base,
		"gone-just-now": now.Add(-time.Microsecond),
		"gone-at-now":   now, // RedeemAuthCode already refuses it at now
		"alive":         now.Add(time.Microsecond),
		"alive-longer":  now.Add(time.Hour),
	}
	for id, exp := range expiries {
		c := newCode(id)
		c.ExpiresAt = exp
		mustCreateCode(t, s, c)
	}
	n, err := s.DeleteExpired(ctx, now)
	if err != nil || n != 3 {
		t.Fatalf("DeleteExpired = %d, %v; want 3, nil", n, err)
	}
	for _, id := range []string{"alive", "alive-longer"} {
		if _, err := s.RedeemAuthCode(ctx, id, now); err != nil {
			t.Errorf("RedeemAuthCode(%s) after DeleteExpired: %v; want it kept", id, err)
		}
	}
	// The deleted codes are gone (a replay of them can no longer be told
	// from an unknown code), and nothing is left to delete.
	if _, err := s.RedeemAuthCode(ctx, "gone-long-ago", base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RedeemAuthCode of a deleted code = %v; want ErrNotFound", err)
	}
	if n, err := s.DeleteExpired(ctx, now); err != nil || n != 0 {
		t.Errorf("second DeleteExpired = %d, %v; want 0, nil", n, err)
	}
}
