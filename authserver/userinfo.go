package authserver

import (
	"encoding/json"
	"mime"
	"net/http"
	"slices"

	"github.com/scopegate/scopegate/oauthrule"
)

// handleUserinfo is the OIDC userinfo endpoint (OIDC Core §5.3), over GET
// and POST. The access token comes from the Authorization header, or, on
// a POST, from a form-encoded access_token (RFC 6750 §2.2); never from the
// query (RFC 9700 §4.3.2). A request using both is refused (RFC 6750 §2).
func (s *Server) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	raw, oe := bearerToken(w, r)
	if oe != nil {
		if oe.Code == codeInvalidRequest {
			// A resource server's challenge names the error too (RFC 6750
			// §3); the token endpoint's invalid_request has none.
			w.Header().Set("WWW-Authenticate", `Bearer realm="scopegate", error="invalid_request"`)
		}
		s.writeJSONError(w, r, oe)
		return
	}
	if raw == "" {
		// No credentials at all: the challenge carries no error code
		// (RFC 6750 §3.1).
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
	if !slices.Contains(claims.Scopes, "openid") {
		// Client tokens (sub = client id) cannot carry openid.
		s.writeJSONError(w, r, &Error{Code: codeInsufficientScope, Description: "the token lacks the openid scope", Status: http.StatusForbidden})
		return
	}
	_, known, err := s.userProfile(r.Context(), claims.Subject)
	if err != nil {
		s.writeJSONError(w, r, err)
		return
	}
	if !known {
		// The user was removed since the token was issued.
		s.writeJSONError(w, r, invalid)
		return
	}
	released, err := s.releasedClaims(r.Context(), claims.Subject, claims.Scopes)
	if err != nil {
		s.writeJSONError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(struct {
		Subject string `json:"sub"`
		profileClaims
	}{claims.Subject, released})
}

// bearerToken reads the access token of a userinfo request: "" when the
// request carries none.
func bearerToken(w http.ResponseWriter, r *http.Request) (string, *Error) {
	malformed := &Error{Code: codeInvalidRequest, Description: "the request carries the access token in a malformed way", Status: http.StatusBadRequest}
	var fromHeader, fromBody string
	switch auth := r.Header.Values("Authorization"); len(auth) {
	case 0:
	case 1:
		var bearer bool
		fromHeader, bearer = oauthrule.BearerToken(auth[0])
		switch {
		case !bearer:
			return "", &Error{Code: codeInvalidToken, Description: "use the Bearer scheme", Status: http.StatusUnauthorized}
		case fromHeader == "":
			return "", malformed // RFC 6750 §3.1: invalid_request
		}
	default:
		return "", malformed
	}
	if r.Method == http.MethodPost {
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
			p, err := readParams(w, r)
			if err != nil {
				return "", malformed
			}
			fromBody = p.Get("access_token")
			if p.Has("access_token") && fromBody == "" {
				return "", malformed
			}
		}
	}
	if fromHeader != "" && fromBody != "" {
		return "", malformed
	}
	return fromHeader + fromBody, nil
}
