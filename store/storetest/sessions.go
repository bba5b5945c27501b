package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

func newLoginSession(id string) store.LoginSession {
	return store.LoginSession{ID: id, Subject: "alice", AuthTime: base.Add(-time.Second),
		CreatedAt: base, ExpiresAt: base.Add(12 * time.Hour)}
}

// testLoginSessions: a session reads back as stored (UTC, microseconds),
// a duplicate ID conflicts, deleting ends it (twice is fine), and other
// sessions of the same subject stay.
func testLoginSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := newLoginSession("s-a"), newLoginSession("s-b")
	for _, ls := range []store.LoginSession{a, b} {
		if err := s.CreateLoginSession(ctx, ls); err != nil {
			t.Fatalf("CreateLoginSession(%s) = %v", ls.ID, err)
		}
	}
	dup := newLoginSession("s-a")
	dup.Subject = "mallory"
	if err := s.CreateLoginSession(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateLoginSession of an existing ID = %v; want ErrConflict", err)
	}
	got, err := s.LoginSession(ctx, a.ID, base)
	if err != nil {
		t.Fatalf("LoginSession(%s) = %v", a.ID, err)
	}
	if got.ID != a.ID || got.Subject != "alice" {
		t.Errorf("LoginSession(%s) = %+v; want %+v", a.ID, got, a)
	}
	checkTime(t, "AuthTime", got.AuthTime, a.AuthTime)
	checkTime(t, "CreatedAt", got.CreatedAt, a.CreatedAt)
	checkTime(t, "ExpiresAt", got.ExpiresAt, a.ExpiresAt)

	for range 2 {
		if err := s.DeleteLoginSession(ctx, a.ID); err != nil {
			t.Fatalf("DeleteLoginSession(%s) = %v", a.ID, err)
		}
	}
	if _, err := s.LoginSession(ctx, a.ID, base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LoginSession after delete = %v; want ErrNotFound", err)
	}
	if _, err := s.LoginSession(ctx, b.ID, base); err != nil {
		t.Errorf("LoginSession(%s) after deleting %s = %v; want it kept", b.ID, a.ID, err)
	}
	if _, err := s.LoginSession(ctx, "unknown", base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LoginSession(unknown) = %v; want ErrNotFound", err)
	}
}

// testLoginSessionExpiry: a session is gone from its ExpiresAt on, and
// DeleteExpired removes it then, not before.
func testLoginSessionExpiry(t *testing.T, s store.Store) {
	ctx := context.Background()
	ls := newLoginSession("s-exp")
	if err := s.CreateLoginSession(ctx, ls); err != nil {
		t.Fatalf("CreateLoginSession = %v", err)
	}
	if _, err := s.LoginSession(ctx, ls.ID, ls.ExpiresAt.Add(-time.Microsecond)); err != nil {
		t.Errorf("LoginSession just before expiry = %v; want it", err)
	}
	if _, err := s.LoginSession(ctx, ls.ID, ls.ExpiresAt); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LoginSession at expiry = %v; want ErrNotFound", err)
	}
	if n, err := s.DeleteExpired(ctx, ls.ExpiresAt.Add(-time.Microsecond)); err != nil || n != 0 {
		t.Errorf("DeleteExpired before expiry = %d, %v; want 0, nil", n, err)
	}
	if n, err := s.DeleteExpired(ctx, ls.ExpiresAt); err != nil || n != 1 {
		t.Errorf("DeleteExpired at expiry = %d, %v; want 1, nil", n, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.LoginSession(cancelled, ls.ID, base); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("LoginSession with a cancelled context = %v; want the context's error", err)
	}
}
