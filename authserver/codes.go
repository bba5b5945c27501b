package authserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/scopegate/scopegate/store"
)

// issueCode creates a one-time code bound to the client, redirect URI,
// PKCE challenge, user, scopes and nonce. Only its hash is stored.
func (s *Server) issueCode(ctx context.Context, req *authRequest, sess *session) (string, error) {
	code := randomToken(32)
	now := s.now().UTC()
	ac := store.AuthCode{
		ID:        codeID(code),
		ClientID:  req.ClientID,
		Subject:   sess.Username,
		Scopes:    req.Scopes,
		Nonce:     req.Nonce,
		AuthTime:  time.Unix(sess.AuthTime, 0).UTC(),
		CreatedAt: now,
		ExpiresAt: now.Add(s.codeTTL),
	}
	// RedirectURI is stored only when the request carried one: then the
	// token request must repeat it (RFC 6749 §4.1.3).
	if req.RedirectURIGiven {
		ac.RedirectURI = req.RedirectURI
	}
	if req.CodeChallenge != "" {
		ac.CodeChallenge, ac.CodeChallengeMethod = req.CodeChallenge, "S256"
	}
	if err := s.store.CreateAuthCode(ctx, ac); err != nil {
		return "", fmt.Errorf("authserver: storing code: %w", err)
	}
	return code, nil
}

// codeID is the stored form of a code: hex SHA-256. A leaked database
// does not yield redeemable codes.
func codeID(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}
