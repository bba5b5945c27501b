package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

func checkFederatedUser(t *testing.T, what string, got, want store.FederatedUser) {
	t.Helper()
	if got.Subject != want.Subject || got.Provider != want.Provider || got.Name != want.Name || got.Email != want.Email {
		t.Errorf("%s = %+v; want %+v", what, got, want)
	}
	switch {
	case (got.EmailVerified == nil) != (want.EmailVerified == nil):
		t.Errorf("%s.EmailVerified = %v; want %v", what, got.EmailVerified, want.EmailVerified)
	case got.EmailVerified != nil && *got.EmailVerified != *want.EmailVerified:
		t.Errorf("%s.EmailVerified = %v; want %v", what, *got.EmailVerified, *want.EmailVerified)
	}
	checkTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, what+".UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

// testFederatedUsers: profiles are found by subject exactly, replaced at
// each sign-in while keeping when they were first seen, and the three
// states of email_verified survive the round trip.
func testFederatedUsers(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.FederatedUser(ctx, "company-a:123"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("FederatedUser on an empty store = %v; want ErrNotFound", err)
	}
	yes, no := true, false
	first := store.FederatedUser{Subject: "company-a:123", Provider: "company-a", Name: "Alice Liddell",
		Email: "alice@company-a.example", EmailVerified: &yes, CreatedAt: base, UpdatedAt: base}
	other := store.FederatedUser{Subject: "company-b:123", Provider: "company-b", Name: "Ålice ✓", CreatedAt: base, UpdatedAt: base}
	for _, u := range []store.FederatedUser{first, other} {
		if err := s.SaveFederatedUser(ctx, u); err != nil {
			t.Fatalf("SaveFederatedUser(%s): %v", u.Subject, err)
		}
	}
	got, err := s.FederatedUser(ctx, first.Subject)
	if err != nil {
		t.Fatal(err)
	}
	checkFederatedUser(t, "FederatedUser(company-a:123)", got, first)
	got, err = s.FederatedUser(ctx, other.Subject)
	if err != nil {
		t.Fatal(err)
	}
	checkFederatedUser(t, "FederatedUser(company-b:123)", got, other)
	if _, err := s.FederatedUser(ctx, "COMPANY-A:123"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FederatedUser with another case = %v; want ErrNotFound (subjects are exact)", err)
	}

	// The next sign-in brings a new name and email; CreatedAt stays.
	again := first
	again.Name, again.Email, again.EmailVerified = "Alice Hargreaves", "alice@new.example", &no
	again.CreatedAt, again.UpdatedAt = base.Add(time.Hour), base.Add(2*time.Hour)
	if err := s.SaveFederatedUser(ctx, again); err != nil {
		t.Fatal(err)
	}
	got, err = s.FederatedUser(ctx, first.Subject)
	if err != nil {
		t.Fatal(err)
	}
	want := again
	want.CreatedAt = first.CreatedAt
	checkFederatedUser(t, "after a second sign-in", got, want)
}
