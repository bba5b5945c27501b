package authserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

// tokenResponse is the RFC 6749 §5.1 success body.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
	IDToken     string `json:"id_token,omitempty"`
	// RefreshToken is opaque (refresh.go); RFC 6749 §5.1.
	RefreshToken string `json:"refresh_token,omitempty"`
	// AuthorizationDetails is what the token grants of picked items (RFC
	// 9396 §7), as in its claim.
	AuthorizationDetails json.RawMessage `json:"authorization_details,omitempty"`
}

// handleToken is the token endpoint (RFC 6749 §3.2). Every request takes
// the same steps: parse, authenticate the client, check the grant type is
// allowed for it, run the grant.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	resp, err := s.token(w, r)
	if err != nil {
		s.writeJSONError(w, r, err)
		return
	}
	body, err := json.Marshal(resp)
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

func (s *Server) token(w http.ResponseWriter, r *http.Request) (*tokenResponse, error) {
	p, err := readParams(w, r)
	switch {
	case errors.Is(err, errDuplicate):
		return nil, oauthErr(codeInvalidRequest, "a parameter is repeated")
	case err != nil:
		return nil, oauthErr(codeInvalidRequest, "the body must be a small application/x-www-form-urlencoded form")
	}
	c, oe := s.authenticateClient(r, p)
	if oe != nil {
		return nil, oe
	}
	grant := p.Get("grant_type")
	switch grant {
	case "":
		return nil, oauthErr(codeInvalidRequest, "grant_type is required")
	case oauthrule.GrantAuthorizationCode, oauthrule.GrantClientCredentials, oauthrule.GrantRefreshToken:
	default:
		// Includes password (RFC 9700 §2.4).
		return nil, oauthErr(codeUnsupportedGrantType, "the grant type is not supported")
	}
	if !c.allowsGrant(grant) {
		return nil, oauthErr(codeUnauthorizedClient, "the client may not use this grant type")
	}
	var resp *tokenResponse
	switch grant {
	case oauthrule.GrantAuthorizationCode:
		resp, err = s.redeemCode(r, c, p)
	case oauthrule.GrantRefreshToken:
		resp, err = s.refreshGrant(r, c, p)
	default:
		resp, err = s.clientCredentialsGrant(r, c, p)
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// redeemCode runs the authorization code grant (RFC 6749 §4.1.3).
func (s *Server) redeemCode(r *http.Request, c *client, p url.Values) (*tokenResponse, error) {
	code := p.Get("code")
	if code == "" {
		return nil, oauthErr(codeInvalidRequest, "code is required")
	}
	asked, oe := tokenDetails(p)
	if oe != nil {
		return nil, oe
	}
	now := s.now()
	ac, err := s.store.RedeemAuthCode(r.Context(), codeID(code), now.UTC())
	switch {
	case errors.Is(err, store.ErrConflict):
		// RFC 9700 §4.2.4: a replayed code means it leaked, so the token
		// issued from it may be in the wrong hands too.
		s.log.Warn("authorization code replayed; revoking the access token it issued",
			zap.String("client_id", c.ID), zap.String("code_client_id", ac.ClientID))
		s.audit(r, EventCodeReused, ac.Subject, c.ID, zap.String("code_client_id", ac.ClientID))
		if err := s.revokeCodeToken(r.Context(), ac, now); err != nil {
			return nil, err
		}
		s.audit(r, EventTokenRevoked, ac.Subject, ac.ClientID, zap.String("jti", codeTokenID(ac.ID)), zap.String("reason", "code reused"))
		return nil, oauthErr(codeInvalidGrant, "the code is invalid, expired or already used")
	case errors.Is(err, store.ErrNotFound):
		return nil, oauthErr(codeInvalidGrant, "the code is invalid, expired or already used")
	case err != nil:
		return nil, err
	}
	if ac.ClientID != c.ID {
		return nil, oauthErr(codeInvalidGrant, "the code was issued to another client")
	}
	if ac.RedirectURI != "" && p.Get("redirect_uri") != ac.RedirectURI {
		return nil, oauthErr(codeInvalidGrant, "redirect_uri does not match the authorization request")
	}
	if ac.RedirectURI == "" && p.Has("redirect_uri") {
		if _, ok := oauthrule.MatchRedirectURI(c.RedirectURIs, p.Get("redirect_uri"), c.public); !ok {
			return nil, oauthErr(codeInvalidGrant, "redirect_uri does not match the authorization request")
		}
	}
	if c.public && ac.CodeChallenge == "" {
		// Authorize already demands PKCE of public clients; this keeps a
		// code without it from ever serving one (RFC 9700 §2.1.1).
		return nil, oauthErr(codeInvalidGrant, "public clients must use PKCE")
	}
	if oe := verifyPKCE(ac.CodeChallenge, p.Get("code_verifier")); oe != nil {
		return nil, oe
	}
	// A grant revoked since the code was issued issues nothing more.
	g, err := s.liveGrant(r.Context(), ac.GrantID)
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, oauthErr(codeInvalidGrant, "the grant was revoked")
	}
	details := decodeDetails(ac.AuthorizationDetails)
	if ac.AuthorizationDetails != nil && details == nil {
		return nil, errors.New("authserver: a code's authorization_details cannot be read")
	}
	scopes, details, oe := s.narrowDetails(ac.Scopes, details, asked)
	if oe != nil {
		return nil, oe
	}
	at, err := s.mintAccessToken(r.Context(), token.Claims{
		ID: codeTokenID(ac.ID), Subject: ac.Subject, ClientID: c.ID, Scopes: scopes, GrantID: ac.GrantID,
		AuthorizationDetails: details,
	}, now)
	if err != nil {
		return nil, err
	}
	s.touchGrant(r.Context(), ac.GrantID)
	resp := &tokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(s.atTTL.Seconds()),
		Scope: oauthrule.FormatScope(scopes), AuthorizationDetails: encodeDetails(details)}
	if slices.Contains(ac.Scopes, "openid") {
		if resp.IDToken, err = s.mintIDToken(r.Context(), c, ac, at, now); err != nil {
			return nil, err
		}
	}
	if s.issuesRefresh(c, ac.Scopes) {
		if resp.RefreshToken, err = s.issueRefreshToken(r.Context(), ac, now); err != nil {
			return nil, err
		}
	}
	s.audit(r, EventTokenIssued, ac.Subject, c.ID, zap.String("grant_type", oauthrule.GrantAuthorizationCode),
		zap.String("jti", codeTokenID(ac.ID)), zap.Strings("scopes", scopes))
	return resp, nil
}

