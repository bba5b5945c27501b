package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/authserver"
	"github.com/scopegate/scopegate/config"
	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/proxy"
	"github.com/scopegate/scopegate/store"
)

// gatewayClientID is the gateway's own client at the authorization server,
// registered here; the config refuses a client of that ID.
const gatewayClientID = config.GatewayClientID

// needsBrowserLogin reports whether some route signs browsers in.
func needsBrowserLogin(f *config.File) bool {
	for _, r := range f.Policy.Routes() {
		if r.Login == policy.LoginBrowser {
			return true
		}
	}
	return false
}

// gatewayClient is the first-party client the gateway signs people in
// with: authorization code with PKCE, its redirect URI on the issuer's
// origin, any declared scope (routes ask only for theirs), and a random
// secret nobody knows, since its codes are redeemed in-process.
func gatewayClient(f *config.File) authserver.Client {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	c := authserver.Client{
		ID: gatewayClientID, Name: "Sign-in to protected pages",
		Secret:       base64.RawURLEncoding.EncodeToString(secret),
		RedirectURIs: []string{f.AuthServer.Issuer + proxy.CallbackPath},
		GrantTypes:   []string{"authorization_code"},
		FirstParty:   true,
	}
	for _, s := range f.AuthServer.Scopes {
		c.Scopes = append(c.Scopes, s.Name)
	}
	return c
}

// browserLogin wires the gateway's sign-in to the authorization server in
// this process: codes are redeemed without HTTP, and the cookie keys come
// from the session secret or, without one, from the store.
func browserLogin(ctx context.Context, f *config.File, st store.Store, as *authserver.Server) (*proxy.BrowserLogin, error) {
	hashKey, blockKey, err := gatewayKeys(ctx, f.AuthServer.SessionSecret, st)
	if err != nil {
		return nil, err
	}
	b := browserLoginConfig(f)
	b.Exchange = func(r *http.Request, code, redirectURI, verifier string) (string, error) {
		return as.ExchangeCode(r, gatewayClientID, code, redirectURI, verifier)
	}
	b.HashKey, b.BlockKey = hashKey, blockKey
	b.ErrorPage = as.ErrorPage
	return &b, nil
}

// browserLoginConfig is the browser sign-in of f short of what needs the
// authorization server and the store: code exchange, cookie keys, pages.
// serve and explain both start from it.
func browserLoginConfig(f *config.File) proxy.BrowserLogin {
	return proxy.BrowserLogin{
		Issuer:          f.AuthServer.Issuer,
		ClientID:        gatewayClientID,
		SessionLifetime: f.Gateway.Browser.SessionLifetime,
		IdleTimeout:     f.Gateway.Browser.IdleTimeout,
	}
}

// gatewayKeys derives the gateway's cookie keys, distinct from the
// authorization server's so that neither cookie can stand for the other.
func gatewayKeys(ctx context.Context, secret string, st store.Store) (hashKey, blockKey []byte, err error) {
	if secret != "" {
		h := hmac.New(sha512.New, []byte(secret))
		h.Write([]byte("scopegate gateway session cookie authentication key"))
		b := hmac.New(sha256.New, []byte(secret))
		b.Write([]byte("scopegate gateway session cookie encryption key"))
		return h.Sum(nil), b.Sum(nil), nil
	}
	random := func(n int) func() ([]byte, error) {
		return func() ([]byte, error) {
			b := make([]byte, n)
			_, err := rand.Read(b)
			return b, err
		}
	}
	if hashKey, err = st.Secret(ctx, "gateway.cookie_hash_key", random(64)); err != nil {
		return nil, nil, fmt.Errorf("loading gateway cookie keys: %w", err)
	}
	if blockKey, err = st.Secret(ctx, "gateway.cookie_block_key", random(32)); err != nil {
		return nil, nil, fmt.Errorf("loading gateway cookie keys: %w", err)
	}
	return hashKey, blockKey, nil
}

// endGatewaySession is the authorization server's logout hook: the
// gateway session of the same browser ends too, on every instance, by
// revoking the token it was made from.
func endGatewaySession(gw func() *proxy.Gateway, st store.Store, logger *zap.Logger) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		g := gw()
		if g == nil {
			return
		}
		jti, until, ok := g.EndSession(w, r)
		if !ok {
			return
		}
		rec := store.Revocation{TokenID: jti, RevokedAt: time.Now().UTC(), ExpiresAt: until.UTC()}
		if err := st.RevokeToken(context.WithoutCancel(r.Context()), rec); err != nil {
			logger.Error("ending the gateway session at logout: the store did not record it", zap.Error(err))
		}
	}
}
