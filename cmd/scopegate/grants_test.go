package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
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
// startInstances starts one scopegate per address on one store (a
// store: section body) and one issuer, the first address's, with a
// printer client that may refresh and a gateway route to a backend; it
// returns their base URLs.
func startInstances(t *testing.T, storeSection string, n int) []string {
	t.Helper()
	backend := httptest.NewServer(&recorder{})
	t.Cleanup(backend.Close)
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	var addrs, urls []string
	for range n {
		addr := freeLoopbackAddr(t)
		addrs, urls = append(addrs, addr), append(urls, "http://"+addr)
	}
	_, port, _ := net.SplitHostPort(addrs[0])
	issuer := "http://localhost:" + port
	for _, addr := range addrs {
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
	return urls
}

// printerConf is the printer's OAuth configuration, signing in at the
// instance auth and redeeming and refreshing at the instance tokens.
func printerConf(auth, tokens string) *oauth2.Config {
	return &oauth2.Config{ClientID: "photo-printer", ClientSecret: testSecret, RedirectURL: "http://127.0.0.1:7/callback",
		Endpoint: oauth2.Endpoint{AuthURL: auth + "/oauth2/authorize", TokenURL: tokens + "/oauth2/token"},
		Scopes:   []string{"photos.read"}}
}

// signInPrinter runs the code flow for alice at base and returns her
// browser (signed in there) and the printer's tokens.
func signInPrinter(t *testing.T, base string) (*http.Client, *oauth2.Token) {
	t.Helper()
	c := browser("http://127.0.0.1:7/callback")
	resp, err := c.Get(printerConf(base, base).AuthCodeURL("st"))
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
	tok, err := printerConf(base, base).Exchange(context.Background(), loc.Query().Get("code"))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange: %v (refresh token %q)", err, tok.RefreshToken)
	}
	return c, tok
}

// gatewayStatus calls the photo route of base's gateway with the access
// token and returns the status.
func gatewayStatus(t *testing.T, base, accessToken string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/photos/42", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// TestAccountRemovalRefusedAtGateway: removing the app on the account
// page refuses its live access token at the gateway with the very next
// request, and its refresh token no longer works.
func TestAccountRemovalRefusedAtGateway(t *testing.T) {
	base := startInstances(t, fmt.Sprintf("  dsn: %q\n", filepath.Join(t.TempDir(), "s.db")), 1)[0]
	c, tok := signInPrinter(t, base)
	if got := gatewayStatus(t, base, tok.AccessToken); got != http.StatusOK {
		t.Fatalf("gateway before removal: %d; want 200", got)
	}
	resp, err := c.Get(base + "/oauth2/account")
	if err != nil {
		t.Fatal(err)
	}
	resp = submitFormTo(t, c, resp, "/oauth2/account/revoke", nil)
	resp.Body.Close()
	if got := gatewayStatus(t, base, tok.AccessToken); got != http.StatusUnauthorized {
		t.Errorf("gateway right after the app was removed: %d; want 401", got)
	}
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	if _, err := printerConf(base, base).TokenSource(context.Background(), &expired).Token(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("refresh after removal: %v; want invalid_grant", err)
	}
}

// TestRevocationAcrossInstancesPostgres: two instances on one PostgreSQL,
// one issuer. A refresh token from the first is rotated at the second;
// the retired token presented to the first again revokes the grant (RFC
// 9700 §4.14.2), and the second's gateway refuses the access token it
// issued itself within one second (LISTEN/NOTIFY; the poll alone would
// take up to five).
func TestRevocationAcrossInstancesPostgres(t *testing.T) {
	urls := startInstances(t, postgresStore(t), 2)
	a, b := urls[0], urls[1]
	ctx := context.Background()
	_, first := signInPrinter(t, a)
	expired := *first
	expired.Expiry = time.Now().Add(-time.Minute)
	second, err := printerConf(a, b).TokenSource(ctx, &expired).Token()
	if err != nil || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh at the second instance: %v", err)
	}
	if got := gatewayStatus(t, b, second.AccessToken); got != http.StatusOK {
		t.Fatalf("the second instance's gateway with its fresh token: %d; want 200", got)
	}

	// The retired refresh token comes back at the first instance.
	start := time.Now()
	if _, err := printerConf(a, a).TokenSource(ctx, &expired).Token(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("reuse at the first instance: %v; want invalid_grant", err)
	}
	for gatewayStatus(t, b, second.AccessToken) != http.StatusUnauthorized {
		if time.Since(start) > time.Second {
			t.Fatalf("the second instance's gateway still accepts the token %s after the grant was revoked on the first", time.Since(start))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("refused at the other instance's gateway %s after the reuse request began", time.Since(start))
}

// TestConcurrentRefreshAcrossInstancesPostgres: one refresh token sent
// many times at once, half to each of two instances sharing PostgreSQL:
// exactly one request gets tokens (RFC 9700 §4.14.2 rotation decided by
// one conditional write in the shared store).
func TestConcurrentRefreshAcrossInstancesPostgres(t *testing.T) {
	urls := startInstances(t, postgresStore(t), 2)
	_, tok := signInPrinter(t, urls[0])
	const n = 16
	statuses := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, urls[i%2]+"/oauth2/token", strings.NewReader(url.Values{
				"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("photo-printer", testSecret)
			<-start
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses[i] = res.StatusCode
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			won++
		case http.StatusBadRequest:
		default:
			t.Errorf("a refresh answered %d; want 200 or 400", s)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent refreshes on two instances won (statuses %v); want exactly 1", won, n, statuses)
	}
}
