package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/oauth2"

	"github.com/scopegate/scopegate/config"
)

// federation is two scopegate servers started from config files as an operator
// would write them: "Company A" and the photo drive, whose users sign in with
// their Company A account (authserver.identity_providers). The drive has no local
// users at all.
type federation struct {
	companyA, drive string // issuers
	backend         *recorder
	driveLog, audit *syncBuffer
}

const fedSecret = "drive-at-company-a-0123456789"

// startFederation starts both servers; the drive's store is driveStore (a
// store: section body), or a SQLite file when it is empty.
func startFederation(t *testing.T, driveStore string) *federation {
	t.Helper()
	// Company A on another loopback address, so that a browser keeps the two
	// servers' cookies apart as it would for two hosts.
	lnA, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	addrA := lnA.Addr().String()
	lnA.Close()
	addrB := freeLoopbackAddr(t)
	_, portB, _ := net.SplitHostPort(addrB)
	f := &federation{companyA: "http://" + addrA, drive: "http://localhost:" + portB, backend: &recorder{},
		driveLog: &syncBuffer{}, audit: &syncBuffer{}}
	backend := httptest.NewServer(f.backend)
	t.Cleanup(backend.Close)
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	serveYAML(t, "company-a.yaml", fmt.Sprintf(`server:
  listen: %q
  admin_listen: "127.0.0.1:0"
store:
  dsn: %q
authserver:
  issuer: %q
  users:
    - username: alice
      password_hash: %q
      name: Alice Liddell
      email: alice@company-a.example
      email_verified: true
  clients:
    - id: photo-drive
      name: Photo Drive
      secret: %q
      redirect_uris: ["%s/oauth2/idp/company-a/callback"]
  branding:
    product_name: Company A
    accent_color: "#0a7d4f"
`, addrA, filepath.Join(t.TempDir(), "a.db"), f.companyA, hash, fedSecret, f.drive), nil, nil)
	if driveStore == "" {
		driveStore = fmt.Sprintf("  dsn: %q\n", filepath.Join(t.TempDir(), "b.db"))
	}
	serveYAML(t, "drive.yaml", fmt.Sprintf(`server:
  listen: %q
  admin_listen: "127.0.0.1:0"
store:
%sauthserver:
  issuer: %q
  identity_providers:
    - id: company-a
      name: Company A
      issuer: %q
      client_id: photo-drive
      client_secret: ${COMPANY_A_SECRET}
  clients:
    - id: photo-printer
      name: PrintMyPhotos
      secret: %q
      redirect_uris: ["http://127.0.0.1:7/callback"]
      scopes: [photos.read]
  scopes:
    photos.read: See the photos you choose
  branding:
    product_name: Photo Drive
gateway:
  upstreams:
    photos:
      url: %q
  routes:
    - route: "GET /photos/{id}"
      upstream: photos
      scopes: [photos.read]
`, addrB, driveStore, f.drive, f.companyA, testSecret, backend.URL),
		map[string]string{"COMPANY_A_SECRET": fedSecret}, f)
	return f
}

// serveYAML parses a config and runs serve() with it until the test ends. With f,
// the general and audit logs go to f's buffers.
func serveYAML(t *testing.T, name, yaml string, env map[string]string, f *federation) {
	t.Helper()
	file, err := config.Parse(name, []byte(yaml), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	opts := serveOptions{logger: zap.NewNop()}
	if f != nil {
		if opts.logger, err = newLogger("debug", "json", f.driveLog); err != nil {
			t.Fatal(err)
		}
		if opts.audit, _, err = newAuditLogger("stdout", f.audit, nil); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	done := make(chan error, 1)
	opts.started = func(_, _ net.Addr) { close(started) }
	go func() { done <- serve(ctx, file, opts) }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("serve %s: %v", name, err)
	case <-time.After(30 * time.Second):
		t.Fatalf("serve %s did not start", name)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve %s returned %v after shutdown", name, err)
		}
	})
}

// TestFederatedUserThroughGateway: a Company A user, unknown to the drive, signs in
// to PrintMyPhotos with "Continue with Company A"; the printer gets an access token
// for "company-a:alice" that the drive's gateway honours like any other, and the
// audit log records the sign-in with its provider and no secret.
func TestFederatedUserThroughGateway(t *testing.T) {
	federatedUserThroughGateway(t, startFederation(t, ""))
}

// TestFederatedUserThroughGatewayPostgres is the same with the drive on
// PostgreSQL, where the upstream state and the profile must fit its types.
func TestFederatedUserThroughGatewayPostgres(t *testing.T) {
	federatedUserThroughGateway(t, startFederation(t, postgresStore(t)))
}

