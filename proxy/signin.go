package proxy

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"golang.org/x/oauth2"

	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/token"
)

// signIn is the pending sign-in, sealed in a short-lived cookie between
// the redirect to the authorization server and the callback. Keeping the
// return path here, not in the URL, means nobody can send a browser
// through the callback to an address of their choosing.
type signIn struct {
	State    string `json:"s"`
	Verifier string `json:"v"` // PKCE code_verifier (RFC 7636)
	Return   string `json:"r"`
	SignedIn int64  `json:"a"` // start of the session chain being renewed; 0 for a new one
}

// startSignIn redirects a browser to the authorization server. The request
// may be a POST: its body is not kept, and the browser comes back to the
// same address with GET (303).
func (g *Gateway) startSignIn(w http.ResponseWriter, r *http.Request, ex *exchange, route *policy.Route, prev *liveSession, state sessionState) {
	b := g.browser
	p := signIn{
		State:    randomString(),
		Verifier: oauth2.GenerateVerifier(),
		Return:   returnPath(r.URL.EscapedPath(), r.URL.RawQuery),
	}
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {b.cfg.ClientID},
		"redirect_uri":          {b.callback},
		"scope":                 {strings.TrimSpace("openid " + strings.Join(route.Scopes, " "))},
		"state":                 {p.State},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(p.Verifier)},
		"code_challenge_method": {"S256"},
		// A sign-in at the server older than a session may live does not
		// count (OIDC Core §3.1.2.1).
		"max_age": {strconv.FormatInt(int64(b.cfg.SessionLifetime/time.Second), 10)},
	}
	switch {
	case state == endedSession:
		q.Set("prompt", "login")
	case state == renewSession && prev != nil:
		p.SignedIn = prev.s.SignedIn
	}
	sealed, err := b.signIns.Encode(b.signInName, &p)
	if err != nil {
		g.log.Error("sealing a sign-in", zap.Error(err))
		g.deny(w, r, ex, errNoSessionKeys)
		return
	}
	b.setCookie(w, b.signInName, sealed, int(signInLifetime/time.Second))
	// An ended session's cookie stays until a new one replaces it, so
	// that every page asks for the password until the user signs in.
	ex.reason = "sign in"
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, b.authorize+"?"+q.Encode(), http.StatusSeeOther)
}

// SignInCallback is the handler for [CallbackPath] on the authorization
// server's origin. It checks state against the sealed sign-in cookie,
// redeems the code with the PKCE verifier, verifies the access token
// with the gateway's Verifier and starts a session, then sends the
// browser back to the page it asked for. Without browser login it is 404.
func (g *Gateway) SignInCallback() http.Handler {
	return http.HandlerFunc(g.signInCallback)
}

