package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// newRefresh returns a refresh token of grant g, issued at base, idle for
// an hour, in a family that ends after a day.
func newRefresh(id, grantID string) store.RefreshToken {
	return store.RefreshToken{
		ID: id, GrantID: grantID, ClientID: "photo-printer", Subject: "alice",
		Scopes: []string{"openid", "offline_access", "photos.read"}, AuthTime: base.Add(-time.Minute),
		CreatedAt: base, ExpiresAt: base.Add(time.Hour), FamilyExpiresAt: base.Add(24 * time.Hour),
	}
}

// refreshFixture stores a live grant and one refresh token of it.
func refreshFixture(t *testing.T, s store.Store) store.RefreshToken {
	t.Helper()
	mustSaveGrant(t, s, newGrant("g1", "alice", "photo-printer", "openid", "offline_access", "photos.read"), nil)
	rt := newRefresh("rt1", "g1")
	rt.AuthorizationDetails = []byte(`[{"type":"photos","actions":["read"],"identifiers":["7"]}]`)
	rt.Credential = []byte{0, 0x80, 0xff}
	if err := s.CreateRefreshToken(context.Background(), rt); err != nil {
		t.Fatalf("CreateRefreshToken: %v", err)
	}
	return rt
}

func checkRefresh(t *testing.T, what string, got, want store.RefreshToken) {
	t.Helper()
	if got.ID != want.ID || got.GrantID != want.GrantID || got.ClientID != want.ClientID || got.Subject != want.Subject ||
		!sameBytes(got.AuthorizationDetails, want.AuthorizationDetails) || !sameBytes(got.Credential, want.Credential) {
		t.Errorf("%s = %+v; want %+v", what, got, want)
	}
	checkStrings(t, what+".Scopes", got.Scopes, want.Scopes)
	checkTime(t, what+".AuthTime", got.AuthTime, want.AuthTime)
	checkTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, what+".ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	checkTime(t, what+".FamilyExpiresAt", got.FamilyExpiresAt, want.FamilyExpiresAt)
	checkOptionalTime(t, what+".RotatedAt", got.RotatedAt, want.RotatedAt)
}

// rotate uses the token oldID at now with a successor that returns next.
func rotate(ctx context.Context, s store.Store, oldID string, next store.RefreshToken, now time.Time) error {
	_, err := s.RotateRefreshToken(ctx, oldID, now, func(store.RefreshToken) (store.RefreshToken, error) { return next, nil })
	return err
}

func testRefreshRotate(t *testing.T, s store.Store) {
	ctx := context.Background()
	rt := refreshFixture(t, s)
	if err := s.CreateRefreshToken(ctx, rt); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second CreateRefreshToken = %v; want ErrConflict", err)
	}
	got, err := s.RefreshToken(ctx, "rt1")
	if err != nil {
		t.Fatalf("RefreshToken: %v", err)
	}
	checkRefresh(t, "stored refresh token", got, rt)

	at := base.Add(10 * time.Minute)
	next := newRefresh("rt2", "g1")
	next.CreatedAt, next.ExpiresAt = at, at.Add(time.Hour)
	var given store.RefreshToken
	calls := 0
	old, err := s.RotateRefreshToken(ctx, "rt1", at, func(old store.RefreshToken) (store.RefreshToken, error) {
		given, calls = old, calls+1
		return next, nil
	})
	if err != nil {
		t.Fatalf("RotateRefreshToken: %v", err)
	}
	// successor is told the token as stored before this use, and so is
	// the caller.
	if calls != 1 {
		t.Errorf("successor called %d times; want once", calls)
	}
	checkRefresh(t, "token given to successor", given, rt)
	checkRefresh(t, "token RotateRefreshToken returned", old, rt)
	got, err = s.RefreshToken(ctx, "rt1")
	if err != nil {
		t.Fatalf("RefreshToken(rt1) after rotating: %v", err)
	}
	want := rt
	want.RotatedAt = at
	checkRefresh(t, "rotated token", got, want)
	got, err = s.RefreshToken(ctx, "rt2")
	if err != nil {
		t.Fatalf("RefreshToken(rt2): %v", err)
	}
	checkRefresh(t, "successor", got, next)

	// The rotated token presented again: a reuse, successor not asked,
	// nothing stored, and the stored token returned so that the caller
	// can tell whose it is.
	old, err = s.RotateRefreshToken(ctx, "rt1", at.Add(time.Second), func(store.RefreshToken) (store.RefreshToken, error) {
		t.Error("successor called for a rotated token")
		return newRefresh("rt3", "g1"), nil
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("rotating a rotated token = %v; want ErrConflict", err)
	}
	checkRefresh(t, "rotated token returned with ErrConflict", old, want)
	if _, err := s.RefreshToken(ctx, "rt3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the successor of a reused token was stored: %v", err)
	}
	if err := rotate(ctx, s, "rt2", newRefresh("rt3", "g1"), at.Add(time.Second)); err != nil {
		t.Errorf("rotating the successor = %v; want nil", err)
	}
	if err := rotate(ctx, s, "unknown", newRefresh("rt4", "g1"), at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rotating an unknown token = %v; want ErrNotFound", err)
	}
	if _, err := s.RefreshToken(ctx, "unknown"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RefreshToken(unknown) = %v; want ErrNotFound", err)
	}
}

