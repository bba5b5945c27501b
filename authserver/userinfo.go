package authserver

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// handleUserinfo is the OIDC userinfo endpoint (OIDC Core §5.3). The
// access token comes only from the Authorization header: never from the
// query (RFC 9700 §4.3.2) or the body.
func (s *Server) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Values("Authorization")
	raw, ok := "", len(auth) == 1
	if ok {
		scheme, rest, found := strings.Cut(auth[0], " ")
		raw, ok = strings.TrimSpace(rest), found && strings.EqualFold(scheme, "Bearer")
	}
	if !ok || raw == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scopegate"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	invalid := &Error{Code: codeInvalidToken, Description: "the access token is invalid", Status: http.StatusUnauthorized}
	claims, err := s.verifier.Verify(r.Context(), raw)
	if err != nil {
		s.writeJSONError(w, r, invalid)
		return
	}
	u := s.users[claims.Subject]
	if u == nil || !slices.Contains(claims.Scopes, "openid") {
		// Client tokens (sub = client id) and tokens without openid have
		// no user info.
		s.writeJSONError(w, r, &Error{Code: codeInsufficientScope, Description: "the token lacks the openid scope", Status: http.StatusForbidden})
		return
	}
	name, email := profileClaims(u, claims.Scopes)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(struct {
		Subject string `json:"sub"`
		Name    string `json:"name,omitempty"`
		Email   string `json:"email,omitempty"`
	}{claims.Subject, name, email})
}
