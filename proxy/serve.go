package proxy

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/httplog"
	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/token"
)

// exchange is the per-request record the access log reads. It lives on
// the stack of ServeHTTP.
type exchange struct {
	route    *policy.Route
	upstream string
	decision string // "allow", "public" or "deny"
	reason   string
	sub      string
	clientID string
	errorID  string
}

// recorder carries the exchange alongside the status for the access log,
// so that the upstream error handler, which only sees the ResponseWriter,
// can record its verdict too.
type recorder struct {
	httplog.StatusWriter
	ex exchange
}

// ServeHTTP runs the pipeline described in the package doc. The gateway is
// a terminal handler: it edits r.Header in place (ReverseProxy forwards a
// clone of it) and owns r from here on.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var (
		local exchange
		ex    = &local
		rec   *recorder
		start time.Time
	)
	if g.accessLog {
		if httplog.RequestID(r.Context()) == "" {
			// No ID from an outer handler: every log line needs one.
			// Without the access log, an ID is made only for an error.
			id := httplog.NewRequestID()
			w.Header()[httplog.HeaderRequestID] = []string{id}
			r = r.WithContext(httplog.WithRequestID(r.Context(), id))
		}
		start = g.now()
		rec = &recorder{StatusWriter: httplog.StatusWriter{ResponseWriter: w}}
		ex, w = &rec.ex, rec
	}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler { // ReverseProxy aborting a broken response
				g.logAccess(r, rec, start)
				panic(p)
			}
			// Deliberately not the panic value: it may hold request data.
			g.deny(w, r, ex, errPanic)
			g.log.Error("panic serving request", zap.String("request_id", ex.errorID),
				zap.String("panic_type", fmt.Sprintf("%T", p)), zap.StackSkip("stack", 1))
		}
		g.logAccess(r, rec, start)
	}()
	g.serve(w, r, ex)
}

// serve is the fixed pipeline. Each step either denies or falls through.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, ex *exchange) {
	ex.decision = "deny"
	h := r.Header

	// 1. Ambiguity (threat model B.1, B.6).
	if len(h["Authorization"]) > 1 {
		g.deny(w, r, ex, errAmbiguousAuth)
		return
	}
	if hv := h["Host"]; len(hv) > 1 || len(hv) == 1 && hv[0] != r.Host {
		g.deny(w, r, ex, errAmbiguousHost)
		return
	}
	// net/http has already removed the Host header and, for an
	// absolute-form target ("GET http://a/x"), taken r.Host from the URL
	// and ignored the header, so the two can no longer be compared:
	// refuse the form. A host we could not route by is refused too.
	if r.URL.Host != "" || r.URL.Scheme != "" {
		g.deny(w, r, ex, errAbsoluteForm)
		return
	}
	if !validHost(r.Host) {
		g.deny(w, r, ex, errBadHost)
		return
	}
	path := r.URL.EscapedPath()
	if policy.CheckPath(path) != nil {
		g.deny(w, r, ex, errBadPath)
		return
	}

	// 2 and 3. Hop-by-hop tricks (B.5), then identity (B.3), forwarding
	// (B.4) and path- or method-override headers.
	cleanConnection(h)
	scrubHeaders(h, g.trustedPeer(r.RemoteAddr))

	// 4. Route.
	route := g.policy.Match(r.Method, r.Host, path)
	if route == nil {
		g.deny(w, r, ex, errNoRoute)
		return
	}
	ex.route = route
	up := g.upstreams[route.Upstream]
	if up == nil {
		g.deny(w, r, ex, errNoUpstream)
		return
	}
	ex.upstream = up.name
	// Our cookies and the server's sign-in never reach a backend, on any
	// route; the session cookie's values are kept for step 5.
	var cookieBuf [2]string
	var sessionCookies []string
	if len(h["Cookie"]) > 0 {
		sessionCookies = takeCookies(h, g.session, g.strip, cookieBuf[:0])
	}
	if route.Public {
		ex.decision = "public"
		up.forward(w, r)
		return
	}

	// 5. Bearer token, from the Authorization header only.
	if queryHasAccessToken(r.URL.RawQuery) {
		g.deny(w, r, ex, errQueryToken)
		return
	}
	raw, state := bearerToken(h)
	var claims *token.Claims
	person := false // a browser session: refusals are pages
	switch state {
	case bearerMissing:
		if route.Login != policy.LoginBrowser || g.browser == nil {
			g.deny(w, r, ex, errNoToken)
			return
		}
		// 5b. A browser session instead; without one a person is sent
		// to sign in and anything else gets 401.
		if claims, person = g.browserSession(w, r, ex, route, sessionCookies); claims == nil {
			return
		}
	case bearerMalformed:
		g.deny(w, r, ex, errMalformed)
		return
	}

	// 6. Token, then scopes.
	if claims == nil {
		if g.verifier == nil {
			g.deny(w, r, ex, errNoVerifier)
			return
		}
		var err error
		claims, err = g.verifier.Verify(r.Context(), raw)
		switch {
		case errors.Is(err, token.ErrKeysUnavailable):
			g.deny(w, r, ex, errKeys)
			return
		case err != nil:
			g.deny(w, r, ex, invalidToken(err.Error()))
			return
		case claims == nil:
			g.deny(w, r, ex, invalidToken("token refused"))
			return
		}
	}
	ex.sub, ex.clientID = claims.Subject, claims.ClientID
	if route.Missing(claims.Scopes) != nil {
		g.refuse(w, r, ex, insufficientScope(route.Scopes), person)
		return
	}
	// Owner and picked items: a narrowed token holds only what its user
	// picked, and the backend never sees a request for anything else.
	if route.Owner != "" || route.Resource != nil {
		if v := route.CheckItems(path, claims.Subject, claims); v.Deny {
			g.refuse(w, r, ex, itemRefused(v), person)
			return
		}
	}

	// 7. Identity for the backend, then forward.
	setIdentity(h, claims)
	ex.decision = "allow"
	if route.Filter != nil {
		if held, narrowed := route.ListFilterFor(claims); narrowed {
			up.serveFiltered(w, r, route.Filter, held)
			return
		}
	}
	up.forward(w, r)
}

