package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestRemovedHolderRefusedAtGateway: removing a token's client or user
// from the config ends the token at the gateway with the reload, not when
// it expires; putting the client back makes it good again, as nothing
// was revoked in the store. The user's session on a login: browser route
// ends with the user too.
func TestRemovedHolderRefusedAtGateway(t *testing.T) {
	inst := startInstance(t, galleryRoute)
	tok := codeFlowToken(t, inst)
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	gallery := func() int {
		t.Helper()
		req, _ := http.NewRequest("GET", inst.issuer+"/gallery/", nil)
		req.Header.Set("Accept", "text/html")
		res, err := web.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	signIn := &http.Client{Jar: jar}
	req, _ := http.NewRequest("GET", inst.issuer+"/gallery/", nil)
	req.Header.Set("Accept", "text/html")
	res, err := signIn.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res = submitForm(t, signIn, res, map[string]string{"username": "alice", "password": testPassword})
	res.Body.Close()
	if got := gallery(); got != http.StatusOK {
		t.Fatalf("alice's gallery after signing in: %d, want 200", got)
	}

	steps := []struct {
		name, yaml string
		want       int
	}{
		{"before", inst.yaml, http.StatusOK},
		{"client removed", strings.Replace(inst.yaml, "id: photo-printer", "id: photo-printer-2", 1), http.StatusUnauthorized},
		{"client back", inst.yaml, http.StatusOK},
		{"user removed", strings.Replace(inst.yaml, "username: alice", "username: bob", 1), http.StatusUnauthorized},
	}
	for _, s := range steps {
		if s.name != "before" {
			if err := inst.reloadNow(s.yaml); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		if got := gatewayStatus(t, inst.issuer, tok); got != s.want {
			t.Errorf("%s: the gateway answered alice's token with %d; want %d", s.name, got, s.want)
		}
	}
	if got := gallery(); got != http.StatusSeeOther {
		t.Errorf("alice's gallery session after she was removed: %d, want 303 to sign in again", got)
	}
}

// codeFlowToken runs the printer's authorization code flow with PKCE for
// alice at inst and returns the access token.
func codeFlowToken(t *testing.T, inst *instance) string {
	t.Helper()
	conf := oauth2.Config{ClientID: "photo-printer", ClientSecret: testSecret, RedirectURL: inst.callback,
		Endpoint: oauth2.Endpoint{AuthURL: inst.issuer + "/oauth2/authorize", TokenURL: inst.issuer + "/oauth2/token"},
		Scopes:   []string{"photos.read"}}
	verifier := oauth2.GenerateVerifier()
	b := browser(inst.callback)
	resp, err := b.Get(conf.AuthCodeURL("state-0123456789abcdef", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	resp = submitForm(t, b, resp, map[string]string{"username": "alice", "password": testPassword})
	resp = submitForm(t, b, resp, map[string]string{"decision": "allow"})
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("consent: %v", err)
	}
	tok, err := conf.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok.AccessToken
}
