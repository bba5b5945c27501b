package token_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/scopegate/scopegate/token"
)

// A gateway trusts one issuer through a key set, verifies each request's
// access token, and then reads its claims; a token meant for another
// audience is refused with a reason.
func ExampleVerifier_Verify() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	v, err := token.NewVerifier(token.Config{Issuers: []token.Issuer{{
		URL:      "https://login.example.com",
		Audience: "https://api.example.com",
		Keys:     &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&key.PublicKey}},
	}}})
	if err != nil {
		panic(err)
	}

	now := time.Now()
	claims := token.Claims{
		Issuer: "https://login.example.com", Audience: []string{"https://api.example.com"},
		Subject: "alice", ClientID: "photo-printer", Scopes: []string{"photos.read"},
		ID: "token-1", IssuedAt: now, Expiry: now.Add(10 * time.Minute),
	}
	c, err := v.Verify(context.Background(), sign(key, claims))
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Subject, c.ClientID, c.Scopes)
	fmt.Println(token.Missing(c.Scopes, []string{"photos.read", "photos.write"}))

	claims.Audience, claims.ID = []string{"https://other.example.com"}, "token-2"
	_, err = v.Verify(context.Background(), sign(key, claims))
	var te *token.Error
	fmt.Println(errors.As(err, &te))
	// Output:
	// alice photo-printer [photos.read]
	// [photos.write]
	// true
}

// sign makes an RFC 9068 access token ("typ": "at+jwt"), as the
// authorization server does.
func sign(key *ecdsa.PrivateKey, c token.Claims) string {
	opts := (&jose.SignerOptions{}).WithType(token.HeaderType).WithHeader(jose.HeaderKey("kid"), "key-1")
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	if err != nil {
		panic(err)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		panic(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return raw
}
