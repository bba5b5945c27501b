package authserver

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

// downStore is the real store whose SigningKeys fails, as the SQL backends
// do past their deadline, while down is set.
type downStore struct {
	store.Store
	down atomic.Bool
}

func (d *downStore) SigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	if d.down.Load() {
		return nil, fmt.Errorf("sqlite: listing signing keys: %w: %w", store.ErrUnavailable, context.DeadlineExceeded)
	}
	return d.Store.SigningKeys(ctx)
}

// TestKeysUnavailableWhenStoreIsDown (issue 12, finding 4): a token whose
// kid is not loaded makes the key set re-read the store; when the store
// cannot answer, that is ErrKeysUnavailable (the gateway's 503 with
// Retry-After), not an unknown key (401), and the store is not asked
// again on every request meanwhile.
func TestKeysUnavailableWhenStoreIsDown(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	var st *downStore
	env := newTestServer(t, func(c *Config) {
		st = &downStore{Store: c.Store}
		c.Store = st
		c.Now = func() time.Time { return time.Unix(clock.Load(), 0) }
	})
	foreign := tokentest.NewKey(t)
	raw := foreign.Sign(t, foreign.Claims(env.ts.URL, env.ts.URL, "alice", "photos.read"))
	ks := env.srv.KeySet()

	_, err := ks.VerifySignature(t.Context(), raw)
	if err == nil || errors.Is(err, token.ErrKeysUnavailable) {
		t.Fatalf("unknown kid with the store up: %v; want a plain refusal", err)
	}
	st.down.Store(true)
	clock.Add(int64(keyReloadEvery/time.Second) + 1)
	for i := range 2 {
		if _, err := ks.VerifySignature(t.Context(), raw); !errors.Is(err, token.ErrKeysUnavailable) {
			t.Errorf("request %d, unknown kid with the store down: %v; want ErrKeysUnavailable", i, err)
		}
	}
}
