package token

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Defaults for RemoteOptions.
const (
	DefaultMinRefreshInterval = 5 * time.Second
	DefaultKeysMaxAge         = 15 * time.Minute
	remoteFetchTimeout        = 10 * time.Second
	maxDocumentSize           = 1 << 20
)

// RemoteOptions tunes a RemoteKeySet. The zero value is the default.
type RemoteOptions struct {
	// MinRefreshInterval is the least time between two fetches, however
	// many tokens with unknown key IDs arrive. If zero,
	// DefaultMinRefreshInterval is used.
	MinRefreshInterval time.Duration
	// KeysMaxAge is how long fetched keys are used before a refetch is
	// attempted. If the refetch fails, the old keys stay in use. If zero,
	// DefaultKeysMaxAge is used.
	KeysMaxAge time.Duration
	// Now returns the current time. If nil, time.Now is used.
	Now func() time.Time
}

// RemoteKeySet is an oidc.KeySet for an external issuer. It finds the JWKS
// through OpenID discovery on first use, caches it, and fetches it again
// when a token names an unknown key ID or the keys grow old, but never more
// often than MinRefreshInterval. It is safe for concurrent use.
type RemoteKeySet struct {
	issuer string
	client *http.Client
	minGap time.Duration
	maxAge time.Duration
	now    func() time.Time

	mu          sync.Mutex
	keys        *jose.JSONWebKeySet // nil until the first successful fetch
	fetchedAt   time.Time
	lastAttempt time.Time
	lastErr     error         // of the last attempt, nil if it succeeded
	jwksURI     string        // "" until discovered, and after a failed fetch
	inflight    chan struct{} // non-nil while a fetch runs; closed when done
}

// NewRemoteIssuer returns an Issuer whose keys are found by OpenID
// discovery at issuerURL. Nothing is fetched until a token arrives, so a
// down issuer does not block startup; its tokens fail with
// ErrKeysUnavailable until it answers. If client is nil, a client with a
// 10 second timeout is used.
func NewRemoteIssuer(issuerURL, audience string, client *http.Client) Issuer {
	return Issuer{URL: issuerURL, Audience: audience, Keys: NewRemoteKeySet(issuerURL, client, RemoteOptions{})}
}

// NewRemoteKeySet returns the key set of the issuer at issuerURL. The
// discovery document must name exactly issuerURL as its issuer.
func NewRemoteKeySet(issuerURL string, client *http.Client, opts RemoteOptions) *RemoteKeySet {
	if client == nil {
		client = &http.Client{Timeout: remoteFetchTimeout}
	}
	r := &RemoteKeySet{issuer: issuerURL, client: client, minGap: opts.MinRefreshInterval, maxAge: opts.KeysMaxAge, now: opts.Now}
	if r.minGap <= 0 {
		r.minGap = DefaultMinRefreshInterval
	}
	if r.maxAge <= 0 {
		r.maxAge = DefaultKeysMaxAge
	}
	if r.now == nil {
		r.now = time.Now
	}
	return r
}

