package printshop

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeAS is a small authorization server: discovery, an authorize endpoint that approves
// (or declines) at once, and a token endpoint that checks the client's credentials and
// the PKCE S256 verifier the way a real server must.
type fakeAS struct {
	srv                    *httptest.Server
	clientID, secret       string
	decline                bool
	token                  string // the access token it issues
	exchanges, codesIssued atomic.Int32

	mu      sync.Mutex
	pending map[string]pendingCode // by code
	lastErr string                 // why the last token request failed

	// With refreshing, the code exchange returns a refresh token, each
	// refresh rotates it, and a retired one counts as reused (as scopegate
	// does, RFC 9700 §4.14.2).
	refreshing        bool
	liveRefresh       string
	refreshes, reused atomic.Int32
	// shopNow, if set, is the shop's clock (Config.Now).
	shopNow func() time.Time
}

type pendingCode struct{ challenge, redirectURI string }

func newFakeAS(t *testing.T) *fakeAS {
	t.Helper()
	as := &fakeAS{clientID: "photo-printer", secret: "s3cret", pending: map[string]pendingCode{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", as.discovery)
	mux.HandleFunc("GET /authorize", as.authorize)
	mux.HandleFunc("POST /token", as.tokenEndpoint)
	as.srv = httptest.NewServer(mux)
	t.Cleanup(as.srv.Close)
	as.token = fakeJWT(map[string]any{
		"iss": as.srv.URL, "sub": "alice", "client_id": "photo-printer", "scope": "photos.read",
		"exp": time.Now().Add(10 * time.Minute).Unix(),
	})
	return as
}

// fakeJWT builds a token-shaped string; the shop only decodes its payload for display.
func fakeJWT(claims map[string]any) string {
	enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	return enc(map[string]string{"alg": "ES256", "typ": "at+jwt"}) + "." + enc(claims) + ".c2lnbmF0dXJl"
}

func (as *fakeAS) discovery(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"issuer":                                         as.srv.URL,
		"authorization_endpoint":                         as.srv.URL + "/authorize",
		"token_endpoint":                                 as.srv.URL + "/token",
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          []string{"client_secret_basic"},
		"authorization_response_iss_parameter_supported": true,
	})
}

func (as *fakeAS) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != as.clientID ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("scope") != "photos.read" {
		http.Error(w, "bad authorization request: "+q.Encode(), http.StatusBadRequest)
		return
	}
	back := url.Values{"state": {q.Get("state")}, "iss": {as.srv.URL}}
	if as.decline {
		back.Set("error", "access_denied")
	} else {
		code := fmt.Sprintf("code-%d", as.codesIssued.Add(1))
		as.mu.Lock()
		as.pending[code] = pendingCode{q.Get("code_challenge"), q.Get("redirect_uri")}
		as.mu.Unlock()
		back.Set("code", code)
	}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
}

func (as *fakeAS) tokenEndpoint(w http.ResponseWriter, r *http.Request) {
	as.exchanges.Add(1)
	fail := func(why string) {
		as.mu.Lock()
		as.lastErr = why
		as.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"invalid_grant"}`))
	}
	id, secret, ok := r.BasicAuth()
	if !ok || id != as.clientID || secret != as.secret {
		fail("bad client credentials")
		return
	}
	if r.PostFormValue("grant_type") == "refresh_token" {
		as.mu.Lock()
		live := as.refreshing && as.liveRefresh != "" && r.PostFormValue("refresh_token") == as.liveRefresh
		if live {
			as.liveRefresh = fmt.Sprintf("rt-%d", as.refreshes.Add(1))
		}
		next := as.liveRefresh
		as.mu.Unlock()
		if !live {
			as.reused.Add(1)
			fail("unknown or retired refresh token")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"access_token": as.token, "token_type": "Bearer", "expires_in": 600, "scope": "photos.read",
			"refresh_token": next,
		})
		return
	}
	code := r.PostFormValue("code")
	as.mu.Lock()
	p, known := as.pending[code]
	delete(as.pending, code)
	as.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	switch {
	case r.PostFormValue("grant_type") != "authorization_code":
		fail("bad grant_type")
	case !known:
		fail("unknown or reused code")
	case r.PostFormValue("redirect_uri") != p.redirectURI:
		fail("redirect_uri differs")
	case base64.RawURLEncoding.EncodeToString(sum[:]) != p.challenge:
		fail("PKCE verifier does not match")
	default:
		resp := map[string]any{
			"access_token": as.token, "token_type": "Bearer", "expires_in": 600, "scope": "photos.read",
		}
		if as.refreshing {
			as.mu.Lock()
			as.liveRefresh = "rt-0"
			as.mu.Unlock()
			resp["refresh_token"] = "rt-0"
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(resp)
	}
}

// fakeGateway stands in for scopegate's gateway: it requires the bearer token, refuses
// POST /photos for lack of photos.write, and otherwise forwards to backend as alice.
type fakeGateway struct {
	srv     *httptest.Server
	token   string
	expired atomic.Bool // when set, every token is rejected as expired
	revoked atomic.Bool // when set, every token is rejected as revoked
	calls   atomic.Int32
}

func newFakeGateway(t *testing.T, token string, backend http.Handler) *fakeGateway {
	t.Helper()
	gw := &fakeGateway{token: token}
	gw.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gw.calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if gw.revoked.Load() {
			// What scopegate's gateway says of a token whose grant was withdrawn.
			w.Header().Set("WWW-Authenticate", `Bearer realm="scopegate", error="invalid_token", error_description="token has been revoked"`)
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"invalid_token","error_description":"token has been revoked"}`))
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+gw.token || gw.expired.Load() {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scopegate", error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"invalid_token"}`))
			return
		}
		if r.Method == http.MethodPost && r.URL.Path == "/photos" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scopegate", error="insufficient_scope", scope="photos.write"`)
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"error":"insufficient_scope","scope":"photos.write"}`))
			return
		}
		w.Header().Del("Content-Type")
		r.Header.Del("Authorization")
		r.Header.Set("X-Auth-Subject", "alice")
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(gw.srv.Close)
	return gw
}

// lateHandler lets a test start the shop's server before the shop exists, because the
// shop's redirect URL must contain the server's address.
type lateHandler struct{ h atomic.Pointer[http.Handler] }

func (l *lateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*l.h.Load()).ServeHTTP(w, r)
}

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	const marker = `name="csrf" value="`
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("no CSRF field in page:\n%s", page)
	}
	rest := page[i+len(marker):]
	return rest[:strings.IndexByte(rest, '"')]
}
