package token

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// Issuer is an authorization server whose access tokens a Verifier accepts.
type Issuer struct {
	// URL must equal the token's "iss" exactly.
	URL string
	// Audience must be one of the token's "aud" values; it names the
	// resource (the gateway) the token is meant for.
	Audience string
	// Keys verifies the signatures of this issuer's tokens, and of no other
	// issuer's. The local authorization server supplies its own key set;
	// use NewRemoteIssuer for an external one.
	Keys oidc.KeySet
	// Revoked, if not nil, lists this issuer's tokens and grants that must
	// be refused before they expire. It is consulted on every call, cached
	// or not.
	Revoked *RevocationList
	// Registered, if not nil, says whether the token's client, and its
	// user when it acts for one, are still registered with this issuer:
	// a token whose user or client has been removed since it was issued
	// is refused as revoked, rather than honoured until it expires. Like
	// Revoked, it is consulted on every call, cached or not, so it must
	// be cheap; unlike Revoked, only once the signature has been verified.
	Registered func(c *Claims) error
}

// Config configures a Verifier.
type Config struct {
	// Issuers are the trusted issuers; at least one, with distinct URLs.
	Issuers []Issuer
	// Now returns the current time. If nil, time.Now is used.
	Now func() time.Time
	// Leeway is the clock skew tolerated on exp, nbf and iat. If zero,
	// DefaultLeeway is used; if negative, none.
	Leeway time.Duration
	// CacheSize bounds how many verified tokens are remembered. If zero,
	// DefaultCacheSize is used; if negative, nothing is cached and every
	// call checks the signature.
	CacheSize int
	// CacheMaxAge bounds how long a verification is reused, so that a key
	// removed from an issuer's key set stops being honoured soon. If zero,
	// DefaultCacheMaxAge is used.
	CacheMaxAge time.Duration
	// InsecureSkipSignatureVerification accepts a token whose signature is
	// wrong or was made by anyone: every other check (header typ, alg
	// allow-list, crit, issuer, audience, lifetime, revocation) still
	// runs. It exists only for `scopegate explain`, which judges a token
	// pasted by an operator without holding its issuer's keys, and must
	// never be set when serving: with it, anyone can forge any token.
	// Issuers may then have nil Keys.
	InsecureSkipSignatureVerification bool
}

// Defaults for the zero values of Config.
const (
	DefaultLeeway      = 30 * time.Second
	DefaultCacheSize   = 10000
	DefaultCacheMaxAge = time.Minute
)

// maxTokenSize refuses absurd inputs before any decoding work.
const maxTokenSize = 16 << 10

// allowedAlgs are the signing algorithms we accept. HMAC is missing on
// purpose: with a public key as the "secret" it lets anyone sign.
var allowedAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.RS256, jose.EdDSA}

// parseAlgs is wider than allowedAlgs so that a known but refused
// algorithm gets ErrAlgorithm rather than ErrMalformed.
var parseAlgs = []jose.SignatureAlgorithm{
	jose.ES256, jose.ES384, jose.ES512, jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512, jose.EdDSA, jose.HS256, jose.HS384, jose.HS512,
}

// Verifier checks RFC 9068 JWT access tokens. It is safe for concurrent use.
type Verifier struct {
	issuers []Issuer
	now     func() time.Time
	leeway  time.Duration
	maxAge  time.Duration
	cache   *cache // nil when disabled
	// insecureNoSignature is Config.InsecureSkipSignatureVerification.
	insecureNoSignature bool
}

