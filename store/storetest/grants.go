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

// newGrant returns a live grant given at base.
func newGrant(id, subject, client string, scopes ...string) store.Grant {
	return store.Grant{ID: id, Subject: subject, ClientID: client, Scopes: scopes, CreatedAt: base, UpdatedAt: base}
}

func mustSaveGrant(t *testing.T, s store.Store, g store.Grant, read *store.Grant) {
	t.Helper()
	if err := s.SaveGrant(context.Background(), g, read); err != nil {
		t.Fatalf("SaveGrant(%s for %s, %s; read %+v): %v", g.ID, g.Subject, g.ClientID, read, err)
	}
}

func checkGrant(t *testing.T, what string, got, want store.Grant) {
	t.Helper()
	if got.ID != want.ID || got.Subject != want.Subject || got.ClientID != want.ClientID {
		t.Errorf("%s is %s for (%s, %s); want %s for (%s, %s)", what, got.ID, got.Subject, got.ClientID, want.ID, want.Subject, want.ClientID)
	}
	checkStrings(t, what+".Scopes", got.Scopes, want.Scopes)
	if (got.AuthorizationDetails == nil) != (want.AuthorizationDetails == nil) || !bytes.Equal(got.AuthorizationDetails, want.AuthorizationDetails) {
		t.Errorf("%s.AuthorizationDetails = %q; want %q", what, got.AuthorizationDetails, want.AuthorizationDetails)
	}
	checkTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, what+".UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	checkOptionalTime(t, what+".LastUsedAt", got.LastUsedAt, want.LastUsedAt)
	checkOptionalTime(t, what+".RevokedAt", got.RevokedAt, want.RevokedAt)
}

func checkOptionalTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if want.IsZero() != got.IsZero() {
		t.Errorf("%s = %v; want %v", what, got, want)
	} else if !want.IsZero() {
		checkTime(t, what, got, want)
	}
}

func testGrants(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.LiveGrant(ctx, "alice", "photo-printer"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LiveGrant on an empty store = %v; want ErrNotFound", err)
	}
	if _, err := s.Grant(ctx, "g1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Grant on an empty store = %v; want ErrNotFound", err)
	}
	if list, err := s.Grants(ctx, "alice"); err != nil || len(list) != 0 {
		t.Fatalf("Grants on an empty store = %v, %v; want none, nil", list, err)
	}
	// Saved out of order; "Zeta" sorts before "alpha" in byte order, which
	// a locale-aware collation would get wrong.
	var saved []store.Grant
	for i, client := range []string{"photo-printer", "alpha", "Zeta"} {
		g := newGrant(fmt.Sprintf("g%d", i), "alice", client, "photos.read")
		g.CreatedAt, g.UpdatedAt = base.Add(time.Duration(i)*time.Minute), base.Add(time.Duration(i)*time.Hour)
		if i == 1 {
			g.AuthorizationDetails = []byte(`[{"type":"photos","actions":["read"],"identifiers":["1","3"]}]`)
			g.LastUsedAt = base.Add(2 * time.Hour)
		}
		mustSaveGrant(t, s, g, nil)
		saved = append(saved, g)
	}
	mustSaveGrant(t, s, newGrant("g-bob", "bob", "alpha", "photos.write"), nil)
	got, err := s.LiveGrant(ctx, "alice", "alpha")
	if err != nil {
		t.Fatalf("LiveGrant(alice, alpha): %v", err)
	}
	checkGrant(t, "LiveGrant(alice, alpha)", got, saved[1])
	got, err = s.Grant(ctx, "g0")
	if err != nil {
		t.Fatalf("Grant(g0): %v", err)
	}
	checkGrant(t, "Grant(g0)", got, saved[0])
	list, err := s.Grants(ctx, "alice")
	if err != nil {
		t.Fatalf("Grants(alice): %v", err)
	}
	want := []store.Grant{saved[2], saved[1], saved[0]}
	if len(list) != len(want) {
		t.Fatalf("Grants(alice) returned %d grants; want %d (bob's excluded)", len(list), len(want))
	}
	for i := range want {
		checkGrant(t, fmt.Sprintf("Grants(alice)[%d]", i), list[i], want[i])
	}
}

