package authserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const (
	esClientID     = "es-app"
	esClientSecret = "es-app-secret-0123456789abcdef"
	esRedirect     = "http://127.0.0.1:8082/callback"
)

// withESClient registers a client that asks for ES256 ID tokens.
func withESClient(c *Config) {
	c.Clients = append(c.Clients, Client{ID: esClientID, Secret: esClientSecret, RedirectURIs: []string{esRedirect},
		IDTokenSignedResponseAlg: "ES256"})
}

// oidcLogin runs a code flow for alice through go-oidc's discovery and
// returns the token response.
func oidcLogin(t *testing.T, env *testEnv, clientID, secret, redirect string, scopes ...string) (*oidc.Provider, *oauth2.Token) {
	t.Helper()
	ctx := oidc.ClientContext(context.Background(), env.ts.Client())
	provider, err := oidc.NewProvider(ctx, env.ts.URL)
	if err != nil {
		t.Fatalf("oidc.NewProvider: %v", err)
	}
	conf := &oauth2.Config{ClientID: clientID, ClientSecret: secret, RedirectURL: redirect,
		Endpoint: provider.Endpoint(), Scopes: scopes}
	v := oauth2.GenerateVerifier()
	b := newBrowser(t, env)
	q := redirectParams(t, b.authorize(conf.AuthCodeURL("state", oauth2.S256ChallengeOption(v), oidc.Nonce("nonce-"+clientID)), "alice", alicePassword))
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	return provider, tok
}

// jwtHeader decodes the protected header of a compact JWS.
func jwtHeader(t *testing.T, raw string) map[string]any {
	t.Helper()
	h, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("header: %v", err)
	}
	return m
}

// TestIDTokenDefaultsForRelyingParties: go-oidc on its default settings
// (RS256 only) verifies our ID token, which carries every claim a relying
// party checks; a client registered for ES256 gets ES256; access tokens
// stay ES256 either way.
func TestIDTokenDefaultsForRelyingParties(t *testing.T) {
	env := newTestServer(t, withESClient)
	ctx := oidc.ClientContext(context.Background(), env.ts.Client())
	for _, tc := range []struct {
		name, client, secret, redirect, alg string
		verifierAlgs                        []string
	}{
		{"default RS256", printerID, printerSecret, printerRedir, "RS256", nil},
		{"registered ES256", esClientID, esClientSecret, esRedirect, "ES256", []string{"ES256"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			provider, tok := oidcLogin(t, env, tc.client, tc.secret, tc.redirect, "openid", "profile", "email")
			raw, _ := tok.Extra("id_token").(string)
			if h := jwtHeader(t, raw); h["alg"] != tc.alg || h["typ"] != "JWT" || h["kid"] == "" {
				t.Errorf("ID token header %v, want alg %s typ JWT and a kid", h, tc.alg)
			}
			if h := jwtHeader(t, tok.AccessToken); h["alg"] != "ES256" || h["typ"] != "at+jwt" {
				t.Errorf("access token header %v, want ES256 at+jwt", h)
			}
			idt, err := provider.Verifier(&oidc.Config{ClientID: tc.client, SupportedSigningAlgs: tc.verifierAlgs}).Verify(ctx, raw)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash: %v", err)
			}
			var c struct {
				AZP           string   `json:"azp"`
				AMR           []string `json:"amr"`
				AuthTime      int64    `json:"auth_time"`
				Nonce         string   `json:"nonce"`
				Name          string   `json:"name"`
				Email         string   `json:"email"`
				EmailVerified *bool    `json:"email_verified"`
			}
			if err := idt.Claims(&c); err != nil {
				t.Fatal(err)
			}
			if idt.Subject != "alice" || !slices.Equal(idt.Audience, []string{tc.client}) || c.AZP != tc.client {
				t.Errorf("sub %q aud %v azp %q, want alice and %s", idt.Subject, idt.Audience, c.AZP, tc.client)
			}
			if !slices.Equal(c.AMR, []string{"pwd"}) || c.AuthTime == 0 || c.Nonce != "nonce-"+tc.client {
				t.Errorf("amr %v auth_time %d nonce %q, want [pwd], a time and our nonce", c.AMR, c.AuthTime, c.Nonce)
			}
			if c.Name != "Alice Liddell" || c.Email != "alice@example.com" || c.EmailVerified == nil || !*c.EmailVerified {
				t.Errorf("name %q email %q verified %v, want alice's profile", c.Name, c.Email, c.EmailVerified)
			}
		})
	}
}

