// Package tokentest helps other packages test code that consumes access
// tokens: it makes signing keys, signs RFC 9068 tokens (and deliberately
// broken ones, to test refusals), and runs a fake OpenID provider that
// serves discovery and a JWKS. It is for tests only.
package tokentest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/scopegate/scopegate/token"
)

// Key is an ES256 signing key with a random key ID.
type Key struct {
	priv *ecdsa.PrivateKey
	kid  string
}

// NewKey makes a fresh P-256 key.
func NewKey(t testing.TB) *Key {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("tokentest: generating key: %v", err)
	}
	return &Key{priv: priv, kid: randomHex(t, 8)}
}

// ID returns the key ID put in the "kid" header.
func (k *Key) ID() string { return k.kid }

// Public returns the public key.
func (k *Key) Public() crypto.PublicKey { return &k.priv.PublicKey }

// JWK returns the public key as a JSON Web Key, as a JWKS would list it.
func (k *Key) JWK() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.ES256), Use: "sig"}
}

// KeySet returns a key set that verifies this key's signatures. It does
// not look at "kid".
func (k *Key) KeySet() oidc.KeySet {
	return &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&k.priv.PublicKey}}
}

// Claims returns valid claims: issued now, expiring in an hour, with a
// random jti and client_id "tokentest-client".
func (k *Key) Claims(issuer, audience, sub string, scopes ...string) token.Claims {
	return ClaimsAt(time.Now(), issuer, audience, sub, scopes...)
}

// ClaimsAt is Claims with the issue time given, for tests with a fixed clock.
func ClaimsAt(now time.Time, issuer, audience, sub string, scopes ...string) token.Claims {
	now = now.Truncate(time.Second)
	var jti [16]byte
	_, _ = rand.Read(jti[:]) // crypto/rand.Read never fails
	return token.Claims{
		Issuer: issuer, Subject: sub, Audience: []string{audience},
		IssuedAt: now, Expiry: now.Add(time.Hour),
		ID: hex.EncodeToString(jti[:]), ClientID: "tokentest-client", Scopes: scopes,
	}
}

// Option changes how Sign builds a token, mostly to build attack tokens.
type Option func(*signOptions)

type signOptions struct {
	header  map[string]any
	payload []byte
}

// WithType sets the "typ" header; "" removes it.
func WithType(typ string) Option { return WithHeader("typ", typ) }

// WithKeyID sets the "kid" header; "" removes it.
func WithKeyID(kid string) Option { return WithHeader("kid", kid) }

// WithAlg sets the "alg" header. "none" leaves the signature empty; HS256,
// HS384 and HS512 sign with HMAC keyed by the PEM of the public key (the
// classic algorithm-confusion attack); any other value is signed with
// ES256 whatever the header says.
func WithAlg(alg string) Option { return WithHeader("alg", alg) }

// WithHeader sets any header parameter; a value of "" removes it.
func WithHeader(name string, value any) Option {
	return func(o *signOptions) {
		if value == "" {
			delete(o.header, name)
			return
		}
		o.header[name] = value
	}
}

// WithPayload signs payload verbatim instead of the JSON of the claims.
func WithPayload(payload []byte) Option {
	return func(o *signOptions) { o.payload = payload }
}

// Sign returns claims as a compact JWS with "typ" at+jwt, signed with ES256
// by k, as changed by opts.
func (k *Key) Sign(t testing.TB, claims token.Claims, opts ...Option) string {
	t.Helper()
	o := signOptions{header: map[string]any{"alg": "ES256", "typ": token.HeaderType, "kid": k.kid}}
	for _, opt := range opts {
		opt(&o)
	}
	payload := o.payload
	if payload == nil {
		var err error
		if payload, err = json.Marshal(claims); err != nil {
			t.Fatalf("tokentest: encoding claims: %v", err)
		}
	}
	header, err := json.Marshal(o.header)
	if err != nil {
		t.Fatalf("tokentest: encoding header: %v", err)
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	sig := k.signature(t, o.header["alg"], []byte(input))
	return input + "." + enc.EncodeToString(sig)
}

func (k *Key) signature(t testing.TB, alg any, input []byte) []byte {
	t.Helper()
	switch alg {
	case "none":
		return nil
	case "HS256", "HS384", "HS512":
		der, err := x509.MarshalPKIXPublicKey(&k.priv.PublicKey)
		if err != nil {
			t.Fatalf("tokentest: encoding public key: %v", err)
		}
		secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		m := hmac.New(sha256.New, secret) // the hash size is irrelevant: it must be refused
		m.Write(input)
		return m.Sum(nil)
	}
	digest := sha256.Sum256(input)
	r, s, err := ecdsa.Sign(rand.Reader, k.priv, digest[:])
	if err != nil {
		t.Fatalf("tokentest: signing: %v", err)
	}
	// JWS wants r and s as fixed 32-byte big-endian halves (RFC 7518 §3.4).
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("tokentest: random: %v", err)
	}
	return hex.EncodeToString(b)
}
