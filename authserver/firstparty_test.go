package authserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"
)

const gatewayID = "scopegate-gateway"

// gatewayRedirect is the callback on another spelling of the loopback
// host, so that the test browser stops there as it does for other clients.
func gatewayRedirect(issuer string) string {
	return strings.Replace(issuer, "127.0.0.1", "localhost", 1) + "/oauth2/gateway/callback"
}

func withGateway(calls *atomic.Int32) func(*Config) {
	return func(c *Config) {
		c.Clients = append(c.Clients, Client{ID: gatewayID, Secret: "unknowable-secret-0123456789",
			RedirectURIs: []string{gatewayRedirect(c.Issuer)}, Scopes: []string{"photos.read"}, FirstParty: true})
		c.OnLogout = func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			http.SetCookie(w, &http.Cookie{Name: "scopegate_gateway", Value: "", MaxAge: -1, Path: "/"})
		}
	}
}

// The gateway signs people in to pages of this product: no consent page,
// and its code is redeemed in-process with the PKCE verifier.
func TestFirstPartyClientSkipsConsentAndExchangesInProcess(t *testing.T) {
	var calls atomic.Int32
	env := newTestServer(t, withGateway(&calls))
	b := newBrowser(t, env)
	verifier := oauth2.GenerateVerifier()
	redirect := gatewayRedirect(env.ts.URL)
	authURL := env.authURL(url.Values{
		"response_type": {"code"}, "client_id": {gatewayID}, "redirect_uri": {redirect},
		"scope": {"openid photos.read"}, "state": {"s1"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
	})
	p := b.follow(b.get(authURL))
	if !strings.Contains(p.body, `name="password"`) {
		t.Fatalf("want the login page, got %d", p.status)
	}
	p = b.follow(b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}}))
	if strings.Contains(p.body, `value="allow"`) {
		t.Fatal("a first-party client was shown the consent page")
	}
	q := redirectParams(t, p)
	if q.Get("state") != "s1" || q.Get("code") == "" {
		t.Fatalf("redirect params %v", q)
	}
	ctx := httptest.NewRequest("GET", "/oauth2/gateway/callback", nil)
	if _, err := env.srv.ExchangeCode(ctx, gatewayID, q.Get("code"), redirect, "wrong-verifier-wrong-verifier-wrong-verifier"); err == nil {
		t.Fatal("a wrong PKCE verifier was accepted")
	}
	// The failed attempt used the code up, as at the token endpoint.
	p = b.follow(b.get(authURL))
	code := redirectParams(t, p).Get("code")
	at, err := env.srv.ExchangeCode(ctx, gatewayID, code, redirect, verifier)
	if err != nil {
		t.Fatalf("ExchangeCode: %v", err)
	}
	claims, err := env.srv.verifier.Verify(context.Background(), at)
	if err != nil || claims.Subject != "alice" || claims.ClientID != gatewayID {
		t.Fatalf("token: %+v, %v", claims, err)
	}
	if _, err := env.srv.ExchangeCode(ctx, gatewayID, code, redirect, verifier); err == nil {
		t.Fatal("a code was redeemed twice")
	}
	// Nobody can redeem the gateway's codes at the token endpoint without
	// its secret, nor third-party codes in-process.
	p = b.follow(b.get(authURL))
	code = redirectParams(t, p).Get("code")
	res, err := http.PostForm(env.ts.URL+"/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {gatewayID}, "redirect_uri": {redirect}, "code_verifier": {verifier}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusBadRequest {
		t.Fatalf("token endpoint without the secret: %d", res.StatusCode)
	}
	if _, err := env.srv.ExchangeCode(ctx, printerID, "x", printerRedir, verifier); err == nil {
		t.Fatal("ExchangeCode served a third-party client")
	}

	// Logout runs the hook, whose cookie reaches the browser.
	acct := b.get("/oauth2/account")
	p = b.submit(acct, "/oauth2/logout", nil)
	if p.status != http.StatusSeeOther || calls.Load() != 1 {
		t.Fatalf("logout: %d, hook ran %d times", p.status, calls.Load())
	}
	if !strings.Contains(strings.Join(p.header.Values("Set-Cookie"), "\n"), "scopegate_gateway=;") {
		t.Errorf("the hook's cookie was not sent: %q", p.header.Values("Set-Cookie"))
	}
}