// setIdentity adds the X-Auth-* headers with one allocation for the three
// value slices (plus the joined scope string), each value encoded as
// identityValue says.
func setIdentity(h http.Header, c *token.Claims) {
	v := [...]string{identityValue(c.Subject), identityValue(c.ClientID), identityScope(c.Scopes)}
	vals := v[:]
	h[headerSubject] = vals[0:1:1]
	h[headerClientID] = vals[1:2:2]
	h[headerScope] = vals[2:3:3]
}

// deny writes e and records it for the access log.
func (g *Gateway) deny(w http.ResponseWriter, r *http.Request, ex *exchange, e apiError) {
	ex.decision = "deny"
	ex.reason = e.reason
	ex.errorID = errorID(w, r)
	e.write(w, ex.errorID)
}

// errorID returns the request ID to quote in an error response. A request
// that reached the gateway without one (none from an outer handler, no access
// log) gets a fresh ID here, sent as X-Request-Id, so that successful
// requests pay nothing for it.
func errorID(w http.ResponseWriter, r *http.Request) string {
	if id := httplog.RequestID(r.Context()); id != "" {
		return id
	}
	id := httplog.NewRequestID()
	w.Header()[httplog.HeaderRequestID] = []string{id}
	return id
}

// logAccess writes the access-log line for one request; rec is nil when
// the access log is off.
func (g *Gateway) logAccess(r *http.Request, rec *recorder, start time.Time) {
	if rec == nil {
		return
	}
	ex := &rec.ex
	status := rec.Status
	switch {
	case status == 0 && r.Context().Err() != nil:
		status = 499 // the client went away; not a server fault
	case status == 0 && r.Header.Get("Upgrade") != "":
		status = http.StatusSwitchingProtocols // hijacked by ReverseProxy
	case status == 0:
		status = http.StatusOK
	}
	pattern := ""
	if ex.route != nil {
		pattern = ex.route.Pattern
	}
	httplog.WriteAccess(g.log, r, status, g.now().Sub(start),
		zap.String("route", pattern),
		zap.String("decision", ex.decision),
		zap.String("reason", ex.reason),
		zap.String("upstream", ex.upstream),
		zap.String("sub", ex.sub),
		zap.String("client_id", ex.clientID),
		zap.String("error_id", ex.errorID),
	)
}
