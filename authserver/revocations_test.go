package authserver

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/sqlite"
	"github.com/scopegate/scopegate/token"
)

// TestRevocationsReachOtherInstances: a token revoked through the store,
// as by another instance, is refused here after the next poll, and one
// revoked before a restart is refused from the start.
func TestRevocationsReachOtherInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "shared.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	revoke := func(id string, expires time.Time) {
		t.Helper()
		if err := st.RevokeToken(ctx, store.Revocation{TokenID: id, RevokedAt: now, ExpiresAt: expires}); err != nil {
			t.Fatal(err)
		}
	}
	revoke("before-start", now.Add(time.Hour))
	revoke("already-expired", now.Add(-time.Second))

	list := new(token.RevocationList)
	srv, err := New(ctx, Config{Issuer: "https://auth.example.com", Store: st, Revoked: list})
	if err != nil {
		t.Fatal(err)
	}
	if !list.Contains("before-start") || list.Contains("already-expired") {
		t.Errorf("after New: before-start=%v already-expired=%v, want true, false",
			list.Contains("before-start"), list.Contains("already-expired"))
	}

	pollCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { srv.FollowRevocations(pollCtx, 10*time.Millisecond); close(done) }()
	defer func() { stop(); <-done }()
	revoke("while-running", now.Add(time.Hour))
	deadline := time.Now().Add(10 * time.Second)
	for !list.Contains("while-running") {
		if time.Now().After(deadline) {
			t.Fatal("a revocation written to the store never reached the running instance")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestGrantRevocationsReachOtherInstances: a grant revoked through the
// store is learned as a grant, not as a token of the same spelling.
func TestGrantRevocationsReachOtherInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "shared.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	if err := st.RevokeToken(ctx, store.Revocation{GrantID: "g1", RevokedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	list := new(token.RevocationList)
	if _, err := New(ctx, Config{Issuer: "https://auth.example.com", Store: st, Revoked: list}); err != nil {
		t.Fatal(err)
	}
	if !list.GrantRevoked("g1") || list.Contains("g1") {
		t.Errorf("GrantRevoked(g1) = %v, Contains(g1) = %v; want true, false", list.GrantRevoked("g1"), list.Contains("g1"))
	}
}

// TestRevocationsPushed: with a store that says when something was
// revoked (store.RevocationWatcher), another instance learns a revocation
// at once, not at its next poll (here an hour away).
func TestRevocationsPushed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "shared.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list := new(token.RevocationList)
	srv, err := New(ctx, Config{Issuer: "https://auth.example.com", Store: st, Revoked: list})
	if err != nil {
		t.Fatal(err)
	}
	pollCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { srv.FollowRevocations(pollCtx, time.Hour); close(done) }()
	defer func() { stop(); <-done }()
	revoke := func(id string) {
		t.Helper()
		now := time.Now()
		if err := st.RevokeToken(ctx, store.Revocation{GrantID: id, RevokedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	// The watch starts in the background: revoke until it is heard.
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; !list.GrantRevoked("first"); i++ {
		if time.Now().After(deadline) {
			t.Fatal("no revocation reached the instance within 5 s")
		}
		if i%5 == 0 {
			revoke("first")
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	revoke("second")
	for !list.GrantRevoked("second") {
		if time.Since(start) > time.Second {
			t.Fatal("a revocation took more than 1 s to reach the instance; the poll interval is an hour")
		}
		time.Sleep(time.Millisecond)
	}
}