func federatedUserThroughGateway(t *testing.T, f *federation) {
	t.Helper()
	ctx := context.Background()
	conf := &oauth2.Config{ClientID: "photo-printer", ClientSecret: testSecret, RedirectURL: "http://127.0.0.1:7/callback",
		Endpoint: oauth2.Endpoint{AuthURL: f.drive + "/oauth2/authorize", TokenURL: f.drive + "/oauth2/token"},
		Scopes:   []string{"openid", "profile", "photos.read"}}
	c := browser("http://127.0.0.1:7/callback")
	verifier := oauth2.GenerateVerifier()
	resp, err := c.Get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	resp = submitFormTo(t, c, resp, "/oauth2/idp/company-a/start", nil) // the drive's login page
	resp = submitFormTo(t, c, resp, "/oauth2/login", map[string]string{"username": "alice", "password": testPassword})
	resp = submitFormTo(t, c, resp, "/oauth2/consent", map[string]string{"decision": "allow"}) // Company A: share with the drive
	resp = submitFormTo(t, c, resp, "/oauth2/consent", map[string]string{"decision": "allow"}) // the drive: share with the printer
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code at the printer: status %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, f.drive+"/photos/42", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	gw, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, gw.Body)
	gw.Body.Close()
	if gw.StatusCode != http.StatusOK || f.backend.last(t).Get("X-Auth-Subject") != "company-a:alice" {
		t.Fatalf("gateway: status %d, subject %q; want 200 for company-a:alice", gw.StatusCode, f.backend.last(t).Get("X-Auth-Subject"))
	}
	audit := f.audit.String()
	if !strings.Contains(audit, `"login.success"`) || !strings.Contains(audit, `"idp":"company-a"`) || !strings.Contains(audit, `"company-a:alice"`) {
		t.Errorf("audit log lacks the federated sign-in:\n%s", audit)
	}
	for what, s := range map[string]string{"client secret": fedSecret, "access token": tok.AccessToken, "code": loc.Query().Get("code")} {
		if strings.Contains(audit+f.driveLog.String(), s) {
			t.Errorf("the drive's logs contain the %s", what)
		}
	}
}

// TestFederatedSignInInBrowser: in Chromium, the drive's login page offers only
// "Continue with Company A" (it has no local users); signing in at Company A brings
// the user back to the drive's account page under Company A's name for them.
func TestFederatedSignInInBrowser(t *testing.T) {
	t.Parallel()
	skipSlowWalk(t)
	chromium := chromiumPath(t)
	f := startFederation(t, "")
	shots := os.Getenv("SCOPEGATE_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	bctx, cancelTimeout := context.WithTimeout(bctx, 60*time.Second)
	defer cancelTimeout()

	n := 0
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			n++
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			path := filepath.Join(shots, fmt.Sprintf("federated-%02d-%s.png", n, name))
			t.Logf("screenshot: %s", path)
			return os.WriteFile(path, png, 0o644)
		})
	}
	var text string
	expectText := func(sel, want string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
			if text, err = chromedp.Text(chromedp.CSS(sel))(ctx, tg); err != nil {
				return err
			}
			if !strings.Contains(text, want) {
				return fmt.Errorf("%s: %q does not contain %q", sel, text, want)
			}
			return nil
		})
	}
	var hasPassword int
	err := chromedp.Do(bctx,
		chromedp.Navigate(f.drive+"/oauth2/account"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/oauth2/idp/company-a/start"] button`)),
		expectText("main", "Continue with Company A"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
			hasPassword, err = chromedp.Evaluate[int](`document.querySelectorAll('input[name="password"]').length`)(ctx, tg)
			return err
		}),
		shot("drive-login"),
		chromedp.Click(chromedp.CSS(`form[action="/oauth2/idp/company-a/start"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		expectText("main", "Photo Drive"), // Company A's login page names the drive
		shot("company-a-login"),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), testPassword),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[name="decision"][value="allow"]`)),
		chromedp.Click(chromedp.CSS(`button[name="decision"][value="allow"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.profile h1`)),
		expectText(".profile", "Alice Liddell"),
		expectText(".profile", "alice@company-a.example"),
		shot("drive-account"),
	)
	if err != nil {
		t.Fatalf("browser walk failed after %d screenshots: %v\ndrive log:\n%s", n, err, tail(f.driveLog.String(), 30))
	}
	if hasPassword != 0 {
		t.Errorf("the drive has no local users, yet its login page has %d password fields", hasPassword)
	}
}

// postgresStore is a store: section for a fresh schema of the test
// PostgreSQL server, dropped when the test ends. Without
// SCOPEGATE_TEST_POSTGRES_DSN the test skips, except in CI.
func postgresStore(t *testing.T) string {
	t.Helper()
	return storeSection(postgresDSN(t))
}

// storeSection is the body of a store: section for the PostgreSQL dsn.
func storeSection(dsn string) string {
	return fmt.Sprintf("  driver: postgres\n  dsn: %q\n", strings.ReplaceAll(dsn, "$", "$$"))
}

// postgresDSN is postgresStore's DSN: a fresh schema, dropped at cleanup.
func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("SCOPEGATE_TEST_POSTGRES_DSN")
	if dsn == "" {
		const msg = "SCOPEGATE_TEST_POSTGRES_DSN not set: skipping the PostgreSQL test"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := "scopegate_fed_" + strings.ToLower(randomSecret()[:12])
	schema = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, schema)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
		admin.Close()
	})
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dsn = u.String()
	} else {
		dsn += " search_path=" + schema
	}
	return dsn
}