func (g *Gateway) signInCallback(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // the URL holds a code
	h.Set("X-Frame-Options", "DENY")
	b := g.browser
	if b == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		h.Set("Allow", "GET")
		g.page(w, http.StatusMethodNotAllowed, "Method not allowed", "Sign-in comes back here with GET only.")
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		g.page(w, http.StatusBadRequest, "Sign-in failed", "The sign-in response could not be read.")
		return
	}
	for _, v := range q {
		if len(v) > 1 {
			g.page(w, http.StatusBadRequest, "Sign-in failed", "The sign-in response repeats a parameter.")
			return
		}
	}
	var p signIn
	var sealed []string
	sealed = takeCookies(r.Header, b.signInName, nil, sealed)
	ok := false
	for _, v := range sealed {
		if b.signIns.Decode(b.signInName, v, &p) == nil && p.State != "" &&
			subtle.ConstantTimeCompare([]byte(p.State), []byte(q.Get("state"))) == 1 {
			ok = true
			break
		}
	}
	b.clearCookie(w, b.signInName) // one use, whatever happens next
	switch {
	case !ok:
		g.page(w, http.StatusBadRequest, "Sign-in expired",
			"This sign-in was started too long ago or in another window. Open the page you wanted again.")
		return
	case q.Get("iss") != b.cfg.Issuer:
		// RFC 9207: the response must come from our own server.
		g.page(w, http.StatusBadRequest, "Sign-in failed", "The sign-in response came from an unexpected issuer.")
		return
	case q.Get("error") != "":
		g.page(w, http.StatusForbidden, "Not signed in", "Sign-in was cancelled or refused. Open the page again to retry.")
		return
	case q.Get("code") == "":
		g.page(w, http.StatusBadRequest, "Sign-in failed", "The sign-in response has no code.")
		return
	}
	raw, err := b.cfg.Exchange(r, q.Get("code"), b.callback, p.Verifier)
	if err != nil {
		g.log.Warn("gateway sign-in: code exchange failed", zap.Error(err))
		g.page(w, http.StatusBadRequest, "Sign-in failed", "The sign-in could not be completed. Open the page again to retry.")
		return
	}
	var claims *token.Claims
	if g.verifier != nil {
		claims, err = g.verifier.Verify(r.Context(), raw)
	} else {
		err = errors.New("no verifier")
	}
	if err != nil || claims == nil || claims.ClientID != b.cfg.ClientID || claims.ID == "" {
		g.log.Error("gateway sign-in: the server's token was refused", zap.Error(err))
		g.page(w, http.StatusInternalServerError, "Sign-in failed", "The sign-in could not be completed.")
		return
	}
	now := g.now()
	s := session{
		Subject: claims.Subject, ClientID: claims.ClientID, Scope: oauthrule.FormatScope(claims.Scopes),
		TokenID: claims.ID, GrantID: claims.GrantID, Expiry: claims.Expiry.Unix(), SignedIn: now.Unix(), Seen: now.Unix(),
	}
	if p.SignedIn != 0 && now.Unix()-p.SignedIn < int64(b.cfg.SessionLifetime/time.Second) {
		s.SignedIn = p.SignedIn // a silent renewal does not extend the session's life
	}
	if err := b.writeSession(w, &s); err != nil {
		g.log.Error("gateway sign-in: sealing the session", zap.Error(err))
		g.page(w, http.StatusInternalServerError, "Sign-in failed", "The sign-in could not be completed.")
		return
	}
	dest := p.Return
	if !safeReturnPath(dest) { // checked when sealed; checked again where it is used
		dest = "/"
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

// EndSession ends the browser's gateway session, if it has one: the
// cookie is cleared on w and its token ID returned, with the time until
// which it must stay revoked, for the caller to revoke everywhere. The
// authorization server calls it from its logout.
func (g *Gateway) EndSession(w http.ResponseWriter, r *http.Request) (tokenID string, until time.Time, ok bool) {
	b := g.browser
	if b == nil {
		return "", time.Time{}, false
	}
	var vals []string
	for _, c := range r.Cookies() {
		if c.Name == b.sessionName {
			vals = append(vals, c.Value)
		}
	}
	if len(vals) == 0 {
		return "", time.Time{}, false
	}
	b.clearCookie(w, b.sessionName)
	ls, _ := b.read(vals, g.now())
	if ls == nil {
		return "", time.Time{}, false
	}
	until = time.Unix(ls.s.Expiry, 0).Add(token.DefaultLeeway)
	b.cfg.Revoked.Add(ls.s.TokenID, until)
	return ls.s.TokenID, until, true
}

// page writes an HTML error for a person.
func (g *Gateway) page(w http.ResponseWriter, status int, title, desc string) {
	if g.browser != nil && g.browser.cfg.ErrorPage != nil {
		g.browser.cfg.ErrorPage(w, status, title, desc)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = plainPage.Execute(w, struct{ Title, Desc string }{title, desc})
}

var plainPage = template.Must(template.New("p").Parse(`<!doctype html>
<html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><main><h1>{{.Title}}</h1><p>{{.Desc}}</p></main></html>
`))

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
