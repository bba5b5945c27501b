package proxy

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/token"
)

// realm is the RFC 6750 realm of every challenge.
const challengeBase = `Bearer realm="scopegate"`

// apiError is one gateway refusal: what the client is told, and what the
// access log records.
type apiError struct {
	status      int
	code        string // JSON "error"; also the RFC 6750 error code when challenge is set
	description string
	challenge   bool   // send WWW-Authenticate with error and error_description
	scope       string // required scopes, for insufficient_scope
	reason      string // for the access log
	details     []byte // JSON authorization_details naming a missing grant
}

// Fixed refusals; their texts never echo caller input.
var (
	errAmbiguousAuth = apiError{status: 400, code: "invalid_request", description: "more than one Authorization header", reason: "duplicate authorization"}
	errAmbiguousHost = apiError{status: 400, code: "invalid_request", description: "conflicting Host headers", reason: "duplicate host"}
	errAbsoluteForm  = apiError{status: 400, code: "invalid_request", description: "absolute-form request targets are not accepted", reason: "absolute-form target"}
	errBadHost       = apiError{status: 400, code: "invalid_request", description: "missing or malformed Host header", reason: "bad host"}
	errBadPath       = apiError{status: 400, code: "invalid_request", description: "ambiguous request path", reason: "ambiguous path"}
	errNoRoute       = apiError{status: 404, code: "not_found", description: "no route for this request", reason: "no route"}
	errQueryToken    = apiError{status: 400, code: "invalid_request", description: "access tokens are not accepted in the query", challenge: true, reason: "token in query"}
	errMalformed     = apiError{status: 400, code: "invalid_request", description: "malformed Authorization header", challenge: true, reason: "malformed authorization"}
	errNoToken       = apiError{status: 401, code: "unauthorized", description: "a bearer access token is required", reason: "no token"}
	errNoSession     = apiError{status: 401, code: "unauthorized", description: "a bearer access token or a sign-in session is required", reason: "no session"}
	errCrossOrigin   = apiError{status: 403, code: "forbidden", description: "cross-origin request refused", reason: "cross origin"}
	errNoSessionKeys = apiError{status: 500, code: "server_error", description: "internal error", reason: "sign-in failed"}
	errKeys          = apiError{status: 503, code: "temporarily_unavailable", description: "token keys are unavailable", reason: "keys unavailable"}
	errNoVerifier    = apiError{status: 500, code: "server_error", description: "internal error", reason: "no verifier"}
	errNoUpstream    = apiError{status: 500, code: "server_error", description: "internal error", reason: "unknown upstream"}
	errPanic         = apiError{status: 500, code: "server_error", description: "internal error", reason: "panic"}
	errBadGateway    = apiError{status: 502, code: "bad_gateway", description: "the upstream could not be reached", reason: "upstream unreachable"}
	errBadBody       = apiError{status: 400, code: "invalid_request", description: "the request body could not be read", reason: "bad request body"}
	errBodyTimeout   = apiError{status: 408, code: "request_timeout", description: "the request body stalled", reason: "request body timeout"}
	errUpstreamBusy  = apiError{status: 503, code: "temporarily_unavailable", description: "the upstream is busy", reason: "upstream busy"}
	errTimeout       = apiError{status: 504, code: "gateway_timeout", description: "the upstream did not answer in time", reason: "upstream timeout"}
)

// invalidToken is the refusal of a token the verifier rejected; desc is
// the verifier's error text, which it promises is safe to show.
func invalidToken(desc string) apiError {
	return apiError{status: 401, code: "invalid_token", description: quotedSafe(desc), challenge: true, reason: "invalid token"}
}

// insufficientScope is the refusal of a valid token lacking scopes.
func insufficientScope(required []string) apiError {
	return apiError{
		status: 403, code: "insufficient_scope", description: "the token lacks a required scope",
		challenge: true, scope: strings.Join(required, " "), reason: "insufficient scope",
	}
}

// itemRefused is the refusal of a narrowed token on a resource route
// lacking the path's item, or of a token on an owner route whose subject
// is not the path's owner. The body names the missing grant as RFC 9396
// authorization_details.
func itemRefused(v policy.ItemVerdict) apiError {
	if v.Owner {
		return apiError{status: 403, code: "insufficient_scope", challenge: true, reason: "not the owner",
			description: "the token may reach only its own subject's resources"}
	}
	d, _ := json.Marshal([1]token.AuthorizationDetail{{Type: v.Type, Identifiers: []string{v.ID}}})
	return apiError{status: 403, code: "insufficient_scope", challenge: true, reason: "item not picked",
		description: "the token was not granted this " + quotedSafe(v.Type) + " item", details: d}
}

// listRefused is the 502 for a list answer that could not be filtered.
func listRefused(msg string) apiError {
	return apiError{status: 502, code: "bad_gateway", description: quotedSafe(msg), reason: "list not filtered"}
}

// errorBody is the JSON body of every gateway error.
type errorBody struct {
	Error       string          `json:"error"`
	Description string          `json:"error_description"`
	ID          string          `json:"error_id"`
	Details     json.RawMessage `json:"authorization_details,omitempty"`
}

// write sends e with errorID as the JSON body's error_id.
func (e apiError) write(w http.ResponseWriter, errorID string) {
	h := w.Header()
	if e.status == 401 || e.challenge {
		h.Set("WWW-Authenticate", e.wwwAuthenticate())
	}
	if e.status == http.StatusServiceUnavailable {
		// Keys or upstream busy: temporary, so say when to retry
		// (RFC 9110 §10.2.3, §15.6.4).
		h.Set("Retry-After", "1")
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.status)
	b, _ := json.Marshal(errorBody{Error: e.code, Description: e.description, ID: errorID, Details: e.details})
	_, _ = w.Write(append(b, '\n'))
}

// wwwAuthenticate builds the RFC 6750 §3 challenge; only error paths pay
// for it.
func (e apiError) wwwAuthenticate() string {
	if !e.challenge {
		return challengeBase // no token at all: no error attribute (§3.1)
	}
	var b strings.Builder
	b.WriteString(challengeBase)
	b.WriteString(`, error="`)
	b.WriteString(e.code)
	b.WriteByte('"')
	if e.scope != "" {
		b.WriteString(`, scope="`)
		b.WriteString(quotedSafe(e.scope))
		b.WriteByte('"')
	} else if e.description != "" {
		b.WriteString(`, error_description="`)
		b.WriteString(e.description)
		b.WriteByte('"')
	}
	return b.String()
}

// quotedSafe keeps only the characters RFC 6750 §3 allows inside
// error_description and scope: %x20-21 / %x23-5B / %x5D-7E.
func quotedSafe(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' {
			b = append(b, c)
		}
	}
	return string(b)
}
