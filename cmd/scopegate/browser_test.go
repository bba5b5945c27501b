package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"
)

const galleryRoute = `    - route: "GET /gallery/"
      upstream: photos
      login: browser
`

// TestBrowserSignInThroughGateway signs a person in at a login: browser
// route of a real scopegate: redirect, the server's own login page, back to
// the exact address, the session's identity forwarded, the cookie never;
// then logout ends the gateway session too, even for a copied cookie.
func TestBrowserSignInThroughGateway(t *testing.T) {
	t.Parallel()
	inst := startInstance(t, galleryRoute)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(c *http.Client, path, accept string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", inst.issuer+path, nil)
		req.Header.Set("Accept", accept)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	const want = "/gallery/2024/?sort=date&q=a%2Fb"
	res := get(c, want, "text/html")
	if res.Request.URL.Path != "/oauth2/login" {
		t.Fatalf("landed on %s, want the login page", res.Request.URL)
	}
	res = submitForm(t, c, res, map[string]string{"username": "alice", "password": testPassword})
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.RequestURI() != want {
		t.Fatalf("after sign-in: %d at %s, want 200 at %s\n%s", res.StatusCode, res.Request.URL, want, body)
	}
	h := inst.backend.last(t)
	if h.Get("X-Auth-Subject") != "alice" || h.Get("X-Auth-Client-Id") != gatewayClientID || h.Get("X-Auth-Scope") != "openid" {
		t.Errorf("identity %q %q %q", h.Get("X-Auth-Subject"), h.Get("X-Auth-Client-Id"), h.Get("X-Auth-Scope"))
	}
	if ck := h.Get("Cookie"); strings.Contains(ck, "scopegate") {
		t.Errorf("the backend saw sign-in cookies: %q", ck)
	}

	// A script gets 401, even with Accept: */*.
	noFollow := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	anon := &http.Client{CheckRedirect: noFollow.CheckRedirect}
	if res := get(anon, "/gallery/", "*/*"); res.StatusCode != 401 || res.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("script without session: %d", res.StatusCode)
	}

	// Removing the sign-in's grant on the account page ends the session.
	acct := get(c, "/oauth2/account", "text/html")
	res = submitFormTo(t, c, acct, "/oauth2/account/revoke", nil)
	res.Body.Close()
	if res := get(noFollow, "/gallery/", "text/html"); res.StatusCode != http.StatusSeeOther ||
		!strings.Contains(res.Header.Get("Location"), "prompt=login") {
		t.Errorf("after the grant was revoked: %d to %q, want a sign-in redirect with prompt=login", res.StatusCode, res.Header.Get("Location"))
	}
	// prompt=login asks for a sign-in later than the request, which the
	// server counts in seconds.
	time.Sleep(1100 * time.Millisecond)
	res = get(c, "/gallery/", "text/html")
	if res.Request.URL.Path != "/oauth2/login" {
		t.Fatalf("after the grant was revoked: landed on %s, want the login page", res.Request.URL)
	}
	res = submitForm(t, c, res, map[string]string{"username": "alice", "password": testPassword})
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.Path != "/gallery/" {
		t.Fatalf("signing in again: %d at %s", res.StatusCode, res.Request.URL)
	}
	var copied string
	for _, ck := range jar.Cookies(res.Request.URL) {
		if ck.Name == "scopegate_gateway" {
			copied = ck.Value
		}
	}
	if copied == "" {
		t.Fatal("no gateway session cookie")
	}

	// Logout at the authorization server ends the gateway session.
	acct = get(c, "/oauth2/account", "text/html")
	res = submitFormTo(t, c, acct, "/oauth2/logout", nil)
	res.Body.Close()
	if res := get(noFollow, "/gallery/", "text/html"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d, want a sign-in redirect", res.StatusCode)
	}
	req, _ := http.NewRequest("GET", inst.issuer+"/gallery/", nil)
	req.Header.Set("Cookie", "scopegate_gateway="+copied)
	res, err := anon.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Errorf("a copy of the session cookie after logout: %d, want 401", res.StatusCode)
	}
}
