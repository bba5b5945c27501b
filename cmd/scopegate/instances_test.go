package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"

	"github.com/scopegate/scopegate/config"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/postgres"
)

// cluster is several scopegate instances on one store behind a test load
// balancer, as DESIGN.md "Operations" describes: one issuer URL (the
// balancer's), each instance on its own 127.0.0.1 listener.
type cluster struct {
	issuer    string   // the balancer
	instances []string // each instance's own base URL
	admins    []string // each instance's admin base URL
	target    atomic.Int32
	backend   *recorder
	callback  string
}

// clusterConfig is the config every instance of a cluster runs, but for
// its listen address.
func clusterConfig(listen, issuer, storeSection, backend string, hash []byte) string {
	return fmt.Sprintf(`server:
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
      name: PrintMyPhotos
      secret: %q
      redirect_uris: ["http://127.0.0.1:7/callback"]
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
`, listen, storeSection, issuer, hash, testSecret, backend)
}

// startCluster starts n instances on storeSection at the same moment (so
// that whatever they do at start, such as a due key rotation, races) and
// a balancer in front that sends every request to c.target.
func startCluster(t *testing.T, n int, storeSection string) *cluster {
	t.Helper()
	rec := &recorder{}
	backend := newBackend(t, rec)
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{issuer: "http://" + lb.Addr().String(), backend: rec, callback: "http://127.0.0.1:7/callback"}
	var starts []func() (string, error)
	for i := range n {
		addr := freeLoopbackAddr(t)
		c.instances = append(c.instances, "http://"+addr)
		yaml := clusterConfig(addr, c.issuer, storeSection, backend, hash)
		file, err := config.Parse(fmt.Sprintf("instance-%d.yaml", i), []byte(yaml), func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatalf("instance %d config: %v", i, err)
		}
		starts = append(starts, launch(t, fmt.Sprintf("instance %d", i), file))
	}
	for _, wait := range starts {
		admin, err := wait()
		if err != nil {
			t.Fatal(err)
		}
		c.admins = append(c.admins, admin)
	}
	targets := make([]*url.URL, n)
	for i, u := range c.instances {
		targets[i], _ = url.Parse(u)
	}
	// The balancer keeps the Host the client asked for, as a TLS-terminating
	// load balancer does, so every instance sees the issuer's host.
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(targets[c.target.Load()])
		pr.Out.Host = pr.In.Host
	}}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(lb)
	t.Cleanup(func() { srv.Close() })
	return c
}

// newBackend serves rec until the test ends and returns its URL.
func newBackend(t *testing.T, rec *recorder) string {
	ts := httptest.NewServer(rec)
	t.Cleanup(ts.Close)
	return ts.URL
}

// replaceOnce replaces old, which must occur in s.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("%q not found", old)
	}
	return strings.Replace(s, old, new, 1)
}

// launch runs serve() with file until the test ends, and returns a
// function that waits for it to listen and gives its admin base URL. It
// may be called for several instances before any of them is waited for.
func launch(t *testing.T, name string, file *config.File) (wait func() (string, error)) {
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan net.Addr, 1)
	done := make(chan error, 1)
	opts := serveOptions{logger: zap.NewNop(), started: func(_, admin net.Addr) { started <- admin }}
	go func() { done <- serve(ctx, file, opts) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%s returned %v after shutdown", name, err)
		}
	})
	return func() (string, error) {
		select {
		case a := <-started:
			return "http://" + a.String(), nil
		case err := <-done:
			done <- err
			return "", fmt.Errorf("%s: serve: %v", name, err)
		case <-time.After(30 * time.Second):
			return "", fmt.Errorf("%s did not start", name)
		}
	}
}

// code runs the authorization code flow through the balancer, sent to
// instance on, and returns the code and its PKCE verifier.
func (c *cluster) code(t *testing.T, on int) (code, verifier string) {
	t.Helper()
	c.target.Store(int32(on))
	verifier = strings.Repeat("v", 43) + fmt.Sprint(time.Now().UnixNano())
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {"photo-printer"}, "redirect_uri": {c.callback},
		"scope": {"photos.read"}, "state": {"state-0123456789"}, "code_challenge_method": {"S256"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}}
	b := browser(c.callback)
	resp, err := b.Get(c.issuer + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp = submitForm(t, b, resp, map[string]string{"username": "alice", "password": testPassword})
	if resp.StatusCode == http.StatusOK { // first time: the consent page
		resp = submitForm(t, b, resp, map[string]string{"decision": "allow"})
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("no redirect to the client after sign-in (status %d): %v", resp.StatusCode, err)
	}
	if code = loc.Query().Get("code"); code == "" {
		t.Fatalf("no code in %s", loc.Redacted())
	}
	return code, verifier
}

