package authserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"go.uber.org/zap"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

const (
	// keyLifetime is how long a key is published; it signs until
	// keyRotateBefore before that, so its tokens expire while it is still
	// in the JWKS.
	keyLifetime     = 90 * 24 * time.Hour
	keyRotateBefore = 7 * 24 * time.Hour
	// keyReloadEvery limits how often an unknown "kid" makes us re-read
	// the store, so garbage tokens cannot hammer it.
	keyReloadEvery = 10 * time.Second
)

// signingKey is a parsed store.SigningKey with its ready signers.
type signingKey struct {
	id       string
	expires  time.Time
	atSigner jose.Signer // typ at+jwt
	idSigner jose.Signer // typ JWT
}

// keySnapshot is the immutable state swapped in on every load.
type keySnapshot struct {
	current *signingKey
	public  map[string]*ecdsa.PublicKey
	jwks    []byte
}

// keyring holds the signing keys shared by all instances through the store.
type keyring struct {
	store store.Store
	now   func() time.Time
	log   *zap.Logger
	snap  atomic.Pointer[keySnapshot]

	mu         sync.Mutex // serialises loads
	lastReload time.Time
	rotating   sync.Mutex // one rotation at a time, see rotateIfDue
	// tokenTTL is how long the tokens a key signs live; a key is never
	// used within tokenTTL of leaving the JWKS.
	tokenTTL time.Duration
}

func newKeyring(ctx context.Context, st store.Store, tokenTTL time.Duration, now func() time.Time, log *zap.Logger) (*keyring, error) {
	k := &keyring{store: st, tokenTTL: tokenTTL, now: now, log: log}
	if err := k.load(ctx); err != nil {
		return nil, err
	}
	if k.needsRotation() {
		if err := k.rotate(ctx); err != nil {
			return nil, err
		}
	}
	return k, nil
}

func (k *keyring) needsRotation() bool {
	cur := k.snap.Load().current
	return cur == nil || !k.now().Before(cur.expires.Add(-keyRotateBefore))
}

// rotate creates a new key and reloads. Another instance may create one at
// the same moment; both are published, and the newest one wins everywhere.
func (k *keyring) rotate(ctx context.Context) error {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("authserver: generating signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("authserver: encoding signing key: %w", err)
	}
	now := k.now().UTC()
	sk := store.SigningKey{ID: randomToken(16), Algorithm: string(jose.ES256), PrivateKey: der,
		CreatedAt: now, ExpiresAt: now.Add(keyLifetime)}
	if err := k.store.CreateSigningKey(ctx, sk); err != nil {
		return fmt.Errorf("authserver: storing signing key: %w", err)
	}
	k.log.Info("created signing key", zap.String("kid", sk.ID))
	return k.load(ctx)
}

// load reads every key from the store and publishes the unexpired ones.
func (k *keyring) load(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	stored, err := k.store.SigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("authserver: loading signing keys: %w", err)
	}
	now := k.now()
	snap := &keySnapshot{public: map[string]*ecdsa.PublicKey{}}
	var set jose.JSONWebKeySet
	for _, sk := range stored { // newest first
		if sk.Algorithm != string(jose.ES256) || !now.Before(sk.ExpiresAt) {
			continue
		}
		parsed, err := parseSigningKey(sk)
		if err != nil {
			return err
		}
		if snap.current == nil {
			snap.current = parsed.key
		}
		snap.public[sk.ID] = &parsed.priv.PublicKey
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &parsed.priv.PublicKey, KeyID: sk.ID,
			Algorithm: string(jose.ES256), Use: "sig"})
	}
	if snap.jwks, err = json.Marshal(set); err != nil {
		return fmt.Errorf("authserver: encoding jwks: %w", err)
	}
	k.snap.Store(snap)
	k.lastReload = now
	return nil
}

type parsedKey struct {
	key  *signingKey
	priv *ecdsa.PrivateKey
}

