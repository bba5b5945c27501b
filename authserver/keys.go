package authserver

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
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

// signingAlgs are the algorithms the server keeps a key for. Access
// tokens are always ES256; ID tokens are RS256 unless the client registered
// ES256 (OIDC Core §15.1 makes RS256 mandatory for OpenID providers, and it
// is the default relying-party libraries expect).
var signingAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.RS256}

// rsaKeyBits is the RS256 key size (RFC 7518 §3.3: 2048 or larger).
const rsaKeyBits = 2048

// signingKey is a parsed store.SigningKey with its ready signers.
type signingKey struct {
	id       string
	alg      jose.SignatureAlgorithm
	expires  time.Time
	atSigner *compactSigner // typ at+jwt; ES256 keys only
	idSigner *compactSigner // typ JWT
}

// publicKey is a published key with the one algorithm it may verify.
type publicKey struct {
	alg jose.SignatureAlgorithm
	key crypto.PublicKey
}

// keySnapshot is the immutable state swapped in on every load.
type keySnapshot struct {
	current map[jose.SignatureAlgorithm]*signingKey // newest unexpired key per algorithm
	// newest is the ID of the newest stored key per algorithm, expired
	// or not: what the next rotation replaces.
	newest map[jose.SignatureAlgorithm]string
	public map[string]publicKey // by kid
	jwks   []byte
}

// keyring holds the signing keys shared by all instances through the store.
type keyring struct {
	store store.Store
	now   func() time.Time
	log   *zap.Logger
	snap  atomic.Pointer[keySnapshot]

	mu          sync.Mutex // serialises loads
	lastReload  time.Time
	lastFailure time.Time  // of the latest failed reload in publicKey
	rotating    sync.Mutex // one rotation at a time, see rotateIfDue
	// tokenTTL is how long the tokens a key signs live; a key is never
	// used within tokenTTL of leaving the JWKS.
	tokenTTL time.Duration
}

func newKeyring(ctx context.Context, st store.Store, tokenTTL time.Duration, now func() time.Time, log *zap.Logger) (*keyring, error) {
	k := &keyring{store: st, tokenTTL: tokenTTL, now: now, log: log}
	if err := k.load(ctx); err != nil {
		return nil, err
	}
	for _, alg := range signingAlgs {
		if k.needsRotation(alg) {
			if err := k.rotate(ctx, alg); err != nil {
				return nil, err
			}
		}
	}
	return k, nil
}

func (k *keyring) needsRotation(alg jose.SignatureAlgorithm) bool {
	cur := k.snap.Load().current[alg]
	return cur == nil || !k.now().Before(cur.expires.Add(-keyRotateBefore))
}

// firstKey is what the first key of an algorithm replaces.
const firstKey = "-"

