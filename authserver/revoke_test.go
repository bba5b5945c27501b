package authserver

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/token"
)

// postForm posts form to path with HTTP Basic client credentials (none
// when basic is nil) and returns the status and body.
func (e *refreshEnv) postForm(t *testing.T, path string, form url.Values, basic []string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != nil {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func (e *refreshEnv) revoke(t *testing.T, tok, hint string, basic []string) int {
	t.Helper()
	form := url.Values{"token": {tok}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	status, _ := e.postForm(t, "/oauth2/revoke", form, basic)
	return status
}

func (e *refreshEnv) introspect(t *testing.T, tok string, basic []string) (int, map[string]any) {
	t.Helper()
	status, body := e.postForm(t, "/oauth2/introspect", url.Values{"token": {tok}}, basic)
	var out map[string]any
	if status == http.StatusOK {
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("introspection body %q: %v", body, err)
		}
	}
	return status, out
}

// otherPrinter is a second confidential client, to show that clients see
// and revoke only their own tokens.
const otherSecret = "other-secret-0123456789abcdef"

func withOtherClient(c *Config) {
	c.Clients = append(c.Clients, Client{ID: "other-app", Secret: otherSecret,
		RedirectURIs: []string{"https://other.example/cb"}, Scopes: []string{"photos.read"}})
}

// TestRevokeEndpoint: RFC 7009 through real HTTP. An access token revoked
// by its client is refused at once; a refresh token revoked by its client
// takes its grant with it; another client's tokens, unknown and garbage
// tokens all get 200 and change nothing; client authentication is
// required.
func TestRevokeEndpoint(t *testing.T) {
	ctx := context.Background()
	e := newRefreshEnv(t, withOtherClient)
	b := newBrowser(t, e.testEnv)
	res := e.tokens(t, b, "photos.read")
	at, rt := str(res.json, "access_token"), str(res.json, "refresh_token")
	other := []string{"other-app", otherSecret}

	for _, tc := range []struct {
		name, tok, hint string
		basic           []string
		want            int
	}{
		{"unknown token", "no-such-token", "", printerAuth, 200},
		{"garbage JWT", "a.b.c", "access_token", printerAuth, 200},
		{"unknown hint", "no-such-token", "id_token", printerAuth, 200},
		{"another client's access token", at, "", other, 200},
		{"another client's refresh token", rt, "refresh_token", other, 200},
		{"another client's refresh token, hinted wrong", rt, "access_token", other, 200},
		{"no client authentication", at, "", nil, 401},
		{"wrong secret", at, "", []string{printerID, "wrong-secret-0123456789"}, 401},
	} {
		if got := e.revoke(t, tc.tok, tc.hint, tc.basic); got != tc.want {
			t.Errorf("%s: status %d; want %d", tc.name, got, tc.want)
		}
	}
	if _, err := e.v.Verify(ctx, at); err != nil {
		t.Fatalf("access token after others' revocation attempts: %v; want valid", err)
	}
	if r := e.refresh(t, rt, nil, printerAuth); r.status != 200 {
		t.Fatalf("refresh token after others' revocation attempts: %d %v; want it to work", r.status, r.json)
	} else {
		at, rt = str(r.json, "access_token"), str(r.json, "refresh_token")
	}
	if status, _ := e.postForm(t, "/oauth2/revoke", url.Values{}, printerAuth); status != 400 {
		t.Errorf("no token parameter: status %d; want 400 invalid_request", status)
	}

	// The owner revokes the access token (no hint: found by its form).
	if got := e.revoke(t, at, "", printerAuth); got != 200 {
		t.Fatalf("revoking own access token: %d", got)
	}
	if _, err := e.v.Verify(ctx, at); !errors.Is(err, token.ErrRevoked) {
		t.Errorf("revoked access token: %v; want ErrRevoked", err)
	}
	// Only that token: the refresh token still works.
	r := e.refresh(t, rt, nil, printerAuth)
	if r.status != 200 {
		t.Fatalf("refresh after revoking an access token: %d %v", r.status, r.json)
	}
	at, rt = str(r.json, "access_token"), str(r.json, "refresh_token")

	// The owner revokes the refresh token, with a wrong hint: found anyway.
	if got := e.revoke(t, rt, "access_token", printerAuth); got != 200 {
		t.Fatalf("revoking own refresh token: %d", got)
	}
	if r := e.refresh(t, rt, nil, printerAuth); r.status != 400 || r.json["error"] != "invalid_grant" {
		t.Errorf("revoked refresh token: %d %v; want invalid_grant", r.status, r.json)
	}
	if _, err := e.v.Verify(ctx, at); !errors.Is(err, token.ErrRevoked) {
		t.Errorf("access token of a revoked refresh token's grant: %v; want ErrRevoked", err)
	}
	if got := e.revoke(t, rt, "refresh_token", printerAuth); got != 200 {
		t.Errorf("revoking again: %d; want 200", got)
	}
}

// TestIntrospectEndpoint: RFC 7662 through real HTTP, for confidential
// clients only; a client sees its own live tokens and {"active":false}
// for everything else.
func TestIntrospectEndpoint(t *testing.T) {
	e := newRefreshEnv(t, withOtherClient)
	b := newBrowser(t, e.testEnv)
	res := e.tokens(t, b, "photos.read profile")
	at, rt := str(res.json, "access_token"), str(res.json, "refresh_token")
	status, got := e.introspect(t, at, printerAuth)
	if status != 200 || got["active"] != true || got["scope"] != "photos.read profile" || got["client_id"] != printerID ||
		got["sub"] != "alice" || got["iss"] != e.ts.URL || got["token_type"] != "Bearer" || got["exp"] == nil || got["iat"] == nil {
		t.Errorf("introspect own access token: %d %v", status, got)
	}
	if aud, _ := got["aud"].([]any); len(aud) != 1 || aud[0] != e.ts.URL {
		t.Errorf("aud = %v; want [%s]", got["aud"], e.ts.URL)
	}
	status, got = e.introspect(t, rt, printerAuth)
	if status != 200 || got["active"] != true || got["token_type"] != "refresh_token" || got["sub"] != "alice" {
		t.Errorf("introspect own refresh token: %d %v", status, got)
	}

	inactive := func(what, tok string, basic []string) {
		t.Helper()
		status, got := e.introspect(t, tok, basic)
		if status != 200 || len(got) != 1 || got["active"] != false {
			t.Errorf("%s: %d %v; want 200 {\"active\":false} and nothing else", what, status, got)
		}
	}
	other := []string{"other-app", otherSecret}
	inactive("another client's access token", at, other)
	inactive("another client's refresh token", rt, other)
	inactive("garbage", "garbage", printerAuth)
	inactive("garbage JWT", "a.b.c", printerAuth)

	if status, _ := e.introspect(t, at, nil); status != 401 {
		t.Errorf("no client authentication: %d; want 401", status)
	}
	status, _ = e.postForm(t, "/oauth2/introspect", url.Values{"token": {at}, "client_id": {mobileID}}, nil)
	if status != 401 {
		t.Errorf("public client: %d; want 401 (confidential clients only)", status)
	}

	// Rotated refresh token, then a revoked grant.
	r := e.refresh(t, rt, nil, printerAuth)
	inactive("rotated refresh token", rt, printerAuth)
	at2, rt2 := str(r.json, "access_token"), str(r.json, "refresh_token")
	if _, got := e.introspect(t, rt2, printerAuth); got["active"] != true {
		t.Errorf("the successor refresh token: %v; want active", got)
	}
	if e.revoke(t, rt2, "", printerAuth) != 200 {
		t.Fatal("revoke failed")
	}
	inactive("access token of a revoked grant", at2, printerAuth)
	inactive("first access token of a revoked grant", at, printerAuth)
	inactive("revoked refresh token", rt2, printerAuth)

	// Expired: move the clock past the access token's lifetime.
	res = e.tokens(t, b, "photos.read")
	e.skew.Add(int64(DefaultAccessTokenTTL + 2*token.DefaultLeeway))
	inactive("expired access token", str(res.json, "access_token"), printerAuth)
}
