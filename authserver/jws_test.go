package authserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// TestCompactSigner: what compactSigner signs, an independent JOSE
// implementation verifies with the public key, with the header it names
// and an RFC 7518 signature size. Many signatures, so that R or S with
// leading zero bytes (about one in 128 for ES256) comes up.
func TestCompactSigner(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		alg     jose.SignatureAlgorithm
		priv    any
		pub     any
		n       int
		sigSize int
	}{
		{jose.ES256, ec, &ec.PublicKey, 1000, 64},
		{jose.RS256, rk, &rk.PublicKey, 20, 256},
	} {
		t.Run(string(c.alg), func(t *testing.T) {
			cs, err := newCompactSigner(c.alg, c.priv, "kid-1", "at+jwt")
			if err != nil {
				t.Fatal(err)
			}
			payload := []byte(`{"sub":"alice","scope":"photos.read"}`)
			for range c.n {
				tok, err := cs.sign(payload)
				if err != nil {
					t.Fatal(err)
				}
				jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{c.alg})
				if err != nil {
					t.Fatalf("parsing %s: %v", tok, err)
				}
				got, err := jws.Verify(c.pub)
				if err != nil || string(got) != string(payload) {
					t.Fatalf("Verify = %q, %v; want the payload", got, err)
				}
				h := jws.Signatures[0].Protected
				if h.KeyID != "kid-1" || h.ExtraHeaders[jose.HeaderType] != "at+jwt" {
					t.Fatalf("header = %+v; want kid kid-1, typ at+jwt", h)
				}
				sig, err := base64.RawURLEncoding.DecodeString(tok[strings.LastIndexByte(tok, '.')+1:])
				if err != nil || len(sig) != c.sigSize {
					t.Fatalf("signature of %d bytes (%v); want %d", len(sig), err, c.sigSize)
				}
			}
		})
	}
	if _, err := newCompactSigner(jose.RS256, ec, "k", "JWT"); err == nil {
		t.Error("an EC key was accepted for RS256")
	}
	if _, err := newCompactSigner(jose.ES256, rk, "k", "JWT"); err == nil {
		t.Error("an RSA key was accepted for ES256")
	}
}