func parseSigningKey(sk store.SigningKey) (parsedKey, error) {
	anyKey, err := x509.ParsePKCS8PrivateKey(sk.PrivateKey)
	if err != nil {
		return parsedKey{}, fmt.Errorf("authserver: parsing signing key %s: %w", sk.ID, err)
	}
	priv, ok := anyKey.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return parsedKey{}, fmt.Errorf("authserver: signing key %s is not a P-256 key", sk.ID)
	}
	jk := jose.JSONWebKey{Key: priv, KeyID: sk.ID}
	newSigner := func(typ string) (jose.Signer, error) {
		return jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jk},
			(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	}
	at, err := newSigner(token.HeaderType)
	if err != nil {
		return parsedKey{}, fmt.Errorf("authserver: signer for key %s: %w", sk.ID, err)
	}
	id, err := newSigner("JWT")
	if err != nil {
		return parsedKey{}, fmt.Errorf("authserver: signer for key %s: %w", sk.ID, err)
	}
	return parsedKey{key: &signingKey{id: sk.ID, expires: sk.ExpiresAt, atSigner: at, idSigner: id}, priv: priv}, nil
}

// signer returns the current key, rotating first when it is due. A
// rotation that fails (the store is down) does not stop signing while the
// current key stays published longer than the tokens it signs live.
func (k *keyring) signer(ctx context.Context) (*signingKey, error) {
	if k.needsRotation() {
		if err := k.rotateIfDue(ctx); err != nil {
			cur := k.snap.Load().current
			if cur == nil || !k.now().Before(cur.expires.Add(-k.tokenTTL)) {
				return nil, err
			}
			k.log.Warn("signing key rotation failed; signing with the current key", zap.Error(err))
		}
	}
	return k.snap.Load().current, nil
}

// rotateIfDue rotates unless another request of this process, or another
// instance through the store, already did: without it every request that
// arrives while a rotation is due would create a key of its own.
func (k *keyring) rotateIfDue(ctx context.Context) error {
	k.rotating.Lock()
	defer k.rotating.Unlock()
	if !k.needsRotation() {
		return nil
	}
	if err := k.load(ctx); err != nil {
		return err
	}
	if !k.needsRotation() {
		return nil
	}
	return k.rotate(ctx)
}

// publicKey finds a published key by kid, re-reading the store (at most
// every keyReloadEvery) for keys that other instances created.
func (k *keyring) publicKey(ctx context.Context, kid string) (*ecdsa.PublicKey, bool) {
	if pub, ok := k.snap.Load().public[kid]; ok {
		return pub, true
	}
	k.mu.Lock()
	due := k.now().Sub(k.lastReload) >= keyReloadEvery
	k.mu.Unlock()
	if !due {
		return nil, false
	}
	if err := k.load(ctx); err != nil {
		k.log.Warn("reloading signing keys", zap.Error(err))
		return nil, false
	}
	pub, ok := k.snap.Load().public[kid]
	return pub, ok
}

// KeySet returns a key set that verifies this server's tokens with the
// public keys from the store, without HTTP. It is meant for
// token.Issuer.Keys in the gateway.
func (s *Server) KeySet() oidc.KeySet { return localKeySet{s.keys} }

type localKeySet struct{ k *keyring }

// VerifySignature implements oidc.KeySet. It accepts ES256 only.
func (ks localKeySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return nil, fmt.Errorf("authserver: malformed jws: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("authserver: jws must have exactly one signature")
	}
	pub, ok := ks.k.publicKey(ctx, jws.Signatures[0].Header.KeyID)
	if !ok {
		return nil, errors.New("authserver: unknown signing key")
	}
	payload, err := jws.Verify(pub)
	if err != nil {
		return nil, fmt.Errorf("authserver: bad signature: %w", err)
	}
	return payload, nil
}

// handleJWKS publishes the public halves of the unexpired keys.
func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(s.keys.snap.Load().jwks)
}
