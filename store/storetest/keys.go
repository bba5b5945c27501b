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

func testSigningKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	keys, err := s.SigningKeys(ctx)
	if err != nil || len(keys) != 0 {
		t.Fatalf("SigningKeys on an empty store = %v, %v; want no keys, nil", keys, err)
	}
	// Created out of order: the list must sort by CreatedAt, not insertion.
	in := []store.SigningKey{
		{ID: "k2", Algorithm: "ES256", PrivateKey: []byte{2, 0, 2}, CreatedAt: base.Add(2 * time.Hour), ExpiresAt: base.Add(50 * time.Hour)},
		{ID: "k1", Algorithm: "ES256", PrivateKey: []byte{1}, CreatedAt: base.Add(time.Hour), ExpiresAt: base.Add(49 * time.Hour)},
		{ID: "k3", Algorithm: "RS256", PrivateKey: []byte{3, 3, 3, 3}, CreatedAt: base.Add(3 * time.Hour), ExpiresAt: base.Add(51 * time.Hour)},
	}
	for _, k := range in {
		if err := s.CreateSigningKey(ctx, k); err != nil {
			t.Fatalf("CreateSigningKey(%s): %v", k.ID, err)
		}
	}
	got, err := s.SigningKeys(ctx)
	if err != nil {
		t.Fatalf("SigningKeys: %v", err)
	}
	want := []store.SigningKey{in[2], in[0], in[1]} // newest first
	if len(got) != len(want) {
		t.Fatalf("SigningKeys returned %d keys; want %d", len(got), len(want))
	}
	for i := range want {
		checkKey(t, fmt.Sprintf("SigningKeys()[%d]", i), got[i], want[i])
	}
}

func checkKey(t *testing.T, what string, got, want store.SigningKey) {
	t.Helper()
	if got.ID != want.ID || got.Algorithm != want.Algorithm || !bytes.Equal(got.PrivateKey, want.PrivateKey) {
		t.Errorf("%s = {%s %s %x}; want {%s %s %x}", what,
			got.ID, got.Algorithm, got.PrivateKey, want.ID, want.Algorithm, want.PrivateKey)
	}
	checkTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, what+".ExpiresAt", got.ExpiresAt, want.ExpiresAt)
}

func testSigningKeyConflict(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := store.SigningKey{ID: "kid", Algorithm: "ES256", PrivateKey: []byte("first"), CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
	if err := s.CreateSigningKey(ctx, first); err != nil {
		t.Fatalf("CreateSigningKey: %v", err)
	}
	second := first
	second.PrivateKey = []byte("second")
	if err := s.CreateSigningKey(ctx, second); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateSigningKey with an existing ID = %v; want ErrConflict", err)
	}
	keys, err := s.SigningKeys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("SigningKeys = %d keys, %v; want 1 key", len(keys), err)
	}
	checkKey(t, "key after the conflicting create", keys[0], first)
}

func testSecretGetOrCreate(t *testing.T, s store.Store) {
	ctx := context.Background()
	calls := 0
	create := func() ([]byte, error) { calls++; return []byte("v1"), nil }
	got, err := s.Secret(ctx, "cookie", create)
	if err != nil || string(got) != "v1" || calls != 1 {
		t.Fatalf("first Secret = %q, %v after %d create calls; want \"v1\", nil after 1", got, err, calls)
	}
	mustNotCreate := func() ([]byte, error) {
		t.Error("create called for a secret that exists")
		return []byte("v2"), nil
	}
	got, err = s.Secret(ctx, "cookie", mustNotCreate)
	if err != nil || string(got) != "v1" {
		t.Fatalf("second Secret = %q, %v; want \"v1\", nil", got, err)
	}
	other, err := s.Secret(ctx, "other", func() ([]byte, error) { return []byte{0, 255}, nil })
	if err != nil || !bytes.Equal(other, []byte{0, 255}) {
		t.Fatalf("Secret(other) = %x, %v; want 00ff, nil", other, err)
	}
}

func testSecretCreateError(t *testing.T, s store.Store) {
	ctx := context.Background()
	boom := errors.New("no entropy")
	if _, err := s.Secret(ctx, "cookie", func() ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("Secret with a failing create = %v; want the create error", err)
	}
	// Nothing was stored, so the next caller creates it.
	got, err := s.Secret(ctx, "cookie", func() ([]byte, error) { return []byte("v"), nil })
	if err != nil || string(got) != "v" {
		t.Fatalf("Secret after a failed create = %q, %v; want \"v\", nil", got, err)
	}
}

func testSecretConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 16
	results := make([][]byte, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			results[i], errs[i] = s.Secret(ctx, "shared", func() ([]byte, error) {
				return fmt.Appendf(nil, "value of creator %d", i), nil
			})
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: Secret: %v", i, errs[i])
		}
		if !bytes.Equal(results[i], results[0]) {
			t.Fatalf("caller %d got %q, caller 0 got %q; want one value for all", i, results[i], results[0])
		}
	}
	later, err := s.Secret(ctx, "shared", func() ([]byte, error) { return []byte("late"), nil })
	if err != nil || !bytes.Equal(later, results[0]) {
		t.Fatalf("Secret afterwards = %q, %v; want %q", later, err, results[0])
	}
}