// VerifySignature verifies jwt with the issuer's key named by its "kid"
// and returns the payload. Errors are [*Error] values.
func (r *RemoteKeySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(jwt, allowedAlgs)
	if err != nil {
		return nil, refuseCause(ErrMalformed, "token is not a well-formed compact JWS", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, refuse(ErrMalformed, "token must carry exactly one signature")
	}
	h := jws.Signatures[0].Header
	keys, err := r.keysFor(ctx, h.KeyID)
	if err != nil {
		return nil, err
	}
	for i := range keys {
		k := &keys[i]
		if !usable(k, h.Algorithm) {
			continue
		}
		if payload, err := jws.Verify(k); err == nil {
			return payload, nil
		}
	}
	return nil, refuse(ErrSignature, "token signature is invalid")
}

// usable reports whether k may check a signature made with alg: a public
// signing key whose declared algorithm, if any, is alg.
func usable(k *jose.JSONWebKey, alg string) bool {
	return k.Valid() && k.IsPublic() &&
		(k.Use == "" || k.Use == "sig") &&
		(k.Algorithm == "" || k.Algorithm == alg)
}

// keysFor returns the keys with ID kid, refreshing the set when kid is
// unknown or the set is old, within the rate limit.
func (r *RemoteKeySet) keysFor(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	r.mu.Lock()
	keys, fetchedAt := r.keys, r.fetchedAt
	r.mu.Unlock()
	if keys != nil && r.now().Sub(fetchedAt) < r.maxAge {
		if found := keys.Key(kid); len(found) > 0 {
			return found, nil
		}
	}
	if err := r.refresh(ctx); err != nil {
		return nil, err
	}
	r.mu.Lock()
	keys, lastErr := r.keys, r.lastErr
	r.mu.Unlock()
	if keys == nil {
		return nil, refuseCause(ErrKeysUnavailable, "token issuer keys are unavailable", lastErr)
	}
	found := keys.Key(kid)
	if len(found) == 0 {
		return nil, refuse(ErrSignature, "token is signed with an unknown key")
	}
	return found, nil
}

// refresh fetches the keys unless a fetch ran less than minGap ago; if one
// is running it waits for it. The fetch does not stop when the caller's
// context ends, since other callers wait on it; the caller still returns.
func (r *RemoteKeySet) refresh(ctx context.Context) error {
	r.mu.Lock()
	wait := r.inflight
	if wait == nil {
		if !r.lastAttempt.IsZero() && r.now().Sub(r.lastAttempt) < r.minGap {
			r.mu.Unlock()
			return nil
		}
		wait = make(chan struct{})
		r.inflight = wait
		r.lastAttempt = r.now()
		go r.fetch(context.WithoutCancel(ctx), wait)
	}
	r.mu.Unlock()
	select {
	case <-wait:
		return nil
	case <-ctx.Done():
		return refuseCause(ErrKeysUnavailable, "token issuer keys are unavailable", ctx.Err())
	}
}

func (r *RemoteKeySet) fetch(ctx context.Context, done chan struct{}) {
	ctx, cancel := context.WithTimeout(ctx, remoteFetchTimeout)
	defer cancel()
	r.mu.Lock()
	jwksURI := r.jwksURI
	r.mu.Unlock()
	var (
		set jose.JSONWebKeySet
		err error
	)
	if jwksURI == "" {
		jwksURI, err = r.discover(ctx)
	}
	if err == nil {
		err = r.getJSON(ctx, jwksURI, &set)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastErr = err
	if err != nil {
		r.jwksURI = "" // discover again next time: the document may have moved
	} else {
		r.keys, r.fetchedAt, r.jwksURI = &set, r.now(), jwksURI
	}
	r.inflight = nil
	close(done)
}

// discover reads the OpenID discovery document and returns its jwks_uri.
func (r *RemoteKeySet) discover(ctx context.Context) (string, error) {
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	wellKnown := strings.TrimSuffix(r.issuer, "/") + "/.well-known/openid-configuration"
	if err := r.getJSON(ctx, wellKnown, &doc); err != nil {
		return "", err
	}
	if doc.Issuer != r.issuer {
		return "", fmt.Errorf("token: discovery of %q names issuer %q", r.issuer, doc.Issuer)
	}
	u, err := url.Parse(doc.JWKSURI)
	if err != nil || !slices.Contains([]string{"https", "http"}, u.Scheme) || u.Host == "" {
		return "", fmt.Errorf("token: discovery of %q has no usable jwks_uri", r.issuer)
	}
	return doc.JWKSURI, nil
}

// getJSON GETs url and decodes at most maxDocumentSize bytes of JSON.
func (r *RemoteKeySet) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("token: fetching %q: %w", url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("token: fetching %q: %w", url, err)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, maxDocumentSize)
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, body) // lets the connection be reused
		return fmt.Errorf("token: fetching %q: status %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(body).Decode(v); err != nil {
		return fmt.Errorf("token: decoding %q: %w", url, err)
	}
	return nil
}
