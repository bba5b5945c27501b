package authserver

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

// issueCode creates a one-time code bound to the client, redirect URI,
// PKCE challenge, user, scopes, nonce and the grant g it comes from. Only
// its hash is stored.
func (s *Server) issueCode(ctx context.Context, req *authRequest, sess *session, g store.Grant) (string, error) {
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
		GrantID:   g.ID,
		// The items of the grant's pick this request asked for (RFC 9396
		// §7), carried to the token.
		AuthorizationDetails: codeDetails(decodeDetails(g.AuthorizationDetails), req.Items),
		// The password the session was signed in with (readSession
		// checked it against the config), for the refresh tokens.
		Credential: s.refreshCredentials[sess.Username],
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
	s.noteReuse(req)
	return code, nil
}

// noteReuse logs a code_challenge or nonce that an earlier code of this
// process already carried (RFC 9700 §2.1.1): clients must make them fresh
// per transaction, so a repeat hints at a broken client or an injection.
func (s *Server) noteReuse(req *authRequest) {
	for kind, v := range map[string]string{"code_challenge": req.CodeChallenge, "nonce": req.Nonce} {
		if v == "" {
			continue
		}
		key := kind + "\x00" + req.ClientID + "\x00" + v
		if s.seen.blocked(key) {
			s.log.Warn("reused "+kind+" in a new authorization", zap.String("client_id", req.ClientID))
		}
		s.seen.fail(key)
	}
}

// codeID is the stored form of a code: hex SHA-256. A leaked database
// does not yield redeemable codes.
func codeID(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// codeTokenID is the "jti" of the access token issued from the code with
// ID codeID. Deriving it, rather than storing it, lets a replay revoke
// that token knowing only the code.
func codeTokenID(codeID string) string {
	sum := sha256.Sum256([]byte("scopegate access token of code\x00" + codeID))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// revokeCodeToken revokes the access token issued when ac was redeemed:
// in this process first, so that a failing store cannot leave the token
// valid here, then in the store for the other instances. The store write
// outlives the request, whose caller may already have hung up.
func (s *Server) revokeCodeToken(ctx context.Context, ac store.AuthCode, now time.Time) error {
	// Every instance is assumed to run one config, so one access_token_ttl.
	until := ac.RedeemedAt.Add(s.AcceptedTokenLifetime())
	jti := codeTokenID(ac.ID)
	s.revoked.Add(jti, until)
	rec := store.Revocation{TokenID: jti, RevokedAt: now.UTC(), ExpiresAt: until}
	if err := s.store.RevokeToken(context.WithoutCancel(ctx), rec); err != nil {
		return fmt.Errorf("authserver: revoking the token of a replayed code: %w", err)
	}
	return nil
}

// AcceptedTokenLifetime is how long after issue a verifier may still
// accept this server's access tokens: their lifetime plus the default
// leeway. Redeemed codes must stay in the store that long past their
// expiry, so that a late replay is recognised and revokes the token it
// issued (RFC 9700 §4.2.4).
func (s *Server) AcceptedTokenLifetime() time.Duration { return s.atTTL + token.DefaultLeeway }
