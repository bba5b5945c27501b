package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

func mustSaveConsent(t *testing.T, s store.Store, c store.Consent) {
	t.Helper()
	if err := s.SaveConsent(context.Background(), c); err != nil {
		t.Fatalf("SaveConsent(%s, %s): %v", c.Subject, c.ClientID, err)
	}
}

func checkConsent(t *testing.T, what string, got, want store.Consent) {
	t.Helper()
	if got.Subject != want.Subject || got.ClientID != want.ClientID {
		t.Errorf("%s is for (%s, %s); want (%s, %s)", what, got.Subject, got.ClientID, want.Subject, want.ClientID)
	}
	checkStrings(t, what+".Scopes", got.Scopes, want.Scopes)
	checkTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, what+".UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

func testConsents(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.Consent(ctx, "alice", "photo-printer"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Consent on an empty store = %v; want ErrNotFound", err)
	}
	if list, err := s.Consents(ctx, "alice"); err != nil || len(list) != 0 {
		t.Fatalf("Consents on an empty store = %v, %v; want none, nil", list, err)
	}
	// Saved out of order; "Zeta" sorts before "alpha" in byte order, which
	// a locale-aware collation would get wrong.
	var saved []store.Consent
	for i, client := range []string{"photo-printer", "alpha", "Zeta"} {
		c := store.Consent{Subject: "alice", ClientID: client, Scopes: []string{"photos.read"},
			CreatedAt: base.Add(time.Duration(i) * time.Minute), UpdatedAt: base.Add(time.Duration(i) * time.Hour)}
		mustSaveConsent(t, s, c)
		saved = append(saved, c)
	}
	mustSaveConsent(t, s, store.Consent{Subject: "bob", ClientID: "alpha", Scopes: []string{"photos.write"}, CreatedAt: base, UpdatedAt: base})

	got, err := s.Consent(ctx, "alice", "alpha")
	if err != nil {
		t.Fatalf("Consent(alice, alpha): %v", err)
	}
	checkConsent(t, "Consent(alice, alpha)", got, saved[1])

	list, err := s.Consents(ctx, "alice")
	if err != nil {
		t.Fatalf("Consents(alice): %v", err)
	}
	want := []store.Consent{saved[2], saved[1], saved[0]}
	if len(list) != len(want) {
		t.Fatalf("Consents(alice) returned %d consents; want %d (bob's excluded)", len(list), len(want))
	}
	for i := range want {
		checkConsent(t, fmt.Sprintf("Consents(alice)[%d]", i), list[i], want[i])
	}
}

func testConsentReplace(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := store.Consent{Subject: "alice", ClientID: "photo-printer", Scopes: []string{"photos.read", "photos.write"}, CreatedAt: base, UpdatedAt: base}
	mustSaveConsent(t, s, first)
	later := base.Add(24 * time.Hour)
	second := store.Consent{Subject: "alice", ClientID: "photo-printer", Scopes: []string{"photos.read"}, CreatedAt: later, UpdatedAt: later}
	mustSaveConsent(t, s, second)

	got, err := s.Consent(ctx, "alice", "photo-printer")
	if err != nil {
		t.Fatalf("Consent: %v", err)
	}
	want := second
	want.CreatedAt = first.CreatedAt // when the user first consented
	checkConsent(t, "replaced consent", got, want)
	if list, err := s.Consents(ctx, "alice"); err != nil || len(list) != 1 {
		t.Errorf("Consents after replacing = %d consents, %v; want 1", len(list), err)
	}
}

func testConsentDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	keep := store.Consent{Subject: "alice", ClientID: "other", Scopes: []string{"photos.read"}, CreatedAt: base, UpdatedAt: base}
	mustSaveConsent(t, s, keep)
	mustSaveConsent(t, s, store.Consent{Subject: "alice", ClientID: "photo-printer", Scopes: []string{"photos.read"}, CreatedAt: base, UpdatedAt: base})
	if err := s.DeleteConsent(ctx, "alice", "photo-printer"); err != nil {
		t.Fatalf("DeleteConsent: %v", err)
	}
	if _, err := s.Consent(ctx, "alice", "photo-printer"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Consent after DeleteConsent = %v; want ErrNotFound", err)
	}
	if err := s.DeleteConsent(ctx, "alice", "photo-printer"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeleteConsent = %v; want ErrNotFound", err)
	}
	if err := s.DeleteConsent(ctx, "bob", "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteConsent of another subject = %v; want ErrNotFound", err)
	}
	got, err := s.Consent(ctx, "alice", "other")
	if err != nil {
		t.Fatalf("Consent(alice, other) after deleting a sibling: %v", err)
	}
	checkConsent(t, "kept consent", got, keep)
}
