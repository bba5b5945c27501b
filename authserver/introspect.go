package authserver

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/store"
)

// introspection is the RFC 7662 §2.2 response. Only Active is sent for a
// token that is not active (§2.2: "the authorization server SHOULD NOT
// include any additional information").
type introspection struct {
	Active               bool            `json:"active"`
	Scope                string          `json:"scope,omitempty"`
	ClientID             string          `json:"client_id,omitempty"`
	Subject              string          `json:"sub,omitempty"`
	Expiry               int64           `json:"exp,omitempty"`
	IssuedAt             int64           `json:"iat,omitempty"`
	Issuer               string          `json:"iss,omitempty"`
	Audience             []string        `json:"aud,omitempty"`
	TokenType            string          `json:"token_type,omitempty"`
	ID                   string          `json:"jti,omitempty"`
	AuthorizationDetails json.RawMessage `json:"authorization_details,omitempty"` // RFC 9396 §9.2
}

// handleIntrospection is the introspection endpoint (RFC 7662). Only
// confidential clients may call it (§2.1 requires the caller to be
// authorized, and a public client proves nothing). A client may introspect
// only the tokens issued to it: §4 lets the server decide, and that is
// stricter than "tokens whose audience it is" (every access token of this
// server has the same audience, so that rule would let any resource
// server read every user's tokens). Anything else, including revoked,
// expired, garbage and other clients' tokens, is {"active": false}, the
// same answer, so that it reveals nothing.
func (s *Server) handleIntrospection(w http.ResponseWriter, r *http.Request) {
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
	if c.public {
		s.writeJSONError(w, r, errInvalidClient())
		return
	}
	raw := p.Get("token")
	if raw == "" {
		s.writeJSONError(w, r, oauthErr(codeInvalidRequest, "token is required"))
		return
	}
	var out introspection
	// token_type_hint (§2.1) is not needed: the two kinds cannot be
	// confused, access tokens being signed JWTs and refresh tokens opaque.
	if hasDots(raw) {
		out, err = s.introspectAccess(r, c, raw)
	} else {
		out, err = s.introspectRefresh(r, c, raw)
	}
	if err != nil {
		s.writeJSONError(w, r, err)
		return
	}
	body, err := json.Marshal(out)
	if err != nil {
		s.writeJSONError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	_, _ = w.Write(body)
}

// introspectAccess answers for an access token: signed by this server for
// its audience, unexpired, not revoked, issued to c, its user still
// registered (Registered), and its grant still
// live in the store (read there, so that a grant revoked on another
// instance is inactive here at once, whatever the revocation list knows).
func (s *Server) introspectAccess(r *http.Request, c *client, raw string) (introspection, error) {
	claims, err := s.verifier.Verify(r.Context(), raw)
	if err != nil || claims.ClientID != c.ID || s.Registered(claims) != nil {
		return introspection{}, nil
	}
	if claims.GrantID != "" {
		g, err := s.liveGrant(r.Context(), claims.GrantID)
		if err != nil {
			return introspection{}, err
		}
		if g == nil {
			return introspection{}, nil
		}
	}
	out := introspection{
		Active: true, Scope: oauthrule.FormatScope(claims.Scopes), ClientID: claims.ClientID, Subject: claims.Subject,
		Expiry: claims.Expiry.Unix(), IssuedAt: claims.IssuedAt.Unix(), Issuer: claims.Issuer,
		Audience: claims.Audience, TokenType: "Bearer", ID: claims.ID,
	}
	if len(claims.AuthorizationDetails) > 0 {
		if out.AuthorizationDetails, err = json.Marshal(claims.AuthorizationDetails); err != nil {
			return introspection{}, err
		}
	}
	return out, nil
}

// introspectRefresh answers for a refresh token: known, issued to c, not
// rotated, unexpired and its grant live.
func (s *Server) introspectRefresh(r *http.Request, c *client, raw string) (introspection, error) {
	rt, err := s.store.RefreshToken(r.Context(), refreshTokenID(raw))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return introspection{}, nil
	case err != nil:
		return introspection{}, err
	}
	if rt.ClientID != c.ID || !rt.RotatedAt.IsZero() || !s.now().Before(rt.ExpiresAt) {
		return introspection{}, nil
	}
	g, err := s.liveGrant(r.Context(), rt.GrantID)
	if err != nil || g == nil {
		return introspection{}, err
	}
	return introspection{
		Active: true, Scope: oauthrule.FormatScope(rt.Scopes), ClientID: rt.ClientID, Subject: rt.Subject,
		Expiry: rt.ExpiresAt.Unix(), IssuedAt: rt.CreatedAt.Unix(), Issuer: s.issuer,
		TokenType: "refresh_token", AuthorizationDetails: json.RawMessage(rt.AuthorizationDetails),
	}, nil
}