// testGrantSaveConditional: SaveGrant writes only over the grant the
// caller read, so two writers that read the same state cannot both win.
func testGrantSaveConditional(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := newGrant("g1", "alice", "photo-printer", "photos.read")
	mustSaveGrant(t, s, first, nil)

	// Another writer that also saw no grant loses.
	if err := s.SaveGrant(ctx, newGrant("g2", "alice", "photo-printer", "photos.write"), nil); !errors.Is(err, store.ErrConflict) {
		t.Errorf("SaveGrant over a live grant read as none = %v; want ErrConflict", err)
	}
	// Updating in place keeps the ID.
	wider := first
	wider.Scopes, wider.UpdatedAt = []string{"photos.read", "photos.write"}, base.Add(time.Hour)
	mustSaveGrant(t, s, wider, &first)
	// A writer that read the grant before that update loses, though the
	// ID is unchanged: its write would drop photos.write.
	stale := first
	stale.Scopes, stale.UpdatedAt = []string{"photos.read", "profile"}, base.Add(2*time.Hour)
	if err := s.SaveGrant(ctx, stale, &first); !errors.Is(err, store.ErrConflict) {
		t.Errorf("SaveGrant in place from a stale read = %v; want ErrConflict", err)
	}
	got, err := s.LiveGrant(ctx, "alice", "photo-printer")
	if err != nil {
		t.Fatalf("LiveGrant: %v", err)
	}
	checkGrant(t, "grant updated in place", got, wider)

	// Replacing with a new ID; the old ID is gone.
	next := newGrant("g3", "alice", "photo-printer", "photos.read")
	next.AuthorizationDetails = []byte(`[]`)
	mustSaveGrant(t, s, next, &wider)
	if _, err := s.Grant(ctx, "g1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Grant(g1) after its replacement = %v; want ErrNotFound", err)
	}
	got, err = s.Grant(ctx, "g3")
	if err != nil {
		t.Fatalf("Grant(g3): %v", err)
	}
	checkGrant(t, "replacing grant", got, next)

	// A writer still holding the old ID loses and changes nothing.
	if err := s.SaveGrant(ctx, newGrant("g4", "alice", "photo-printer"), &wider); !errors.Is(err, store.ErrConflict) {
		t.Errorf("SaveGrant replacing a stale ID = %v; want ErrConflict", err)
	}
	// An ID held by another pair's grant is refused.
	if err := s.SaveGrant(ctx, newGrant("g3", "bob", "photo-printer"), nil); !errors.Is(err, store.ErrConflict) {
		t.Errorf("SaveGrant reusing another pair's ID = %v; want ErrConflict", err)
	}
	got, err = s.LiveGrant(ctx, "alice", "photo-printer")
	if err != nil {
		t.Fatalf("LiveGrant after the lost writes: %v", err)
	}
	checkGrant(t, "grant after the lost writes", got, next)
	if _, err := s.LiveGrant(ctx, "bob", "photo-printer"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LiveGrant(bob) after a refused save = %v; want ErrNotFound", err)
	}
}

func testGrantRevoke(t *testing.T, s store.Store) {
	ctx := context.Background()
	keep := newGrant("g-keep", "alice", "other", "photos.read")
	mustSaveGrant(t, s, keep, nil)
	g := newGrant("g1", "alice", "photo-printer", "photos.read")
	mustSaveGrant(t, s, g, nil)
	at := base.Add(time.Hour)
	if live, err := s.RevokeGrant(ctx, "g1", at); err != nil || !live {
		t.Fatalf("RevokeGrant = %v, %v; want true, nil", live, err)
	}
	if live, err := s.RevokeGrant(ctx, "g1", at.Add(time.Minute)); err != nil || live {
		t.Errorf("second RevokeGrant = %v, %v; want false, nil", live, err)
	}
	if live, err := s.RevokeGrant(ctx, "unknown", at); err != nil || live {
		t.Errorf("RevokeGrant(unknown) = %v, %v; want false, nil", live, err)
	}
	if _, err := s.LiveGrant(ctx, "alice", "photo-printer"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LiveGrant of a revoked grant = %v; want ErrNotFound", err)
	}
	got, err := s.Grant(ctx, "g1")
	if err != nil {
		t.Fatalf("Grant(g1) after revoking: %v", err)
	}
	want := g
	want.RevokedAt = at // the first revocation's time
	checkGrant(t, "revoked grant", got, want)
	if got.Live() {
		t.Error("revoked grant reports Live")
	}
	if list, err := s.Grants(ctx, "alice"); err != nil || len(list) != 1 || list[0].ID != "g-keep" {
		t.Errorf("Grants after revoking = %+v, %v; want only g-keep", list, err)
	}
	// A revoked grant never comes back under its old ID...
	if err := s.SaveGrant(ctx, g, nil); !errors.Is(err, store.ErrConflict) {
		t.Errorf("SaveGrant reviving a revoked ID = %v; want ErrConflict", err)
	}
	if err := s.SaveGrant(ctx, g, &g); !errors.Is(err, store.ErrConflict) {
		t.Errorf("SaveGrant replacing a revoked grant by ID = %v; want ErrConflict", err)
	}
	// ...but the user may grant the client again, under a new one.
	again := newGrant("g2", "alice", "photo-printer", "photos.read")
	mustSaveGrant(t, s, again, nil)
	if got, err := s.LiveGrant(ctx, "alice", "photo-printer"); err != nil || got.ID != "g2" || !got.Live() {
		t.Errorf("LiveGrant after granting again = %+v, %v; want g2, live", got, err)
	}
	got, err = s.Grant(ctx, "g-keep")
	if err != nil {
		t.Fatalf("Grant(g-keep): %v", err)
	}
	checkGrant(t, "sibling grant", got, keep)
}

