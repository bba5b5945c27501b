package authserver

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

// mintAccessToken signs an RFC 9068 access token with ID jti.
func (s *Server) mintAccessToken(ctx context.Context, jti, sub, clientID string, scopes []string, now time.Time) (string, error) {
	key, err := s.keys.signer(ctx)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(token.Claims{
		Issuer: s.issuer, Subject: sub, Audience: []string{s.audience},
		Expiry: now.Add(s.atTTL), IssuedAt: now,
		ID: jti, ClientID: clientID, Scopes: scopes,
	})
	if err != nil {
		return "", fmt.Errorf("authserver: encoding claims: %w", err)
	}
	return sign(key.atSigner, payload)
}

// idClaims are the claims of an OpenID Connect ID token (OIDC Core §2).
type idClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	Expiry   int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
	AuthTime int64  `json:"auth_time"`
	Nonce    string `json:"nonce,omitempty"`
	AtHash   string `json:"at_hash"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
}

// mintIDToken signs an ID token for the code flow with scope openid.
func (s *Server) mintIDToken(ctx context.Context, code store.AuthCode, accessToken string, now time.Time) (string, error) {
	key, err := s.keys.signer(ctx)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(accessToken))
	c := idClaims{
		Issuer: s.issuer, Subject: code.Subject, Audience: code.ClientID,
		Expiry: now.Add(s.atTTL).Unix(), IssuedAt: now.Unix(), AuthTime: code.AuthTime.Unix(),
		Nonce: code.Nonce, AtHash: base64.RawURLEncoding.EncodeToString(sum[:16]),
	}
	if u := s.users[code.Subject]; u != nil {
		c.Name, c.Email = profileClaims(u, code.Scopes)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("authserver: encoding id token: %w", err)
	}
	return sign(key.idSigner, payload)
}

// profileClaims returns the name and email a token's scopes release.
func profileClaims(u *User, scopes []string) (name, email string) {
	if slices.Contains(scopes, "profile") {
		name = u.Name
	}
	if slices.Contains(scopes, "email") {
		email = u.Email
	}
	return name, email
}

func sign(signer interface {
	Sign([]byte) (*jose.JSONWebSignature, error)
}, payload []byte) (string, error) {
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("authserver: signing: %w", err)
	}
	return jws.CompactSerialize()
}