// exchange redeems code at instance i directly, with the balancer's Host.
func (c *cluster) exchange(t *testing.T, i int, code, verifier string) (int, map[string]any) {
	st, body, err := c.redeem(i, code, verifier)
	if err != nil {
		t.Error(err)
	}
	return st, body
}

// exchangeQuiet is exchange for a server that may die: a failed request
// is status 0.
func (c *cluster) exchangeQuiet(i int, code, verifier string) (int, map[string]any) {
	st, body, err := c.redeem(i, code, verifier)
	if err != nil {
		return 0, nil
	}
	return st, body
}

func (c *cluster) redeem(i int, code, verifier string) (int, map[string]any, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.callback}, "code_verifier": {verifier}}
	res, err := c.postAsClient(i, "/oauth2/token", form)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return 0, nil, fmt.Errorf("token response from instance %d: %v", i, err)
	}
	return res.StatusCode, body, nil
}

// postAsClient posts form to path at instance i directly, with the
// balancer's Host and the client's credentials.
func (c *cluster) postAsClient(i int, path string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequest("POST", c.instances[i]+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Host = strings.TrimPrefix(c.issuer, "http://")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("photo-printer", testSecret)
	return http.DefaultClient.Do(req)
}

// acceptedEverywhere gets a code from instance issueOn, redeems it at
// redeemOn, checks that every instance's gateway accepts the access token
// and returns it.
func (c *cluster) acceptedEverywhere(t *testing.T, issueOn, redeemOn int) string {
	t.Helper()
	code, verifier := c.code(t, issueOn)
	status, body := c.exchange(t, redeemOn, code, verifier)
	if status != http.StatusOK {
		t.Fatalf("code from instance %d redeemed on instance %d: %d %v; want 200", issueOn, redeemOn, status, body)
	}
	at, _ := body["access_token"].(string)
	for i := range c.instances {
		if got := c.get(t, i, "/photos/42", at); got != http.StatusOK {
			t.Fatalf("GET /photos/42 on instance %d with the token: %d, want 200", i, got)
		}
	}
	return at
}

// revoke sends an RFC 7009 revocation of tok to instance i directly and
// returns the status.
func (c *cluster) revoke(t *testing.T, i int, tok string) int {
	t.Helper()
	res, err := c.postAsClient(i, "/oauth2/revoke", url.Values{"token": {tok}, "token_type_hint": {"access_token"}})
	if err != nil {
		t.Fatalf("revoke on instance %d: %v", i, err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// get sends a GET with a bearer token to instance i directly.
func (c *cluster) get(t *testing.T, i int, path, token string) int {
	t.Helper()
	req, err := http.NewRequest("GET", c.instances[i]+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = strings.TrimPrefix(c.issuer, "http://")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s on instance %d: %v", path, i, err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// TestThreeInstancesOnePostgres: three instances on one PostgreSQL behave
// as one (issue 11, DESIGN.md "Operations"): a key due for rotation is
// rotated by exactly one of them, a code issued on one is redeemed on
// another, a code redeemed on two at once has one winner, a revocation at
// one is refused by all within one second, and the login limit is counted
// across all three.
func TestThreeInstancesOnePostgres(t *testing.T) {
	dsn := postgresDSN(t)
	due := seedDueKey(t, dsn)
	c := startCluster(t, 3, storeSection(dsn))

	t.Run("KeyRotatedByExactlyOne", func(t *testing.T) {
		keys := storedKeys(t, dsn)
		var es, rs []store.SigningKey
		for _, k := range keys {
			switch k.Algorithm {
			case "ES256":
				es = append(es, k)
			case "RS256":
				rs = append(rs, k)
			}
		}
		if len(es) != 2 || es[1].ID != due || es[0].Replaces != due {
			t.Fatalf("ES256 keys after three instances started with one due = %v; want the due key and one replacing it", keyIDs(es))
		}
		if len(rs) != 1 {
			t.Fatalf("RS256 keys after three instances started on an empty store = %v; want one", keyIDs(rs))
		}
		code, verifier := c.code(t, 0)
		status, body := c.exchange(t, 1, code, verifier)
		if status != http.StatusOK {
			t.Fatalf("exchange: %d %v", status, body)
		}
		if kid := tokenKid(t, body["access_token"].(string)); kid != es[0].ID {
			t.Errorf("access token signed with %s; want the rotated key %s", kid, es[0].ID)
		}
	})

	t.Run("CodeIssuedOnOneRedeemedOnAnother", func(t *testing.T) {
		c.acceptedEverywhere(t, 0, 1)
	})

	t.Run("CodeRedeemedOnTwoAtOnce", func(t *testing.T) {
		for round := range 3 {
			code, verifier := c.code(t, round%3)
			statuses := make([]int, 2)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for j := range 2 {
				wg.Go(func() {
					<-start
					statuses[j], _ = c.exchange(t, (round+1+j)%3, code, verifier)
				})
			}
			close(start)
			wg.Wait()
			ok := 0
			for _, s := range statuses {
				if s == http.StatusOK {
					ok++
				} else if s != http.StatusBadRequest {
					t.Errorf("round %d: a redemption answered %d; want 200 or 400", round, s)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: statuses %v; want exactly one 200", round, statuses)
			}
		}
	})

	// Before the login limit, which locks alice out from 127.0.0.1 for the
	// rest of the test.
	t.Run("RevocationSeenOnAllWithinOneSecond", func(t *testing.T) {
		at := c.acceptedEverywhere(t, 0, 0)
		start := time.Now()
		if got := c.revoke(t, 1, at); got != http.StatusOK {
			t.Fatalf("revoking the access token at instance 1: %d, want 200", got)
		}
		// Instance 1 refuses at once; the others within one second (the
		// poll alone would take up to five).
		if got := c.get(t, 1, "/photos/42", at); got != http.StatusUnauthorized {
			t.Errorf("the revoking instance's gateway right after the revocation: %d, want 401", got)
		}
		for _, i := range []int{0, 2} {
			for c.get(t, i, "/photos/42", at) != http.StatusUnauthorized {
				if time.Since(start) > time.Second {
					t.Fatalf("instance %d still accepts the token %s after it was revoked at instance 1", i, time.Since(start))
				}
				time.Sleep(5 * time.Millisecond)
			}
			t.Logf("instance %d refuses the revoked token %s after the revocation began", i, time.Since(start))
		}
	})

	t.Run("LoginLimitAcrossAll", func(t *testing.T) {
		b := browser(c.callback)
		for i := range 5 {
			c.target.Store(int32(i % 3))
			status := c.login(t, b, "wrong password")
			if status != http.StatusUnauthorized {
				t.Fatalf("failure %d on instance %d: status %d, want 401", i+1, i%3, status)
			}
		}
		// Instance 2 saw one failure; instance 1, two.
		for _, i := range []int{2, 1} {
			c.target.Store(int32(i))
			if status := c.login(t, b, testPassword); status != http.StatusTooManyRequests {
				t.Errorf("after five failures spread over three instances, the right password on instance %d: status %d, want 429", i, status)
			}
		}
	})
}

// login loads the login page and submits alice with password through
// the balancer, and returns the status of the answer.
func (c *cluster) login(t *testing.T, b *http.Client, password string) int {
	t.Helper()
	page, err := b.Get(c.issuer + "/oauth2/login")
	if err != nil {
		t.Fatal(err)
	}
	// A successful sign-in redirects to the account page; stop there.
	b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res := submitForm(t, b, page, map[string]string{"username": "alice", "password": password})
	res.Body.Close()
	return res.StatusCode
}

// seedDueKey stores, before any instance starts, an ES256 key that is
// still valid but due for rotation, and returns its ID.
func seedDueKey(t *testing.T, dsn string) string {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("opening the store: %v", err)
	}
	defer db.Close()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	k := store.SigningKey{ID: "due-key", Algorithm: "ES256", PrivateKey: der,
		CreatedAt: now.Add(-87 * 24 * time.Hour), ExpiresAt: now.Add(3 * 24 * time.Hour), Replaces: "-"}
	if err := db.CreateSigningKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return k.ID
}

func storedKeys(t *testing.T, dsn string) []store.SigningKey {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("opening the store: %v", err)
	}
	defer db.Close()
	keys, err := db.SigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func keyIDs(keys []store.SigningKey) []string {
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID+" (replaces "+k.Replaces+")")
	}
	return ids
}

func tokenKid(t *testing.T, raw string) string {
	t.Helper()
	header, _ := decodeJWT(t, raw)
	kid, _ := header["kid"].(string)
	return kid
}