func testGrantTouch(t *testing.T, s store.Store) {
	ctx := context.Background()
	g := newGrant("g1", "alice", "photo-printer", "photos.read")
	mustSaveGrant(t, s, g, nil)
	lastUsed := func() time.Time {
		t.Helper()
		got, err := s.Grant(ctx, "g1")
		if err != nil {
			t.Fatalf("Grant: %v", err)
		}
		return got.LastUsedAt
	}
	if !lastUsed().IsZero() {
		t.Fatal("LastUsedAt of a new grant is set")
	}
	first := base.Add(time.Hour)
	steps := []struct {
		at, want time.Time
	}{
		{first, first},
		{first.Add(store.GrantTouchInterval - time.Second), first}, // throttled
		{first.Add(-time.Hour), first},                             // never backwards
		{first.Add(store.GrantTouchInterval), first.Add(store.GrantTouchInterval)},
	}
	for i, st := range steps {
		if err := s.TouchGrant(ctx, "g1", st.at); err != nil {
			t.Fatalf("TouchGrant #%d: %v", i, err)
		}
		checkTime(t, fmt.Sprintf("LastUsedAt after touch #%d", i), lastUsed(), st.want)
	}
	if err := s.TouchGrant(ctx, "unknown", first); err != nil {
		t.Errorf("TouchGrant(unknown) = %v; want nil", err)
	}
}

// testGrantConcurrentSave: of many writers that all found no grant, or
// all read the same grant and change it in place, one wins and the others
// learn that they lost.
func testGrantConcurrentSave(t *testing.T, s store.Store) {
	const writers = 16
	t.Run("create", func(t *testing.T) {
		concurrentSaves(t, s, writers, func(i int) (store.Grant, *store.Grant) {
			return newGrant(fmt.Sprintf("g%d", i), "alice", "photo-printer", "photos.read"), nil
		})
	})
	read, err := s.LiveGrant(context.Background(), "alice", "photo-printer")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("update in place", func(t *testing.T) {
		concurrentSaves(t, s, writers, func(i int) (store.Grant, *store.Grant) {
			g := read
			g.Scopes = append([]string{fmt.Sprintf("scope-%d", i)}, read.Scopes...)
			return g, &read
		})
	})
}

func concurrentSaves(t *testing.T, s store.Store, writers int, write func(i int) (store.Grant, *store.Grant)) {
	var wg sync.WaitGroup
	errs := make([]error, writers)
	saved := make([]store.Grant, writers)
	for i := range writers {
		wg.Go(func() {
			g, read := write(i)
			saved[i] = g
			errs[i] = s.SaveGrant(context.Background(), g, read)
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Errorf("writers %d and %d both won", winner, i)
			}
			winner = i
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("writer %d: %v; want nil or ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer won")
	}
	got, err := s.LiveGrant(context.Background(), "alice", "photo-printer")
	if err != nil {
		t.Fatal(err)
	}
	checkGrant(t, "grant after the race", got, saved[winner])
}