// testRefreshExpiredOrGrantGone: a token is refused from its ExpiresAt
// on, and as soon as its grant is revoked or replaced.
func testRefreshExpiredOrGrantGone(t *testing.T, s store.Store) {
	ctx := context.Background()
	rt := refreshFixture(t, s)
	if err := rotate(ctx, s, rt.ID, newRefresh("rt2", "g1"), rt.ExpiresAt); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rotating at ExpiresAt = %v; want ErrNotFound", err)
	}
	other := newRefresh("rt-other", "g1")
	if err := s.CreateRefreshToken(ctx, other); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokeGrant(ctx, "g1", base); err != nil {
		t.Fatal(err)
	}
	if err := rotate(ctx, s, other.ID, newRefresh("rt3", "g1"), base.Add(time.Second)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rotating a token of a revoked grant = %v; want ErrNotFound", err)
	}
	// Granted again under a new ID: the old grant's tokens stay dead.
	mustSaveGrant(t, s, newGrant("g2", "alice", "photo-printer", "photos.read"), nil)
	if err := rotate(ctx, s, other.ID, newRefresh("rt3", "g1"), base.Add(time.Second)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rotating a token of a replaced grant = %v; want ErrNotFound", err)
	}
	if got, err := s.RefreshToken(ctx, other.ID); err != nil || !got.RotatedAt.IsZero() {
		t.Errorf("refused token = %+v, %v; want it unchanged", got, err)
	}
	// DeleteExpired removes refresh tokens at their ExpiresAt.
	if n, err := s.DeleteExpired(ctx, rt.ExpiresAt); err != nil || n != 2 {
		t.Errorf("DeleteExpired at the tokens' expiry = %d, %v; want 2", n, err)
	}
	if _, err := s.RefreshToken(ctx, rt.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RefreshToken after DeleteExpired = %v; want ErrNotFound", err)
	}
}

// testRefreshConcurrentRotate: of many concurrent uses of one token,
// exactly one gets as far as successor, rotates it and stores its
// successor.
func testRefreshConcurrentRotate(t *testing.T, s store.Store) {
	const callers = 16
	refreshFixture(t, s)
	var wg sync.WaitGroup
	var asked atomic.Int32
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() {
			_, errs[i] = s.RotateRefreshToken(context.Background(), "rt1", base.Add(time.Second),
				func(store.RefreshToken) (store.RefreshToken, error) {
					asked.Add(1)
					return newRefresh(fmt.Sprintf("next-%d", i), "g1"), nil
				})
		})
	}
	wg.Wait()
	if n := asked.Load(); n != 1 {
		t.Errorf("successor called %d times; want once", n)
	}
	winners := 0
	for i, err := range errs {
		_, stored := s.RefreshToken(context.Background(), fmt.Sprintf("next-%d", i))
		switch {
		case err == nil:
			winners++
			if stored != nil {
				t.Errorf("winner %d's successor is not stored: %v", i, stored)
			}
		case errors.Is(err, store.ErrConflict):
			if !errors.Is(stored, store.ErrNotFound) {
				t.Errorf("loser %d's successor was stored", i)
			}
		default:
			t.Errorf("caller %d: %v; want nil or ErrConflict", i, err)
		}
	}
	if winners != 1 {
		t.Errorf("%d of %d concurrent rotations succeeded; want exactly 1", winners, callers)
	}
}

// testRefreshCrashBetween: a rotation that fails after marking the old
// token, because its successor cannot be stored or because successor
// gives up, leaves nothing half-applied: the old token is still unused and
// still works.
func testRefreshCrashBetween(t *testing.T, s store.Store) {
	ctx := context.Background()
	rt := refreshFixture(t, s)
	taken := newRefresh("taken", "g1")
	if err := s.CreateRefreshToken(ctx, taken); err != nil {
		t.Fatal(err)
	}
	if err := rotate(ctx, s, rt.ID, taken, base.Add(time.Second)); err == nil {
		t.Fatal("rotating into an ID that exists succeeded")
	}
	got, err := s.RefreshToken(ctx, rt.ID)
	if err != nil || !got.RotatedAt.IsZero() {
		t.Fatalf("old token after a failed rotation = %+v, %v; want it unrotated", got, err)
	}
	giveUp := errors.New("the access token could not be signed")
	old, err := s.RotateRefreshToken(ctx, rt.ID, base.Add(time.Second), func(store.RefreshToken) (store.RefreshToken, error) {
		return store.RefreshToken{}, giveUp
	})
	if !errors.Is(err, giveUp) {
		t.Errorf("RotateRefreshToken with a failing successor = %v; want its error", err)
	}
	checkRefresh(t, "token returned with successor's error", old, rt)
	if got, err := s.RefreshToken(ctx, rt.ID); err != nil || !got.RotatedAt.IsZero() {
		t.Fatalf("old token after successor failed = %+v, %v; want it unrotated", got, err)
	}
	if err := rotate(ctx, s, rt.ID, newRefresh("rt2", "g1"), base.Add(2*time.Second)); err != nil {
		t.Errorf("rotating after the failed attempt = %v; want nil", err)
	}
}

