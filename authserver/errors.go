package authserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/authserver/pages"
	"github.com/scopegate/scopegate/store"
)

// Error is an OAuth protocol error (RFC 6749 §4.1.2.1, §5.2). Description
// is a fixed text that never echoes input or secrets.
type Error struct {
	Code        string
	Description string
	Status      int // HTTP status on JSON endpoints; 0 means 400
}

func (e *Error) Error() string { return "authserver: " + e.Code + ": " + e.Description }

// OAuth error codes used by this server.
const (
	codeInvalidRequest          = "invalid_request"
	codeInvalidClient           = "invalid_client"
	codeInvalidGrant            = "invalid_grant"
	codeUnauthorizedClient      = "unauthorized_client"
	codeUnsupportedGrantType    = "unsupported_grant_type"
	codeUnsupportedResponseType = "unsupported_response_type"
	codeInvalidScope            = "invalid_scope"
	codeAccessDenied            = "access_denied"
	codeServerError             = "server_error"
	codeLoginRequired           = "login_required"
	codeConsentRequired         = "consent_required"
	codeInvalidToken            = "invalid_token"
	codeInsufficientScope       = "insufficient_scope"
	codeTemporarilyUnavailable  = "temporarily_unavailable"
)

func oauthErr(code, desc string) *Error { return &Error{Code: code, Description: desc} }

// errInvalidClient is the answer to every failed client authentication;
// it does not say which part was wrong.
func errInvalidClient() *Error {
	return &Error{Code: codeInvalidClient, Description: "client authentication failed", Status: http.StatusUnauthorized}
}

// errBusy answers a request that could not be served now because the
// server is saturated (hash gate full, store unavailable); RFC 6749 §4.1.2.1
// names the code, and 503 with Retry-After tells clients to come back.
func errBusy() *Error {
	return &Error{Code: codeTemporarilyUnavailable, Description: "the server is busy; retry shortly", Status: http.StatusServiceUnavailable}
}

// writeJSONError writes err as an RFC 6749 §5.2 JSON response. It is the
// only place that writes protocol errors of the JSON endpoints. Errors that
// are not *Error are logged and answered with a bare server_error, or with
// 503 temporarily_unavailable when the store could not answer: the client
// may retry, and a load balancer may try another instance (RFC 9110
// §15.6.4). Either way nothing is granted: errors deny.
func (s *Server) writeJSONError(w http.ResponseWriter, r *http.Request, err error) {
	var oe *Error
	if !errors.As(err, &oe) && errors.Is(err, store.ErrUnavailable) {
		s.log.Error("request failed: store unavailable", zap.String("path", r.URL.Path), zap.Error(err))
		oe = &Error{Code: codeTemporarilyUnavailable, Description: "the server cannot answer right now; retry shortly", Status: http.StatusServiceUnavailable}
	}
	if oe == nil {
		s.log.Error("request failed", zap.String("path", r.URL.Path), zap.Error(err))
		oe = &Error{Code: codeServerError, Description: "internal error", Status: http.StatusInternalServerError}
	}
	status := oe.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	h := w.Header()
	switch oe.Code {
	case codeInvalidClient:
		h.Set("WWW-Authenticate", `Basic realm="scopegate"`)
	case codeTemporarilyUnavailable:
		h.Set("Retry-After", retryAfterBusy)
	case codeInvalidToken, codeInsufficientScope:
		h.Set("WWW-Authenticate", `Bearer realm="scopegate", error="`+oe.Code+`"`)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{oe.Code, oe.Description})
}

// redirectError sends the browser back to a redirect URI that is already
// known to be registered, with the error, the state and iss (RFC 9207).
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state string, oe *Error) {
	v := url.Values{"error": {oe.Code}, "iss": {s.issuer}}
	if oe.Description != "" {
		v.Set("error_description", oe.Description)
	}
	if state != "" {
		v.Set("state", state)
	}
	http.Redirect(w, r, appendQuery(redirectURI, v), http.StatusSeeOther)
}

// pageError renders the error page; used whenever redirecting is unsafe.
func (s *Server) pageError(w http.ResponseWriter, status int, title, desc string) {
	s.pages.Error(w, status, pages.ErrorData{Status: status, Title: title, Description: desc})
}

// internalError logs err and shows a generic error page: 503 with
// Retry-After when the store could not answer, 500 otherwise.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", zap.String("path", r.URL.Path), zap.Error(err))
	if errors.Is(err, store.ErrUnavailable) {
		w.Header().Set("Retry-After", retryAfterBusy)
		s.pageError(w, http.StatusServiceUnavailable, "Temporarily unavailable", "Please try again in a moment.")
		return
	}
	s.pageError(w, http.StatusInternalServerError, "Something went wrong", "Please try again later.")
}

// appendQuery adds v to the query of a registered URI without reordering
// or re-encoding what the client registered.
func appendQuery(uri string, v url.Values) string {
	sep := "?"
	for i := 0; i < len(uri); i++ {
		if uri[i] == '?' {
			sep = "&"
			break
		}
	}
	if sep == "&" && (uri[len(uri)-1] == '?' || uri[len(uri)-1] == '&') {
		sep = ""
	}
	return uri + sep + v.Encode()
}
