package authserver

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/httplog"
)

// Audit events. Each is one line of the audit log (Config.Audit) whose
// "event" field holds the name; the names are part of the operator-facing
// contract, listed in the package documentation.
const (
	// Sign-in at /oauth2/login. Blocked: the rate limit was reached and
	// the password was not checked.
	EventLoginSuccess = "login.success"
	EventLoginFailure = "login.failure"
	EventLoginBlocked = "login.blocked"
	EventLogout       = "logout"

	// Consent: granted or denied on the consent page, revoked on the
	// account page.
	EventConsentGranted = "consent.granted"
	EventConsentDenied  = "consent.denied"
	EventConsentRevoked = "consent.revoked"

	// Codes and tokens. CodeReused is reuse detection: a redeemed code came
	// back (RFC 9700 §4.2.4).
	EventCodeIssued   = "code.issued"
	EventCodeReused   = "code.reused"
	EventTokenIssued  = "token.issued"
	EventTokenRevoked = "token.revoked"

	// Refresh tokens and grants (RFC 9700 §4.14.2 reuse detection).
	EventTokenRefreshed     = "token.refreshed"
	EventRefreshTokenReused = "refresh_token.reused"
	EventGrantRevoked       = "grant.revoked"

	// Client authentication at the token endpoint. Blocked: the rate limit
	// was reached and the secret was not checked.
	EventClientAuthFailure = "client_auth.failure"
	EventClientAuthBlocked = "client_auth.blocked"
)

// audit writes one audit event about request r: who (sub, the subject, a
// canonical username or a client id), which client, from where and which
// request, plus fields. It is the only way events reach the audit log, so
// that every line carries the same keys. Never pass a password, secret,
// code or token (not even hashed); token IDs ("jti") and grant IDs are fine.
func (s *Server) audit(r *http.Request, event, sub, clientID string, fields ...zap.Field) {
	if s.auditLog == nil {
		return
	}
	all := make([]zap.Field, 0, 4+len(fields))
	all = append(all,
		zap.String("subject", sub),
		zap.String("client_id", clientID),
		zap.String("remote_addr", s.remoteAddr(r)),
		zap.String("request_id", httplog.RequestID(r.Context())),
	)
	s.auditLog.Info(event, append(all, fields...)...)
}

// remoteAddr is the address logs name for r: the direct peer ("ip:port"),
// or, from a trusted proxy, the client it names in X-Forwarded-For
// followed by "via" and the proxy.
func (s *Server) remoteAddr(r *http.Request) string {
	if !s.trusted.Peer(r.RemoteAddr) {
		return r.RemoteAddr
	}
	ip, _ := s.trusted.Addr(r)
	return ip.String() + " via " + r.RemoteAddr
}

// withRequestID gives a request that arrived without one (no outer
// handler set it in the context) a request ID, so that audit lines and
// error pages can be matched to what the user saw in X-Request-Id.
func withRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if httplog.RequestID(r.Context()) == "" {
			id := httplog.NewRequestID()
			w.Header()[httplog.HeaderRequestID] = []string{id}
			r = r.WithContext(httplog.WithRequestID(r.Context(), id))
		}
		h.ServeHTTP(w, r)
	})
}
