package main

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"

	"github.com/scopegate/scopegate/config"
	"github.com/scopegate/scopegate/internal/demo/photoapi"
)

// startGallery runs scopegate in front of the legacy drive, whose web
// gallery is a login: browser route, with a short idle timeout so that an
// expired session can be seen.
func startGallery(t *testing.T, idle time.Duration) string {
	t.Helper()
	api := httptest.NewServer(photoapi.New(photoapi.Config{}))
	t.Cleanup(api.Close)
	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	addr := freeLoopbackAddr(t)
	issuer := "http://" + addr
	yaml := fmt.Sprintf(`server:
  listen: %q
  admin_listen: "127.0.0.1:0"
log:
  access: false
store:
  driver: sqlite
  dsn: %q
authserver:
  issuer: %q
  users:
    - {username: alice, password_hash: %q, name: Alice Liddell}
    - {username: bob, password_hash: %q, name: Bob Builder}
  scopes:
    photos.read: See the photos you choose
gateway:
  browser:
    session_lifetime: 1h
    idle_timeout: %s
  upstreams:
    photos:
      url: %q
  routes:
    - route: "GET /gallery/"
      upstream: photos
      login: browser
`, addr, filepath.Join(t.TempDir(), "scopegate.db"), issuer, hash("alice-photos"), hash("bob-photos"), idle, api.URL)
	f, err := config.Parse("gallery.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, f, serveOptions{logger: zap.NewNop(), started: func(_, _ net.Addr) { close(started) }})
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return issuer
}

// TestGalleryInBrowser walks the legacy drive's web gallery in Chromium:
// the gateway sends the browser to sign in and back to the exact address;
// alice sees her photos, bob his; logout, a removed grant and an idle
// session each lead back to the password form.
func TestGalleryInBrowser(t *testing.T) {
	t.Parallel()
	skipSlowWalk(t)
	chromium := chromiumPath(t)
	shots := os.Getenv("SCOPEGATE_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	const idle = 4 * time.Second
	issuer := startGallery(t, idle)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	bctx, cancelTimeout := context.WithTimeout(bctx, 90*time.Second)
	defer cancelTimeout()

	step := 0
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			step++
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			path := filepath.Join(shots, fmt.Sprintf("gallery-%02d-%s.png", step, name))
			t.Logf("screenshot: %s", path)
			return os.WriteFile(path, png, 0o644)
		})
	}
	check := func(what string, ok func(text, location string) bool) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			text, err := chromedp.Text(chromedp.CSS("body"))(ctx, tg)
			if err != nil {
				return err
			}
			loc, err := chromedp.Location()(ctx, tg)
			if err != nil {
				return err
			}
			if !ok(text, loc) {
				return fmt.Errorf("%s: at %s the page says:\n%s", what, loc, text)
			}
			return nil
		})
	}
	signIn := func(user string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), user),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), user+"-photos"),
			chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="owner"]`)),
		}
	}
	onLoginPage := func(what string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`))(ctx, tg); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			_, err := check(what, func(_, loc string) bool { return strings.HasPrefix(loc, issuer+"/oauth2/login") })(ctx, tg)
			return err
		})
	}
	want := issuer + "/gallery/?sort=date&album=Summer%202025"
	steps := []chromedp.Action[chromedp.Void]{
		// The gateway sends a browser without a session to sign in ...
		chromedp.Navigate(want),
		onLoginPage("redirect to sign in"),
		shot("login"),
	}
	steps = append(steps, signIn("alice")...)
	steps = append(steps,
		// ... and back to the exact address, query included.
		check("back at the gallery", func(text, loc string) bool {
			return loc == want && strings.Contains(text, "Sunrise over the bay") &&
				strings.Contains(text, "alice") && !strings.Contains(text, "Night sea with stars")
		}),
		chromedp.WaitVisible(chromedp.CSS(`img[alt="Sunrise over the bay"]`)),
		shot("alice"),
		// Logout at the server ends the gateway session too.
		chromedp.Navigate(issuer+"/oauth2/account"),
		chromedp.WaitVisible(chromedp.CSS(`form.signout button`)),
		chromedp.Click(chromedp.CSS(`form.signout button`)),
		chromedp.WaitVisible(chromedp.CSS(`.status-ok`)), // the signed-out page
		chromedp.Navigate(issuer+"/gallery/"),
		onLoginPage("after logout"),
	)
	steps = append(steps, signIn("bob")...)
	steps = append(steps,
		check("bob's gallery", func(text, _ string) bool {
			return strings.Contains(text, "Night sea with stars") && !strings.Contains(text, "Sunrise over the bay")
		}),
		shot("bob"),
		// Removing the sign-in's grant on the account page ends the
		// session; prompt=login counts in whole seconds, so wait one.
		chromedp.Navigate(issuer+"/oauth2/account"),
		chromedp.WaitVisible(chromedp.CSS(`form.grant-revoke button`)),
		shot("account"),
		chromedp.Sleep(1100*time.Millisecond),
		chromedp.Click(chromedp.CSS(`form.grant-revoke button`)),
		chromedp.WaitNotPresent(chromedp.CSS(`form.grant-revoke`)), // the account page again, without it
		chromedp.Navigate(issuer+"/gallery/"),
		onLoginPage("after the grant was removed"),
	)
	steps = append(steps, signIn("bob")...)
	steps = append(steps,
		// Unused for longer than the idle timeout, the session has ended,
		// even though the server's own sign-in is still alive.
		chromedp.Sleep(idle+time.Second),
		chromedp.Navigate(issuer+"/gallery/?after=idle"),
		onLoginPage("after the idle timeout"),
		shot("expired"),
	)
	steps = append(steps, signIn("bob")...)
	steps = append(steps, check("back after the idle timeout", func(_, loc string) bool { return loc == issuer+"/gallery/?after=idle" }))
	if err := chromedp.Do(bctx, steps...); err != nil {
		t.Fatalf("browser walk failed after step %d: %v", step, err)
	}
}