// testRefreshConcurrentIndependent: concurrent rotations of different
// tokens, some of which fail, each get their own outcome, whether or not
// the backend runs them in one transaction: a failure undoes only its
// own rotation.
func testRefreshConcurrentIndependent(t *testing.T, s store.Store) {
	ctx := context.Background()
	const callers = 24
	mustSaveGrant(t, s, newGrant("g1", "alice", "photo-printer", "openid", "offline_access", "photos.read"), nil)
	for i := range callers {
		if err := s.CreateRefreshToken(ctx, newRefresh(fmt.Sprintf("rt-%d", i), "g1")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateRefreshToken(ctx, newRefresh("taken", "g1")); err != nil {
		t.Fatal(err)
	}
	giveUp := errors.New("the access token could not be signed")
	// Caller i: 0 gives up in successor, 1 collides with an existing ID,
	// 2 presents an unknown token, 3 succeeds.
	errs := make([]error, callers)
	olds := make([]store.RefreshToken, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			id := fmt.Sprintf("rt-%d", i)
			if i%4 == 2 {
				id = fmt.Sprintf("unknown-%d", i)
			}
			olds[i], errs[i] = s.RotateRefreshToken(ctx, id, base.Add(time.Second),
				func(store.RefreshToken) (store.RefreshToken, error) {
					switch i % 4 {
					case 0:
						return store.RefreshToken{}, giveUp
					case 1:
						return newRefresh("taken", "g1"), nil
					}
					return newRefresh(fmt.Sprintf("next-%d", i), "g1"), nil
				})
		})
	}
	wg.Wait()
	for i, err := range errs {
		id := fmt.Sprintf("rt-%d", i)
		cur, readErr := s.RefreshToken(ctx, id)
		_, nextErr := s.RefreshToken(ctx, fmt.Sprintf("next-%d", i))
		switch i % 4 {
		case 0, 1:
			if err == nil || (i%4 == 0) != errors.Is(err, giveUp) {
				t.Errorf("caller %d: %v; want %v", i, err, []string{"its successor's error", "an error storing the successor"}[i%4])
			}
			if olds[i].ID != id {
				t.Errorf("caller %d got token %q with its error; want %q", i, olds[i].ID, id)
			}
			if readErr != nil || !cur.RotatedAt.IsZero() {
				t.Errorf("token %d after a failed rotation = %+v, %v; want it unrotated", i, cur, readErr)
			}
		case 2:
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("caller %d with an unknown token: %v; want ErrNotFound", i, err)
			}
		case 3:
			if err != nil {
				t.Errorf("caller %d: %v; want success", i, err)
			}
			if readErr != nil || !cur.RotatedAt.Equal(stored(base.Add(time.Second))) {
				t.Errorf("token %d after its rotation = %+v, %v; want rotated", i, cur, readErr)
			}
			if nextErr != nil {
				t.Errorf("successor of %d not stored: %v", i, nextErr)
			}
		}
	}
	// The failed ones are still usable.
	if err := rotate(ctx, s, "rt-0", newRefresh("again-0", "g1"), base.Add(2*time.Second)); err != nil {
		t.Errorf("rotating rt-0 after its failed attempt = %v; want nil", err)
	}
}

// testRefreshSuccessorPanics: a successor that panics makes its caller
// panic, with the value it panicked with, and undoes its rotation; the
// store keeps working.
func testRefreshSuccessorPanics(t *testing.T, s store.Store) {
	ctx := context.Background()
	rt := refreshFixture(t, s)
	func() {
		defer func() {
			if p := recover(); p != "successor bug" {
				t.Errorf("RotateRefreshToken panicked with %v; want the successor's panic", p)
			}
		}()
		_, _ = s.RotateRefreshToken(ctx, rt.ID, base.Add(time.Second), func(store.RefreshToken) (store.RefreshToken, error) {
			panic("successor bug")
		})
	}()
	if err := rotate(ctx, s, rt.ID, newRefresh("rt2", "g1"), base.Add(2*time.Second)); err != nil {
		t.Errorf("rotating after a successor panicked = %v; want nil", err)
	}
}