// clientCredentialsGrant issues a token for the client itself (RFC 6749
// §4.4): sub is the client id. An omitted scope means every scope the
// client is registered for, except openid: there is no user to identify.
func (s *Server) clientCredentialsGrant(r *http.Request, c *client, p url.Values) (*tokenResponse, error) {
	if p.Has("authorization_details") {
		// Items are picked by users; a client's own token holds none
		// (RFC 9396 §6: the client's policy allows no details).
		return nil, oauthErr(codeInvalidAuthorizationDetails, "authorization_details are not granted to a client's own tokens")
	}
	var scopes []string
	if raw := p.Get("scope"); strings.TrimSpace(raw) != "" {
		var oe *Error
		if scopes, oe = s.checkScopes(c, raw, false); oe != nil {
			return nil, oe
		}
	} else {
		for _, sc := range c.Scopes {
			if sc != "openid" {
				scopes = append(scopes, sc)
			}
		}
		if len(scopes) == 0 {
			return nil, oauthErr(codeInvalidScope, "scope is required")
		}
	}
	// No user, so no grant: such tokens carry no gid.
	jti := randomToken(32)
	at, err := s.mintAccessToken(r.Context(), token.Claims{
		ID: jti, Subject: c.ID, ClientID: c.ID, Scopes: scopes,
	}, s.now())
	if err != nil {
		return nil, err
	}
	s.audit(r, EventTokenIssued, c.ID, c.ID, zap.String("grant_type", oauthrule.GrantClientCredentials),
		zap.String("jti", jti), zap.Strings("scopes", scopes))
	return &tokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(s.atTTL.Seconds()),
		Scope: oauthrule.FormatScope(scopes)}, nil
}