// NewVerifier checks cfg and returns a Verifier. It does no I/O: remote key
// sets are fetched on first use.
func NewVerifier(cfg Config) (*Verifier, error) {
	if len(cfg.Issuers) == 0 {
		return nil, errors.New("token: no trusted issuer configured")
	}
	seen := make(map[string]bool, len(cfg.Issuers))
	for _, iss := range cfg.Issuers {
		switch {
		case iss.URL == "":
			return nil, errors.New("token: issuer with empty URL")
		case iss.Audience == "":
			return nil, fmt.Errorf("token: issuer %q has no audience", iss.URL)
		case iss.Keys == nil && !cfg.InsecureSkipSignatureVerification:
			return nil, fmt.Errorf("token: issuer %q has no key set", iss.URL)
		case seen[iss.URL]:
			return nil, fmt.Errorf("token: issuer %q configured twice", iss.URL)
		}
		seen[iss.URL] = true
	}
	v := &Verifier{
		issuers: slices.Clone(cfg.Issuers),
		now:     cfg.Now,
		leeway:  cfg.Leeway,
		maxAge:  cfg.CacheMaxAge,

		insecureNoSignature: cfg.InsecureSkipSignatureVerification,
	}
	if v.now == nil {
		v.now = time.Now
	}
	switch {
	case v.leeway == 0:
		v.leeway = DefaultLeeway
	case v.leeway < 0:
		v.leeway = 0
	}
	if v.maxAge <= 0 {
		v.maxAge = DefaultCacheMaxAge
	}
	switch {
	case cfg.CacheSize == 0:
		v.cache = newCache(DefaultCacheSize)
	case cfg.CacheSize > 0:
		v.cache = newCache(cfg.CacheSize)
	}
	return v, nil
}

// Verify checks raw, a compact JWS access token, and returns its claims.
// The returned Claims are shared between calls and must not be modified.
// Every error is an [*Error].
//
// A token verified recently is answered from a cache without checking the
// signature again; its lifetime, issuer, audience, revocation and holder
// (Issuer.Registered) are still checked on every call.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	now := v.now()
	if v.cache == nil {
		c, _, err := v.verify(ctx, raw, now)
		return c, err
	}
	key := keyOf(raw)
	e, hit := v.cache.get(key)
	if hit && now.Before(e.until) {
		err := v.recheck(e, now)
		if err == nil {
			return e.claims, nil
		}
		if errors.Is(err, ErrRevoked) {
			// A genuine token refused for what happened since it was
			// verified: its holder may keep sending it, and refusing it
			// here costs no signature check. The entry stays, for a
			// holder that is registered again.
			return nil, err
		}
	}
	c, idx, err := v.verify(ctx, raw, now)
	if err != nil {
		if hit {
			v.cache.remove(key)
		}
		return nil, err
	}
	until := now.Add(v.maxAge)
	if exp := c.Expiry.Add(v.leeway); exp.Before(until) {
		until = exp
	}
	v.cache.put(key, cacheEntry{claims: c, issuer: idx, until: until}, now)
	return c, nil
}

// recheck repeats, for a cached verification, every check that depends on
// the time or on the configured issuer.
func (v *Verifier) recheck(e cacheEntry, now time.Time) error {
	iss := &v.issuers[e.issuer]
	if e.claims.Issuer != iss.URL {
		return ErrIssuer
	}
	if !slices.Contains(e.claims.Audience, iss.Audience) {
		return ErrAudience
	}
	if err := checkRevoked(e.claims, iss); err != nil {
		return err
	}
	if err := checkRegistered(e.claims, iss); err != nil {
		return err
	}
	return v.checkTimes(e.claims, now)
}

// checkRevoked refuses a token its issuer revoked, alone or with its grant.
func checkRevoked(c *Claims, iss *Issuer) error {
	if iss.Revoked != nil && iss.Revoked.refuses(c) {
		return refuse(ErrRevoked, "token has been revoked")
	}
	return nil
}

// checkRegistered refuses a token whose holder its issuer no longer knows.
// It is asked only of tokens whose signature was verified: asked before,
// its answer would tell a forger which users and clients exist. A genuine
// token's holder may learn that its user or client is gone.
func checkRegistered(c *Claims, iss *Issuer) error {
	if iss.Registered != nil {
		if err := iss.Registered(c); err != nil {
			return refuseCause(ErrRevoked, "token's user or client is no longer registered", err)
		}
	}
	return nil
}