// rotate creates a new key for alg and reloads. The key names the newest
// stored key it replaces; the store keeps only one key replacing a given
// one, so when instances sharing a store rotate at the same moment
// exactly one key is created, and the others load it (ErrConflict).
func (k *keyring) rotate(ctx context.Context, alg jose.SignatureAlgorithm) error {
	var priv any
	var err error
	switch alg {
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.RS256:
		priv, err = rsa.GenerateKey(rand.Reader, rsaKeyBits)
	default:
		err = fmt.Errorf("unsupported algorithm %s", alg)
	}
	if err != nil {
		return fmt.Errorf("authserver: generating signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("authserver: encoding signing key: %w", err)
	}
	now := k.now().UTC()
	replaces := k.snap.Load().newest[alg]
	if replaces == "" {
		replaces = firstKey
	}
	sk := store.SigningKey{ID: randomToken(16), Algorithm: string(alg), PrivateKey: der,
		CreatedAt: now, ExpiresAt: now.Add(keyLifetime), Replaces: replaces}
	switch err := k.store.CreateSigningKey(ctx, sk); {
	case errors.Is(err, store.ErrConflict):
		k.log.Info("signing key rotated by another instance", zap.String("alg", sk.Algorithm))
	case err != nil:
		return fmt.Errorf("authserver: storing signing key: %w", err)
	default:
		k.log.Info("created signing key", zap.String("kid", sk.ID), zap.String("alg", sk.Algorithm))
	}
	return k.load(ctx)
}

// load reads every key from the store and publishes the unexpired ones.
// Keys of algorithms this version does not know are skipped.
func (k *keyring) load(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	stored, err := k.store.SigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("authserver: loading signing keys: %w", err)
	}
	now := k.now()
	snap := &keySnapshot{current: map[jose.SignatureAlgorithm]*signingKey{}, public: map[string]publicKey{},
		newest: map[jose.SignatureAlgorithm]string{}}
	var set jose.JSONWebKeySet
	for _, sk := range stored { // newest first
		alg := jose.SignatureAlgorithm(sk.Algorithm)
		if snap.newest[alg] == "" {
			snap.newest[alg] = sk.ID
		}
		if !slices.Contains(signingAlgs, alg) || !now.Before(sk.ExpiresAt) {
			continue
		}
		key, pub, err := parseSigningKey(sk)
		if err != nil {
			return err
		}
		if snap.current[alg] == nil {
			snap.current[alg] = key
		}
		snap.public[sk.ID] = publicKey{alg: alg, key: pub}
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: pub, KeyID: sk.ID, Algorithm: sk.Algorithm, Use: "sig"})
	}
	if snap.jwks, err = json.Marshal(set); err != nil {
		return fmt.Errorf("authserver: encoding jwks: %w", err)
	}
	k.snap.Store(snap)
	k.lastReload = now
	return nil
}

// parseSigningKey checks that a stored key fits its algorithm (a P-256
// key for ES256, RSA of at least rsaKeyBits for RS256) and builds its
// signers.
func parseSigningKey(sk store.SigningKey) (*signingKey, crypto.PublicKey, error) {
	anyKey, err := x509.ParsePKCS8PrivateKey(sk.PrivateKey)
	if err != nil {
		return nil, nil, fmt.Errorf("authserver: parsing signing key %s: %w", sk.ID, err)
	}
	alg := jose.SignatureAlgorithm(sk.Algorithm)
	var pub crypto.PublicKey
	switch priv := anyKey.(type) {
	case *ecdsa.PrivateKey:
		if alg != jose.ES256 || priv.Curve != elliptic.P256() {
			return nil, nil, fmt.Errorf("authserver: signing key %s is not a P-256 key", sk.ID)
		}
		pub = &priv.PublicKey
	case *rsa.PrivateKey:
		if alg != jose.RS256 || priv.N.BitLen() < rsaKeyBits {
			return nil, nil, fmt.Errorf("authserver: signing key %s is not an RSA key of %d bits or more", sk.ID, rsaKeyBits)
		}
		pub = &priv.PublicKey
	default:
		return nil, nil, fmt.Errorf("authserver: signing key %s has an unsupported type", sk.ID)
	}
	newSigner := func(typ string) (*compactSigner, error) { return newCompactSigner(alg, anyKey, sk.ID, typ) }
	key := &signingKey{id: sk.ID, alg: alg, expires: sk.ExpiresAt}
	if alg == jose.ES256 {
		if key.atSigner, err = newSigner(token.HeaderType); err != nil {
			return nil, nil, fmt.Errorf("authserver: signer for key %s: %w", sk.ID, err)
		}
	}
	if key.idSigner, err = newSigner("JWT"); err != nil {
		return nil, nil, fmt.Errorf("authserver: signer for key %s: %w", sk.ID, err)
	}
	return key, pub, nil
}

// signer returns the current key for alg, rotating first when it is due.
// A rotation that fails (the store is down) does not stop signing while
// the current key stays published longer than the tokens it signs live.
func (k *keyring) signer(ctx context.Context, alg jose.SignatureAlgorithm) (*signingKey, error) {
	if k.needsRotation(alg) {
		if err := k.rotateIfDue(ctx, alg); err != nil {
			cur := k.snap.Load().current[alg]
			if cur == nil || !k.now().Before(cur.expires.Add(-k.tokenTTL)) {
				return nil, err
			}
			k.log.Warn("signing key rotation failed; signing with the current key", zap.Error(err))
		}
	}
	return k.snap.Load().current[alg], nil
}

