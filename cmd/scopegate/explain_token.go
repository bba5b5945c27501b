package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/scopegate/scopegate/authserver"
	"github.com/scopegate/scopegate/config"
	"github.com/scopegate/scopegate/token"
)

// hypotheticalClient is the client_id of a hypothetical token; without
// --sub it is the subject too, which makes it a client's own token.
const hypotheticalClient = "hypothetical-client"

// explainVerifier returns the verifier explain's gateway checks tokens
// with, built from f as serve builds its own (verifierConfig), and the
// token to send for c ("" for none).
//
// A hypothetical caller gets a token minted here and signed with a key
// made for this run; the verifier trusts that key, and no other, for this
// server's issuer, so the token passes the gateway's full verification,
// signature included. A token from --token was signed by a key explain
// does not hold: only for it, the verifier skips the signature
// (InsecureSkipSignatureVerification) and checks everything else.
func explainVerifier(f *config.File, c caller, now time.Time) (*token.Verifier, string, error) {
	if c.token != "" {
		cfg := verifierConfig(f, nil, nil)
		cfg.Issuers[0].Registered = authserver.RegisteredIn(explainAuthConfig(f))
		cfg.InsecureSkipSignatureVerification = true
		cfg.CacheSize = -1
		v, err := token.NewVerifier(cfg)
		return v, c.token, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	cfg := verifierConfig(f, &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{key.Public()}}, nil)
	cfg.CacheSize = -1
	v, err := token.NewVerifier(cfg)
	if err != nil || !c.hypothetical() {
		return v, "", err
	}
	raw, err := mintToken(key, cfg.Issuers[0], c, now)
	return v, raw, err
}

// explainAuthConfig is the authorization server serve would run for f, as
// far as explain needs it: who holds tokens (users, clients, identity
// providers), with the gateway's own client when a route signs people in.
func explainAuthConfig(f *config.File) authserver.Config {
	cfg := authserverConfig(f, nil, nil)
	if needsBrowserLogin(f) {
		cfg.Clients = append(cfg.Clients, authserver.Client{ID: gatewayClientID})
	}
	return cfg
}

// mintToken signs an RFC 9068 access token for c, issued by iss.
func mintToken(key *ecdsa.PrivateKey, iss token.Issuer, c caller, now time.Time) (string, error) {
	sub := c.sub
	if sub == "" {
		sub = hypotheticalClient
	}
	claims := token.Claims{
		Issuer: iss.URL, Audience: []string{iss.Audience}, Subject: sub, ClientID: hypotheticalClient,
		IssuedAt: now, Expiry: now.Add(5 * time.Minute), ID: "explain",
		Scopes: c.scopes, AuthorizationDetails: c.details,
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	opts := (&jose.SignerOptions{}).WithType(token.HeaderType).WithHeader(jose.HeaderKey("kid"), "explain")
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// readClaims decodes a token's claims for display only: the gateway's
// verifier alone judges them.
func readClaims(raw string) (token.Claims, error) {
	var c token.Claims
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return c, fmt.Errorf("not a compact JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, fmt.Errorf("claims are not base64url")
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("claims are not readable")
	}
	return c, nil
}
