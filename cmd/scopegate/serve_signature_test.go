package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

// TestServeChecksSignatures: the gateway serve builds (newApp) refuses a
// token that is right in every way (its user and client in the config)
// but its signature, for its own issuer
// and for a trusted one, while explain, which skips the signature, lets
// the same token through. If serve's verifier ever skipped signatures
// (token.Config.InsecureSkipSignatureVerification), this fails.
func TestServeChecksSignatures(t *testing.T) {
	t.Parallel()
	back := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(back.Close)
	idp := tokentest.NewIssuer(t)
	front := httptest.NewUnstartedServer(nil)
	issuer := "http://" + front.Listener.Addr().String()
	yaml := fmt.Sprintf(`store: {dsn: %q}
authserver:
  issuer: %q
  scopes: {photos.read: See photos}
  users: [{username: alice, password_hash: "$2a$04$dUikWLwbEmWY2SKeNxjatOG0INMlO3/h2pedCFJ0h.5ksfazxUZEe"}]
  clients: [{id: tokentest-client, redirect_uris: ["http://127.0.0.1:7/callback"], scopes: [photos.read]}]
gateway:
  trusted_issuers: [{issuer: %q, audience: photos-api}]
  upstreams: {api: {url: %q}}
  routes: [{route: "GET /photos/{id}", upstream: api, scopes: [photos.read]}]
`, t.TempDir()+"/db", issuer, idp.URL, back.URL)
	a, f := serveApp(t, front, "sig.yaml", yaml)

	stranger := tokentest.NewKey(t)
	forged := map[string]string{
		"own issuer":     stranger.Sign(t, stranger.Claims(issuer, issuer, "alice", "photos.read")),
		"trusted issuer": stranger.Sign(t, stranger.Claims(idp.URL, "photos-api", "alice", "photos.read"), tokentest.WithKeyID(idp.Key().ID())),
	}
	for name, raw := range forged {
		t.Run(name, func(t *testing.T) {
			if _, err := a.cur.Load().verifier.Verify(context.Background(), raw); !errors.Is(err, token.ErrSignature) {
				t.Errorf("serve's verifier: %v, want %v", err, token.ErrSignature)
			}
			req, _ := http.NewRequest("GET", front.URL+"/photos/1", nil)
			req.Header.Set("Authorization", "Bearer "+raw)
			res, err := front.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Header.Get("WWW-Authenticate"), "invalid_token") {
				t.Errorf("serve answered %d %q to a forged token, want 401 invalid_token", res.StatusCode, res.Header.Get("WWW-Authenticate"))
			}

			var out bytes.Buffer
			if err := explain(&out, f, "GET", &url.URL{Path: "/photos/1"}, nil, caller{token: raw}, time.Now()); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "decision: ALLOW (200)") {
				t.Errorf("explain, which skips the signature, did not allow the token:\n%s", out.String())
			}
		})
	}
}
