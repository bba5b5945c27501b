package authserver

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

// mintAccessToken signs an RFC 9068 access token with the claims of c
// that say who and what (ID, Subject, ClientID, Scopes, GrantID, ...); it
// sets the issuer, audience and lifetime itself.
func (s *Server) mintAccessToken(ctx context.Context, c token.Claims, now time.Time) (string, error) {
	key, err := s.keys.signer(ctx, jose.ES256)
	if err != nil {
		return "", err
	}
	return s.signAccessToken(key, c, now)
}

// signAccessToken is mintAccessToken with the key given: it touches no
// store.
func (s *Server) signAccessToken(key *signingKey, c token.Claims, now time.Time) (string, error) {
	c.Issuer, c.Audience = s.issuer, []string{s.audience}
	c.Expiry, c.IssuedAt = now.Add(s.atTTL), now
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("authserver: encoding claims: %w", err)
	}
	return key.atSigner.sign(payload)
}

// idClaims are the claims of an OpenID Connect ID token (OIDC Core §2,
// §5.1). The profile claims are released by the profile and email scopes.
type idClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience string   `json:"aud"`
	Expiry   int64    `json:"exp"`
	IssuedAt int64    `json:"iat"`
	AuthTime int64    `json:"auth_time"`
	Nonce    string   `json:"nonce,omitempty"`
	AtHash   string   `json:"at_hash"`
	AZP      string   `json:"azp"`
	AMR      []string `json:"amr,omitempty"`
	profileClaims
}

// profileClaims are the standard claims (OIDC Core §5.1) scopegate knows.
type profileClaims struct {
	Name          string `json:"name,omitempty"`
	Email         string `json:"email,omitempty"`
	EmailVerified *bool  `json:"email_verified,omitempty"`
}

// mintIDToken signs an ID token for the code flow with scope openid, with
// the algorithm the client registered (RS256 unless it chose ES256).
func (s *Server) mintIDToken(ctx context.Context, c *client, code store.AuthCode, accessToken string, now time.Time) (string, error) {
	key, err := s.keys.signer(ctx, c.idTokenAlg)
	if err != nil {
		return "", err
	}
	// at_hash: the left half of the SHA-256 of the token, SHA-256 being the
	// hash of both RS256 and ES256 (OIDC Core §3.1.3.6).
	sum := sha256.Sum256([]byte(accessToken))
	claims := idClaims{
		Issuer: s.issuer, Subject: code.Subject, Audience: code.ClientID,
		Expiry: now.Add(s.atTTL).Unix(), IssuedAt: now.Unix(), AuthTime: code.AuthTime.Unix(),
		Nonce: code.Nonce, AtHash: base64.RawURLEncoding.EncodeToString(sum[:16]),
		AZP: code.ClientID, AMR: s.authMethods(code.Subject),
	}
	if claims.profileClaims, err = s.releasedClaims(ctx, code.Subject, code.Scopes); err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("authserver: encoding id token: %w", err)
	}
	return key.idSigner.sign(payload)
}

// releasedClaims returns the profile claims of subject that scopes
// release: name for profile, email and email_verified for email.
func (s *Server) releasedClaims(ctx context.Context, subject string, scopes []string) (profileClaims, error) {
	var out profileClaims
	wantProfile, wantEmail := slices.Contains(scopes, "profile"), slices.Contains(scopes, "email")
	if !wantProfile && !wantEmail {
		return out, nil
	}
	p, _, err := s.userProfile(ctx, subject)
	if err != nil {
		return out, err
	}
	if wantProfile {
		out.Name = p.Name
	}
	if wantEmail && p.Email != "" {
		out.Email, out.EmailVerified = p.Email, p.EmailVerified
	}
	return out, nil
}

// userProfile returns the profile of subject, and whether it is a user at
// all: a local user from the config, or a user of a configured identity
// provider as that provider described them at their latest sign-in.
func (s *Server) userProfile(ctx context.Context, subject string) (profileClaims, bool, error) {
	if u := s.users[subject]; u != nil {
		return profileClaims{Name: u.Name, Email: u.Email, EmailVerified: u.EmailVerified}, true, nil
	}
	if s.federatedProvider(subject) == nil {
		return profileClaims{}, false, nil
	}
	fu, err := s.store.FederatedUser(ctx, subject)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return profileClaims{}, false, nil
	case err != nil:
		return profileClaims{}, false, err
	}
	return profileClaims{Name: fu.Name, Email: fu.Email, EmailVerified: fu.EmailVerified}, true, nil
}

// authMethods is the amr claim (RFC 8176): local users sign in with a
// password; users of an identity provider were authenticated by it
// ("fed", since RFC 8176 registers no value for federation).
func (s *Server) authMethods(subject string) []string {
	switch {
	case s.users[subject] != nil:
		return []string{"pwd"}
	case s.federatedProvider(subject) != nil:
		return []string{"fed"}
	}
	return nil
}
