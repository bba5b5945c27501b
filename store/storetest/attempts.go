package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// testAttemptLimit: a key takes limit attempts per window, the next is
// refused without being counted, and the window restarts once it ended.
func testAttemptLimit(t *testing.T, s store.Store) {
	ctx := context.Background()
	const limit, window = 3, time.Minute
	for i := 1; i <= limit; i++ {
		r, ok, err := s.ReserveAttempt(ctx, "k", limit, window, base.Add(time.Duration(i)*time.Second))
		if err != nil || !ok || r.Count != i {
			t.Fatalf("ReserveAttempt #%d = %+v, %v, %v; want count %d, true, nil", i, r, ok, err, i)
		}
		checkTime(t, "WindowStart", r.WindowStart, base.Add(time.Second))
	}
	if r, ok, err := s.ReserveAttempt(ctx, "k", limit, window, base.Add(30*time.Second)); err != nil || ok {
		t.Fatalf("ReserveAttempt over the limit = %+v, %v, %v; want false, nil", r, ok, err)
	}
	// Another key has its own count.
	if _, ok, err := s.ReserveAttempt(ctx, "k2", limit, window, base.Add(30*time.Second)); err != nil || !ok {
		t.Fatalf("ReserveAttempt of another key = %v, %v; want true, nil", ok, err)
	}
	// The window began at the first attempt (base+1s) and ends a minute later.
	if _, ok, _ := s.ReserveAttempt(ctx, "k", limit, window, base.Add(window)); ok {
		t.Fatal("ReserveAttempt just before the window ended was allowed; want refused")
	}
	r, ok, err := s.ReserveAttempt(ctx, "k", limit, window, base.Add(window+time.Second))
	if err != nil || !ok || r.Count != 1 {
		t.Fatalf("ReserveAttempt after the window = %+v, %v, %v; want count 1, true, nil", r, ok, err)
	}
	checkTime(t, "restarted WindowStart", r.WindowStart, base.Add(window+time.Second))
}

// testAttemptRefund: a refund gives one attempt back in its own window
// only, and a reset forgets the key.
func testAttemptRefund(t *testing.T, s store.Store) {
	ctx := context.Background()
	const limit, window = 2, time.Minute
	r1, _, _ := s.ReserveAttempt(ctx, "k", limit, window, base)
	if _, ok, err := s.ReserveAttempt(ctx, "k", limit, window, base); !ok || err != nil {
		t.Fatalf("second ReserveAttempt = %v, %v", ok, err)
	}
	if n, err := s.RefundAttempt(ctx, "k", r1.WindowStart); err != nil || n != 1 {
		t.Fatalf("RefundAttempt = %d, %v; want 1, nil", n, err)
	}
	if _, ok, err := s.ReserveAttempt(ctx, "k", limit, window, base); !ok || err != nil {
		t.Fatalf("ReserveAttempt after a refund = %v, %v; want true, nil", ok, err)
	}
	// A refund for a window that is not the current one changes nothing.
	if n, err := s.RefundAttempt(ctx, "k", base.Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("RefundAttempt of another window = %d, %v; want 0, nil", n, err)
	}
	if _, ok, _ := s.ReserveAttempt(ctx, "k", limit, window, base); ok {
		t.Fatal("a stale refund gave an attempt back")
	}
	if n, err := s.DeleteExpired(ctx, base.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v; want 1 (k)", n, err)
	}
	// A window refunded to zero is gone: nothing is left to expire.
	r3, _, _ := s.ReserveAttempt(ctx, "z", limit, window, base)
	if n, err := s.RefundAttempt(ctx, "z", r3.WindowStart); err != nil || n != 0 {
		t.Fatalf("RefundAttempt of the only attempt = %d, %v; want 0, nil", n, err)
	}
	if n, err := s.DeleteExpired(ctx, base.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("DeleteExpired after a refund to zero = %d, %v; want 0", n, err)
	}
	if n, err := s.RefundAttempt(ctx, "unknown", base); err != nil || n != 0 {
		t.Fatalf("RefundAttempt of an unknown key = %d, %v; want 0, nil", n, err)
	}
	if _, _, err := s.ReserveAttempt(ctx, "k", limit, window, base); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetAttempts(ctx, "k"); err != nil {
		t.Fatalf("ResetAttempts = %v", err)
	}
	if r, ok, err := s.ReserveAttempt(ctx, "k", limit, window, base); !ok || err != nil || r.Count != 1 {
		t.Fatalf("ReserveAttempt after a reset = %+v, %v, %v; want count 1", r, ok, err)
	}
	// Expired windows are garbage: DeleteExpired removes them.
	if _, err := s.DeleteExpired(ctx, base.Add(window)); err != nil {
		t.Fatalf("DeleteExpired = %v", err)
	}
	if n, err := s.RefundAttempt(ctx, "k", base); err != nil || n != 0 {
		t.Fatalf("RefundAttempt after DeleteExpired = %d, %v; want 0 (row gone)", n, err)
	}
}

// testAttemptConcurrent: many callers (as many instances would) reserve
// at once; exactly limit of them get through.
func testAttemptConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	const limit, callers = 5, 40
	var allowed atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			_, ok, err := s.ReserveAttempt(ctx, "shared", limit, time.Minute, base)
			if err != nil {
				errs <- err
			}
			if ok {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("ReserveAttempt: %v", err)
	}
	if n := allowed.Load(); n != limit {
		t.Fatalf("%d of %d concurrent reservations allowed; want exactly %d", n, callers, limit)
	}
}

// testSigningKeyReplaces: of two keys replacing the same one, the second
// is a conflict; an empty Replaces never conflicts; each algorithm has its
// own chain.
func testSigningKeyReplaces(t *testing.T, s store.Store) {
	ctx := context.Background()
	k := func(id, alg, replaces string) store.SigningKey {
		return store.SigningKey{ID: id, Algorithm: alg, PrivateKey: []byte(id), CreatedAt: base, ExpiresAt: base.Add(time.Hour), Replaces: replaces}
	}
	for _, sk := range []store.SigningKey{k("a", "ES256", ""), k("b", "ES256", ""), k("c", "ES256", "a"), k("d", "RS256", "a")} {
		if err := s.CreateSigningKey(ctx, sk); err != nil {
			t.Fatalf("CreateSigningKey(%s replacing %q) = %v; want nil", sk.ID, sk.Replaces, err)
		}
	}
	if err := s.CreateSigningKey(ctx, k("e", "ES256", "a")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateSigningKey of a second ES256 key replacing a = %v; want ErrConflict", err)
	}
	keys, err := s.SigningKeys(ctx)
	if err != nil || len(keys) != 4 {
		t.Fatalf("SigningKeys = %d keys, %v; want 4", len(keys), err)
	}
	for _, got := range keys {
		if got.ID == "c" && got.Replaces != "a" {
			t.Errorf("key c Replaces = %q; want a", got.Replaces)
		}
	}
	// Racing rotations: exactly one stores its key.
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			err := s.CreateSigningKey(ctx, k(string(rune('p'+i)), "ES256", "c"))
			switch {
			case err == nil:
				won.Add(1)
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("CreateSigningKey: %v", err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d racing keys replacing c stored; want exactly 1", won.Load())
	}
}