// verify is the full check. The cheap checks run before the signature so
// that junk costs little; the signature is checked last, over the same
// payload bytes the claims were read from.
func (v *Verifier) verify(ctx context.Context, raw string, now time.Time) (*Claims, int, error) {
	if len(raw) > maxTokenSize {
		return nil, 0, refuse(ErrMalformed, "token is too large")
	}
	jws, err := jose.ParseSignedCompact(raw, parseAlgs)
	if err != nil {
		return nil, 0, refuseCause(ErrMalformed, "token is not a well-formed compact JWS", err)
	}
	if err := checkHeader(jws); err != nil {
		return nil, 0, err
	}
	if err := checkNoCrit(raw); err != nil {
		return nil, 0, err
	}
	payload := jws.UnsafePayloadWithoutVerification()
	c := new(Claims)
	if err := json.Unmarshal(payload, c); err != nil {
		return nil, 0, refuseCause(ErrMalformed, "token claims are not valid JSON", err)
	}
	idx := slices.IndexFunc(v.issuers, func(i Issuer) bool { return i.URL == c.Issuer })
	if idx < 0 {
		return nil, 0, refuse(ErrIssuer, "token issuer is not trusted")
	}
	iss := &v.issuers[idx]
	if err := v.checkClaims(c, iss, now); err != nil {
		return nil, 0, err
	}
	// Refusing is safe without the signature, so a revoked token, which
	// its holder may keep sending, costs a map lookup rather than one
	// signature check per request.
	if err := checkRevoked(c, iss); err != nil {
		return nil, 0, err
	}
	if !v.insecureNoSignature { // scopegate explain only; see Config
		signed, err := iss.Keys.VerifySignature(ctx, raw)
		if err != nil {
			var te *Error
			if errors.As(err, &te) {
				return nil, 0, te
			}
			return nil, 0, refuseCause(ErrSignature, "token signature is invalid", err)
		}
		if !bytes.Equal(signed, payload) {
			return nil, 0, refuse(ErrSignature, "token signature is invalid")
		}
	}
	if err := checkRegistered(c, iss); err != nil {
		return nil, 0, err
	}
	return c, idx, nil
}

// checkHeader applies the RFC 9068 §4 header rules.
func checkHeader(jws *jose.JSONWebSignature) error {
	if len(jws.Signatures) != 1 {
		return refuse(ErrMalformed, "token must carry exactly one signature")
	}
	h := jws.Signatures[0].Header
	if !slices.Contains(allowedAlgs, jose.SignatureAlgorithm(h.Algorithm)) {
		return refuse(ErrAlgorithm, "token signing algorithm is not allowed")
	}
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	if !isAccessTokenType(typ) {
		return refuse(ErrType, "token is not an access token (typ must be at+jwt)")
	}
	if h.KeyID == "" {
		return refuse(ErrMalformed, "token header has no key id")
	}
	return nil
}

// checkNoCrit refuses a "crit" header: we implement no extension, and a
// key set must not get the chance to ignore one (RFC 7515 §4.1.11).
func checkNoCrit(raw string) error {
	seg, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return refuseCause(ErrMalformed, "token header is not base64url", err)
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(b, &h); err != nil {
		return refuseCause(ErrMalformed, "token header is not a JSON object", err)
	}
	if _, ok := h["crit"]; ok {
		return refuse(ErrMalformed, "token header has a critical extension")
	}
	return nil
}

func isAccessTokenType(typ string) bool {
	return len(typ) <= len("application/"+HeaderType) &&
		(equalFoldASCII(typ, HeaderType) || equalFoldASCII(typ, "application/"+HeaderType))
}

// equalFoldASCII compares ASCII case-insensitively; unlike strings.EqualFold
// it does not fold Unicode look-alikes (such as the Kelvin sign) to ASCII.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// checkClaims checks the claims that need no key: required ones present,
// audience, and lifetime.
func (v *Verifier) checkClaims(c *Claims, iss *Issuer, now time.Time) error {
	switch {
	case c.Expiry.IsZero():
		return refuse(ErrMalformed, "token has no exp claim")
	case c.Subject == "":
		return refuse(ErrMalformed, "token has no sub claim")
	case c.ClientID == "":
		return refuse(ErrMalformed, "token has no client_id claim")
	}
	if !slices.Contains(c.Audience, iss.Audience) {
		return refuse(ErrAudience, "token audience does not include this resource")
	}
	return v.checkTimes(c, now)
}

// checkTimes allocates only when it refuses, so a cache hit stays free.
func (v *Verifier) checkTimes(c *Claims, now time.Time) error {
	if !now.Before(c.Expiry.Add(v.leeway)) {
		return refuse(ErrExpired, "token has expired")
	}
	if !c.NotBefore.IsZero() && c.NotBefore.After(now.Add(v.leeway)) {
		return refuse(ErrNotYetValid, "token is not valid yet")
	}
	if !c.IssuedAt.IsZero() && c.IssuedAt.After(now.Add(v.leeway)) {
		return refuse(ErrNotYetValid, "token is issued in the future")
	}
	return nil
}