// TestClaimsFollowScopes: name needs profile, email needs email; openid
// alone releases only the subject, in the ID token and at userinfo.
func TestClaimsFollowScopes(t *testing.T) {
	env := newTestServer(t, nil)
	ctx := oidc.ClientContext(context.Background(), env.ts.Client())
	for _, tc := range []struct {
		scopes          []string
		wantName, wantE bool
	}{
		{[]string{"openid"}, false, false},
		{[]string{"openid", "profile"}, true, false},
		{[]string{"openid", "email"}, false, true},
	} {
		t.Run(strings.Join(tc.scopes, "+"), func(t *testing.T) {
			provider, tok := oidcLogin(t, env, printerID, printerSecret, printerRedir, tc.scopes...)
			raw, _ := tok.Extra("id_token").(string)
			idt, err := provider.Verifier(&oidc.Config{ClientID: printerID}).Verify(ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatal(err)
			}
			for where, claims := range map[string]interface{ Claims(any) error }{"id token": idt, "userinfo": info} {
				var m map[string]any
				_ = claims.Claims(&m)
				_, hasName := m["name"]
				_, hasEmail := m["email"]
				_, hasVerified := m["email_verified"]
				if hasName != tc.wantName || hasEmail != tc.wantE || hasVerified != tc.wantE || m["sub"] != "alice" {
					t.Errorf("%s claims %v: want name %v, email %v", where, m, tc.wantName, tc.wantE)
				}
			}
		})
	}
}

// TestUserinfoMethods: GET and POST with the Authorization header, POST
// with a form-encoded access_token (RFC 6750 §2.2), and RFC 6750 errors
// for everything else.
func TestUserinfoMethods(t *testing.T) {
	env := newTestServer(t, nil)
	_, tok := oidcLogin(t, env, printerID, printerSecret, printerRedir, "openid", "profile")
	_, noOpenID := oidcLogin(t, env, printerID, printerSecret, printerRedir, "photos.read")
	form := func(v ...string) string {
		q := url.Values{}
		for i := 0; i < len(v); i += 2 {
			q.Add(v[i], v[i+1])
		}
		return q.Encode()
	}
	tests := []struct {
		name, method, auth, body, ctype string
		want                            int
		wantErr                         string
	}{
		{"GET header", "GET", "Bearer " + tok.AccessToken, "", "", 200, ""},
		{"POST header", "POST", "Bearer " + tok.AccessToken, "", "", 200, ""},
		{"POST body", "POST", "", form("access_token", tok.AccessToken), "application/x-www-form-urlencoded", 200, ""},
		{"lowercase scheme", "GET", "bearer " + tok.AccessToken, "", "", 200, ""},
		{"no token", "POST", "", "", "", 401, ""},
		{"header and body", "POST", "Bearer " + tok.AccessToken, form("access_token", tok.AccessToken), "application/x-www-form-urlencoded", 400, "invalid_request"},
		{"body twice", "POST", "", form("access_token", tok.AccessToken, "access_token", tok.AccessToken), "application/x-www-form-urlencoded", 400, "invalid_request"},
		{"empty Bearer", "GET", "Bearer ", "", "", 400, "invalid_request"},
		{"body on GET", "GET", "", form("access_token", tok.AccessToken), "application/x-www-form-urlencoded", 401, ""},
		{"JSON body", "POST", "", `{"access_token":"` + tok.AccessToken + `"}`, "application/json", 401, ""},
		{"bad token", "POST", "Bearer " + tok.AccessToken + "x", "", "", 401, "invalid_token"},
		{"without openid", "GET", "Bearer " + noOpenID.AccessToken, "", "", 403, "insufficient_scope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, env.ts.URL+"/oauth2/userinfo", strings.NewReader(tc.body))
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			resp, err := env.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			challenge := resp.Header.Get("WWW-Authenticate")
			switch {
			case tc.want == 200:
				var m map[string]any
				if json.Unmarshal(body, &m) != nil || m["sub"] != "alice" || m["name"] != "Alice Liddell" {
					t.Errorf("body %s, want alice's claims", body)
				}
			case tc.want == 401 && tc.wantErr == "":
				if challenge != `Bearer realm="scopegate"` {
					t.Errorf("WWW-Authenticate %q, want a bare Bearer challenge", challenge)
				}
			default:
				if !strings.Contains(challenge, `error="`+tc.wantErr+`"`) {
					t.Errorf("WWW-Authenticate %q, want error %s", challenge, tc.wantErr)
				}
			}
			if tc.wantErr != "" && !strings.Contains(string(body), `"error":"`+tc.wantErr+`"`) {
				t.Errorf("body %s, want error %s", body, tc.wantErr)
			}
		})
	}
}
