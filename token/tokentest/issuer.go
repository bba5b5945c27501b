package tokentest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/scopegate/scopegate/token"
)

// Issuer is a fake OpenID provider on an httptest server. It serves
// /.well-known/openid-configuration and /jwks, counts JWKS fetches, and
// can rotate its signing key or pretend to be down. It is closed when the
// test ends.
type Issuer struct {
	// URL is the issuer identifier and the server's base URL.
	URL string

	srv          *httptest.Server
	jwksFetches  atomic.Int64
	discoveryHit atomic.Int64
	down         atomic.Bool

	mu        sync.Mutex
	signing   *Key
	published []*Key
}

// NewIssuer starts a fake provider with one signing key.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	iss := &Issuer{}
	k := NewKey(t)
	iss.signing, iss.published = k, []*Key{k}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", iss.serveDiscovery)
	mux.HandleFunc("GET /jwks", iss.serveJWKS)
	iss.srv = httptest.NewServer(mux)
	iss.URL = iss.srv.URL
	t.Cleanup(iss.srv.Close)
	return iss
}

// Client returns an HTTP client for the server.
func (iss *Issuer) Client() *http.Client { return iss.srv.Client() }

// Key returns the current signing key.
func (iss *Issuer) Key() *Key {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	return iss.signing
}

// Rotate makes a new signing key and publishes it. With keepOld the
// previous keys stay in the JWKS; without, only the new key is listed.
func (iss *Issuer) Rotate(t testing.TB, keepOld bool) *Key {
	t.Helper()
	k := NewKey(t)
	iss.mu.Lock()
	defer iss.mu.Unlock()
	if !keepOld {
		iss.published = nil
	}
	iss.signing = k
	iss.published = append(iss.published, k)
	return k
}

// Claims returns valid claims issued by iss for audience.
func (iss *Issuer) Claims(audience, sub string, scopes ...string) token.Claims {
	return iss.Key().Claims(iss.URL, audience, sub, scopes...)
}

// Sign signs claims with the current key.
func (iss *Issuer) Sign(t testing.TB, claims token.Claims, opts ...Option) string {
	t.Helper()
	return iss.Key().Sign(t, claims, opts...)
}

// SetDown makes every endpoint answer 503 while down is true.
func (iss *Issuer) SetDown(down bool) { iss.down.Store(down) }

// JWKSFetches returns how many times the JWKS was requested.
func (iss *Issuer) JWKSFetches() int { return int(iss.jwksFetches.Load()) }

// DiscoveryFetches returns how many times discovery was requested.
func (iss *Issuer) DiscoveryFetches() int { return int(iss.discoveryHit.Load()) }

func (iss *Issuer) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	iss.discoveryHit.Add(1)
	if iss.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, map[string]any{
		"issuer":                                iss.URL,
		"jwks_uri":                              iss.URL + "/jwks",
		"id_token_signing_alg_values_supported": []string{"ES256"},
	})
}

func (iss *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	iss.jwksFetches.Add(1)
	if iss.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	iss.mu.Lock()
	var set jose.JSONWebKeySet
	for _, k := range iss.published {
		set.Keys = append(set.Keys, k.JWK())
	}
	iss.mu.Unlock()
	writeJSON(w, set)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v) // the client sees a truncated body if this fails
}
