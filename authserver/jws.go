package authserver

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// compactSigner signs JWS compact serializations (RFC 7515 §7.1) with one
// key and one protected header, encoded once: a token endpoint signs a
// token per request, and the general-purpose JOSE signer re-encodes the
// header, copies the payload twice and converts the signature through
// big integers each time. Only what scopegate issues is supported: ES256
// (P-256, RFC 7518 §3.4) and RS256 (RFC 7518 §3.3).
type compactSigner struct {
	header string // base64url of the protected header
	ec     *ecdsa.PrivateKey
	rsa    *rsa.PrivateKey
}

// newCompactSigner returns a signer for key (an *ecdsa.PrivateKey for
// ES256, an *rsa.PrivateKey for RS256) whose header names kid and typ.
func newCompactSigner(alg jose.SignatureAlgorithm, key crypto.PrivateKey, kid, typ string) (*compactSigner, error) {
	h, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{string(alg), kid, typ})
	if err != nil {
		return nil, err
	}
	cs := &compactSigner{header: base64.RawURLEncoding.EncodeToString(h)}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		if alg != jose.ES256 {
			return nil, fmt.Errorf("authserver: an EC key cannot sign %s", alg)
		}
		cs.ec = k
	case *rsa.PrivateKey:
		if alg != jose.RS256 {
			return nil, fmt.Errorf("authserver: an RSA key cannot sign %s", alg)
		}
		cs.rsa = k
	default:
		return nil, fmt.Errorf("authserver: cannot sign with a %T", key)
	}
	return cs, nil
}

// p256Size is the size of each of R and S in an ES256 signature, which is
// their fixed-size concatenation (RFC 7518 §3.4).
const p256Size = 32

// sign returns header.payload.signature, all base64url without padding.
func (cs *compactSigner) sign(payload []byte) (string, error) {
	enc := base64.RawURLEncoding
	sigLen := 2 * p256Size
	if cs.rsa != nil {
		sigLen = cs.rsa.Size()
	}
	b := make([]byte, 0, len(cs.header)+1+enc.EncodedLen(len(payload))+1+enc.EncodedLen(sigLen))
	b = append(b, cs.header...)
	b = append(b, '.')
	b = enc.AppendEncode(b, payload)
	digest := sha256.Sum256(b) // the JWS signing input (RFC 7515 §5.1)
	var sig []byte
	if cs.rsa != nil {
		var err error
		if sig, err = rsa.SignPKCS1v15(nil, cs.rsa, crypto.SHA256, digest[:]); err != nil {
			return "", fmt.Errorf("authserver: signing: %w", err)
		}
	} else {
		r, s, err := ecdsa.Sign(rand.Reader, cs.ec, digest[:])
		if err != nil {
			return "", fmt.Errorf("authserver: signing: %w", err)
		}
		sig = make([]byte, 2*p256Size)
		r.FillBytes(sig[:p256Size])
		s.FillBytes(sig[p256Size:])
	}
	b = append(b, '.')
	b = enc.AppendEncode(b, sig)
	return string(b), nil
}
