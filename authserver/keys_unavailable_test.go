package authserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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

// newDownServer is a test server on a downStore, with a clock in Unix
// seconds that the test moves.
func newDownServer(t *testing.T) (*testEnv, *downStore, *atomic.Int64) {
	clock := new(atomic.Int64)
	clock.Store(time.Now().Unix())
	var st *downStore
	env := newTestServer(t, func(c *Config) {
		st = &downStore{Store: c.Store}
		c.Store = st
		c.Now = func() time.Time { return time.Unix(clock.Load(), 0) }
	})
	return env, st, clock
}

// TestKeysUnavailableWhenStoreIsDown (issue 12, finding 4): a token whose
// kid is not loaded makes the key set re-read the store; when the store
// cannot answer, that is ErrKeysUnavailable (the gateway's 503 with
// Retry-After), not an unknown key (401), and the store is not asked
// again on every request meanwhile.
func TestKeysUnavailableWhenStoreIsDown(t *testing.T) {
	env, st, clock := newDownServer(t)
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

// TestIDTokenHintKeysUnavailable: an id_token_hint that cannot be checked
// because the signing keys cannot be read is not called foreign. The
// authorization request goes back to the client as temporarily_unavailable
// (RFC 6749 §4.1.2.1), sign-out is a 503 page with Retry-After; with the
// store up, the same hint is refused as not ours.
func TestIDTokenHintKeysUnavailable(t *testing.T) {
	env, st, clock := newDownServer(t)
	foreign := tokentest.NewKey(t)
	hint := foreign.Sign(t, foreign.Claims(env.ts.URL, printerID, "alice", "openid"))
	authURL := env.authURL(url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"openid"},
		"nonce": {"n"}, "state": {"s"}, "prompt": {"none"}, "id_token_hint": {hint}})
	logoutURL := env.ts.URL + "/oauth2/logout?" + url.Values{"id_token_hint": {hint}}.Encode()

	for _, down := range []bool{true, false} {
		st.down.Store(down)
		clock.Add(int64(keyReloadEvery/time.Second) + 1)
		wantError, wantStatus := "invalid_request", http.StatusBadRequest
		if down {
			wantError, wantStatus = "temporarily_unavailable", http.StatusServiceUnavailable
		}
		b := newBrowser(t, env)
		if q := redirectParams(t, b.get(authURL)); q.Get("error") != wantError {
			t.Errorf("store down %v: authorize redirect %v; want error %s", down, q, wantError)
		}
		p := b.get(logoutURL)
		if p.status != wantStatus || down && p.header.Get("Retry-After") == "" {
			t.Errorf("store down %v: sign-out answered %d (Retry-After %q); want %d", down, p.status, p.header.Get("Retry-After"), wantStatus)
		}
	}
}
