package authserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

// handleRevocation is the revocation endpoint (RFC 7009). The client
// authenticates as at the token endpoint (§2.1). Whatever the token, the
// answer is 200 with an empty body once the client is authenticated
// (§2.2): unknown, garbage, expired and other clients' tokens included,
// so that the answer tells nothing about tokens the client does not own.
// A client can only revoke its own tokens; another client's are left
// alone.
//
// Revoking an access token records its jti (refused at once here, and by
// every instance sharing the store after their next read). Revoking a
// refresh token revokes its grant, as §2.1 allows ("the authorization
// server SHOULD also invalidate all access tokens based on the same
// authorization grant"): the family's refresh token, every access token
// issued from the grant, and the remembered consent, so the next
// authorization asks the user again.
func (s *Server) handleRevocation(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(w, r)
	switch {
	case errors.Is(err, errDuplicate):
		s.writeJSONError(w, r, oauthErr(codeInvalidRequest, "a parameter is repeated"))
		return
	case err != nil:
		s.writeJSONError(w, r, oauthErr(codeInvalidRequest, "the body must be a small application/x-www-form-urlencoded form"))
		return
	}
	c, oe := s.authenticateClient(r, p)
	if oe != nil {
		s.writeJSONError(w, r, oe)
		return
	}
	raw := p.Get("token")
	if raw == "" {
		s.writeJSONError(w, r, oauthErr(codeInvalidRequest, "token is required"))
		return
	}
	// §2.1: the hint only says where to look first; a token not found
	// there is looked for among the other types.
	accessFirst := hasDots(raw)
	switch p.Get("token_type_hint") {
	case "access_token":
		accessFirst = true
	case "refresh_token":
		accessFirst = false
	}
	kinds := []func(*http.Request, *client, string) (bool, error){s.revokeRefreshToken, s.revokeAccessToken}
	if accessFirst {
		kinds[0], kinds[1] = kinds[1], kinds[0]
	}
	for _, revoke := range kinds {
		found, err := revoke(r, c, raw)
		if err != nil {
			// §2.2.1: the client may retry later; the token may still work.
			s.writeJSONError(w, r, err)
			return
		}
		if found {
			break
		}
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
}

// revokeAccessToken revokes raw if it is an access token of this server
// issued to c and not yet expired; found reports whether raw was an access
// token of this server at all (then there is nothing else to look for).
func (s *Server) revokeAccessToken(r *http.Request, c *client, raw string) (found bool, err error) {
	if !hasDots(raw) {
		return false, nil
	}
	// The signature is checked: an unsigned token naming another token's
	// jti must not revoke it.
	claims, err := s.verifier.Verify(r.Context(), raw)
	switch {
	case errors.Is(err, token.ErrRevoked):
		return true, nil // done already
	case err != nil:
		return false, nil // expired, garbage or another issuer's: nothing to revoke
	case claims.ClientID != c.ID:
		s.log.Warn("a client tried to revoke another client's access token",
			zap.String("client_id", c.ID), zap.String("token_client_id", claims.ClientID))
		return true, nil
	}
	// Verifiers accept the token until its exp plus their leeway.
	until := claims.Expiry.Add(token.DefaultLeeway)
	s.revoked.Add(claims.ID, until)
	rec := store.Revocation{TokenID: claims.ID, RevokedAt: s.now().UTC(), ExpiresAt: until.UTC()}
	if err := s.store.RevokeToken(context.WithoutCancel(r.Context()), rec); err != nil {
		return true, fmt.Errorf("authserver: recording a revoked access token: %w", err)
	}
	s.audit(r, EventTokenRevoked, claims.Subject, c.ID, zap.String("jti", claims.ID), zap.String("reason", "revoked by the client"))
	return true, nil
}

// revokeRefreshToken revokes the grant of raw if it is a refresh token
// issued to c, rotated or not; found reports whether raw is a refresh
// token this server knows.
func (s *Server) revokeRefreshToken(r *http.Request, c *client, raw string) (found bool, err error) {
	rt, err := s.store.RefreshToken(r.Context(), refreshTokenID(raw))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	case rt.ClientID != c.ID:
		s.log.Warn("a client tried to revoke another client's refresh token",
			zap.String("client_id", c.ID), zap.String("token_client_id", rt.ClientID))
		return true, nil
	}
	return true, s.revokeGrantAudited(r, rt.GrantID, rt.Subject, c.ID, "refresh token revoked by the client")
}
