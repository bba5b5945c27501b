package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/oauth2"
)

// TestRevocationAcrossInstancesPostgres: two instances on one PostgreSQL,
// one issuer. A refresh token from the first is rotated at the second;
// the retired token presented to the first again revokes the grant (RFC
// 9700 §4.14.2), and the second's gateway refuses the access token it
// issued itself within one second (LISTEN/NOTIFY; the poll alone would
// take up to five).
func TestRevocationAcrossInstancesPostgres(t *testing.T) {
	storeSection := postgresStore(t)
	backend := httptest.NewServer(&recorder{})
	t.Cleanup(backend.Close)
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	addrA, addrB := freeLoopbackAddr(t), freeLoopbackAddr(t)
	_, portA, _ := net.SplitHostPort(addrA)
	issuer := "http://localhost:" + portA
	for _, addr := range []string{addrA, addrB} {
		serveYAML(t, "instance.yaml", fmt.Sprintf(`server:
  listen: %q
  admin_listen: "127.0.0.1:0"
store:
%sauthserver:
  issuer: %q
  users:
    - username: alice
      password_hash: %q
  clients:
    - id: photo-printer
      secret: %q
      redirect_uris: ["http://127.0.0.1:7/callback"]
      grant_types: [authorization_code, refresh_token]
      scopes: [photos.read]
  scopes:
    photos.read: See the photos you choose
gateway:
  upstreams:
    photos:
      url: %q
  routes:
    - route: "GET /photos/{id}"
      upstream: photos
      scopes: [photos.read]
`, addr, storeSection, issuer, hash, testSecret, backend.URL), nil, nil)
	}
	a, b := "http://"+addrA, "http://"+addrB
	ctx := context.Background()
	conf := func(base string) *oauth2.Config {
		return &oauth2.Config{ClientID: "photo-printer", ClientSecret: testSecret, RedirectURL: "http://127.0.0.1:7/callback",
			Endpoint: oauth2.Endpoint{AuthURL: a + "/oauth2/authorize", TokenURL: base + "/oauth2/token"},
			Scopes:   []string{"photos.read"}}
	}
	c := browser("http://127.0.0.1:7/callback")
	resp, err := c.Get(conf(a).AuthCodeURL("st"))
	if err != nil {
		t.Fatal(err)
	}
	resp = submitFormTo(t, c, resp, "/oauth2/login", map[string]string{"username": "alice", "password": testPassword})
	resp = submitFormTo(t, c, resp, "/oauth2/consent", map[string]string{"decision": "allow"})
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code: status %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	first, err := conf(a).Exchange(ctx, loc.Query().Get("code"))
	if err != nil || first.RefreshToken == "" {
		t.Fatalf("exchange at the first instance: %v (refresh token %q)", err, first.RefreshToken)
	}
	expired := *first
	expired.Expiry = time.Now().Add(-time.Minute)
	second, err := conf(b).TokenSource(ctx, &expired).Token()
	if err != nil || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh at the second instance: %v", err)
	}
	gateway := func() int {
		req, _ := http.NewRequest(http.MethodGet, b+"/photos/42", nil)
		req.Header.Set("Authorization", "Bearer "+second.AccessToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if got := gateway(); got != http.StatusOK {
		t.Fatalf("the second instance's gateway with its fresh token: %d; want 200", got)
	}

	// The retired refresh token comes back at the first instance.
	start := time.Now()
	if _, err := conf(a).TokenSource(ctx, &expired).Token(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("reuse at the first instance: %v; want invalid_grant", err)
	}
	for gateway() != http.StatusUnauthorized {
		if time.Since(start) > time.Second {
			t.Fatalf("the second instance's gateway still accepts the token %s after the grant was revoked on the first", time.Since(start))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("refused at the other instance's gateway %s after the reuse request began", time.Since(start))
}