// rotateIfDue rotates unless another request of this process, or another
// instance through the store, already did: without it every request that
// arrives while a rotation is due would create a key of its own.
func (k *keyring) rotateIfDue(ctx context.Context, alg jose.SignatureAlgorithm) error {
	k.rotating.Lock()
	defer k.rotating.Unlock()
	if !k.needsRotation(alg) {
		return nil
	}
	if err := k.load(ctx); err != nil {
		return err
	}
	if !k.needsRotation(alg) {
		return nil
	}
	return k.rotate(ctx, alg)
}

// publicKey finds a published key by kid, re-reading the store (at most
// every keyReloadEvery) for keys that other instances created. When the
// store cannot be read, the answer is errKeysUnavailable (the gateway's
// 503) rather than "unknown key" (401): a token of a key we cannot read
// is not known to be bad. After a failed read the store is not asked
// again for keyReloadEvery, so a stuck store costs one deadline, not one
// per request.
func (k *keyring) publicKey(ctx context.Context, kid string) (publicKey, bool, error) {
	if pub, ok := k.snap.Load().public[kid]; ok {
		return pub, true, nil
	}
	k.mu.Lock()
	now := k.now()
	due := now.Sub(k.lastReload) >= keyReloadEvery
	failing := now.Sub(k.lastFailure) < keyReloadEvery
	k.mu.Unlock()
	if failing {
		return publicKey{}, false, errKeysUnavailable(nil)
	}
	if !due {
		return publicKey{}, false, nil
	}
	if err := k.load(ctx); err != nil {
		k.log.Warn("reloading signing keys", zap.Error(err))
		k.mu.Lock()
		k.lastFailure = k.now()
		k.mu.Unlock()
		return publicKey{}, false, errKeysUnavailable(err)
	}
	pub, ok := k.snap.Load().public[kid]
	return pub, ok, nil
}

// errKeysUnavailable is the token package's error for keys that could not
// be read, so that the gateway answers 503.
func errKeysUnavailable(cause error) error {
	return &token.Error{Kind: token.ErrKeysUnavailable, Reason: "token keys are unavailable", Err: cause}
}

// verify checks a compact JWS signed by one of our published keys with
// one of algs, and returns its payload and header type. Nothing but the
// signature is checked.
func (k *keyring) verify(ctx context.Context, raw string, algs []jose.SignatureAlgorithm) ([]byte, string, error) {
	jws, err := jose.ParseSignedCompact(raw, algs)
	if err != nil {
		return nil, "", fmt.Errorf("authserver: malformed jws: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, "", errors.New("authserver: jws must have exactly one signature")
	}
	h := jws.Signatures[0].Header
	pub, ok, err := k.publicKey(ctx, h.KeyID)
	if err != nil {
		return nil, "", err
	}
	if !ok || string(pub.alg) != h.Algorithm {
		return nil, "", errors.New("authserver: unknown signing key")
	}
	payload, err := jws.Verify(pub.key)
	if err != nil {
		return nil, "", fmt.Errorf("authserver: bad signature: %w", err)
	}
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	return payload, typ, nil
}

// KeySet returns a key set that verifies this server's tokens with the
// public keys from the store, without HTTP. It is meant for
// token.Issuer.Keys in the gateway.
func (s *Server) KeySet() oidc.KeySet { return localKeySet{s.keys} }

type localKeySet struct{ k *keyring }

// VerifySignature implements oidc.KeySet. It accepts ES256 only: access
// tokens are never signed with anything else.
func (ks localKeySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	payload, _, err := ks.k.verify(ctx, raw, []jose.SignatureAlgorithm{jose.ES256})
	return payload, err
}

// handleJWKS publishes the public halves of the unexpired keys.
func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(s.keys.snap.Load().jwks)
}
