package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium. Without it the browser test skips,
// except in CI, where a missing browser is a failure.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium not found: skipping the browser test (apt-get install chromium)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects the demo's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// demoBrowser is a running `scopegate demo` and a Chromium to walk it with.
type demoBrowser struct {
	ctx      context.Context // the browser's, with a deadline
	shopURL  string
	driveURL string
	stderr   *syncBuffer
	stdout   *syncBuffer
	shots    string
	step     int
	text     string
}

// startDemoBrowser runs the demo on free ports and starts Chromium; both stop when the
// test ends.
func startDemoBrowser(t *testing.T) *demoBrowser {
	t.Helper()
	chromium := chromiumPath(t)
	d := startDemo(t)
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
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	bctx, cancelTimeout := context.WithTimeout(bctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	d.ctx = bctx
	return d
}

// startDemo runs `scopegate demo` on free ports until the test ends.
func startDemo(t *testing.T) *demoBrowser {
	t.Helper()
	shots := os.Getenv("SCOPEGATE_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	ports := []int{freePort(t), freePort(t), freePort(t), freePort(t)}
	args := []string{"demo", "-port", strconv.Itoa(ports[0]), "-admin-port", strconv.Itoa(ports[1]),
		"-api-port", strconv.Itoa(ports[2]), "-shop-port", strconv.Itoa(ports[3])}
	d := &demoBrowser{stdout: &syncBuffer{}, stderr: &syncBuffer{}, shots: shots,
		shopURL: fmt.Sprintf("http://localhost:%d", ports[3]), driveURL: fmt.Sprintf("http://localhost:%d", ports[0])}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, strings.NewReader(""), d.stdout, d.stderr) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("demo returned %v after Ctrl-C\n%s", err, d.stderr.String())
		}
	})
	waitFor(t, func() bool { return strings.Contains(d.stdout.String(), d.shopURL) }, "the demo banner", d.stderr)
	return d
}

// shot saves a full-page screenshot named with the step number and name.
func (d *demoBrowser) shot(t *testing.T, prefix, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		d.step++
		png, err := chromedp.FullScreenshot(100)(ctx, tg) // quality 100 gives a PNG
		if err != nil {
			return err
		}
		path := filepath.Join(d.shots, fmt.Sprintf("%s-%02d-%s.png", prefix, d.step, name))
		t.Logf("screenshot: %s", path)
		return os.WriteFile(path, png, 0o644)
	})
}

// textOf reads the text of sel for expect.
func (d *demoBrowser) textOf(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
		d.text, err = chromedp.Text(chromedp.CSS(sel))(ctx, tg)
		return err
	})
}

func (d *demoBrowser) expect(what, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(context.Context, *chromedp.Target) error {
		if !strings.Contains(d.text, want) {
			return fmt.Errorf("%s: %q does not contain %q", what, d.text, want)
		}
		return nil
	})
}

// TestDemoInBrowser walks the demo as a newcomer would, in a real Chromium:
// PrintMyPhotos → sign in at the drive → consent → back at the shop with the
// photo list fetched through the gateway → a print order → the upload the
// token does not allow, refused by the gateway with 403.
func TestDemoInBrowser(t *testing.T) {
	t.Parallel() // waits on Chromium or bcrypt; overlaps with the rest
	skipSlowWalk(t)
	d := startDemoBrowser(t)
	bctx, shopURL, stdout, stderr := d.ctx, d.shopURL, d.stdout, d.stderr
	for _, want := range []string{"alice", "alice-photos", "Ctrl-C"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("demo banner lacks %q:\n%s", want, stdout.String())
		}
	}
	shot := func(name string) chromedp.Action[chromedp.Void] { return d.shot(t, "demo", name) }
	textOf, expect := d.textOf, d.expect

	err := chromedp.Do(bctx,
		// 1–2: the shop sends the browser to the drive's authorization endpoint.
		chromedp.Navigate(shopURL),
		chromedp.WaitVisible(chromedp.CSS("#connect")),
		shot("shop"),
		chromedp.Click(chromedp.CSS("#connect")),
		// 3: sign in at the drive.
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		shot("login"),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "alice-photos"),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		// 4: consent names the client and the scope's text, and lists
		// alice's four photos with thumbnails: she picks two.
		chromedp.WaitVisible(chromedp.CSS(`button[name="decision"][value="allow"]`)),
		textOf("body"),
		expect("consent page", "PrintMyPhotos"),
		expect("consent page", "See the photos you choose"),
		expect("consent page", "Choose the photos to share"),
		expect("consent page", "Sunrise over the bay"),
		expect("consent page", "4 photos"),
		chromedp.WaitVisible(chromedp.CSS(`#item-photos-3`)),
		imagesLoaded(".items img", 4),
		chromedp.Click(chromedp.CSS(`#item-photos-0`)),
		chromedp.Click(chromedp.CSS(`#item-photos-2`)),
		shot("consent"),
		chromedp.Click(chromedp.CSS(`button[name="decision"][value="allow"]`)),
		// 5–9: back at the shop, the photo list came through the gateway,
		// which kept only the two picked photos.
		chromedp.WaitVisible(chromedp.CSS(`#photos input[type="checkbox"][name="photo"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#steps li[data-step="9"].done`)),
		countOf(`#photos input[type="checkbox"][name="photo"]`, 2),
		textOf("#photos"),
		expect("shop's photos", "Sunrise over the bay"),
		expect("shop's photos", "Evening at the lake"),
		textOf("#steps"),
		expect("timeline", "Sunrise over the bay, Evening at the lake"),
		shot("photos"),
		chromedp.Click(chromedp.CSS(`#photos input[type="checkbox"][name="photo"]`)),
		chromedp.Click(chromedp.CSS("#place-order")),
		chromedp.WaitVisible(chromedp.CSS("#order-confirmation")),
		textOf("#order-confirmation"),
		expect("order confirmation", "1"),
		shot("order"),
		// The token only allows reading: the gateway refuses an upload.
		chromedp.Navigate(shopURL),
		chromedp.WaitVisible(chromedp.CSS("#try-upload")),
		chromedp.Click(chromedp.CSS("#try-upload")),
		chromedp.WaitVisible(chromedp.CSS("#gateway-answer")),
		textOf("#gateway-answer"),
		expect("gateway answer", "403"),
		expect("gateway answer", "insufficient_scope"),
		expect("gateway answer", "photos.write"),
		shot("upload-refused"),
		// A photo alice did not share: the gateway refuses it with 403.
		chromedp.Click(chromedp.CSS("#try-unshared")),
		chromedp.WaitVisible(chromedp.CSS(`#gateway-answer[data-request="GET /photos/2"]`)),
		textOf("#gateway-answer"),
		expect("gateway answer", "GET /photos/2"),
		expect("gateway answer", "403"),
		expect("gateway answer", "insufficient_scope"),
		expect("gateway answer", "did not share"),
		shot("unshared-refused"),
		// The drive's account page names the two photos the shop can see.
		chromedp.Navigate(d.driveURL+"/oauth2/account"),
		chromedp.WaitVisible(chromedp.CSS(".picks-list")),
		textOf(".grants"),
		expect("account page", "2 photos shared"),
		expect("account page", "Sunrise over the bay"),
		expect("account page", "Evening at the lake"),
		imagesLoaded(".picks-list img", 2),
		shot("account"),
		chromedp.Click(chromedp.CSS(`.picks a`)),
		chromedp.WaitVisible(chromedp.CSS(`button[name="decision"][value="save"]`)),
		countOf(`.items input:checked`, 2),
		shot("change-pick"),
	)
	if err != nil {
		t.Fatalf("browser walk failed at step %d: %v\ndemo log:\n%s", d.step+1, err, tail(stderr.String(), 40))
	}
}

// countOf fails unless sel matches exactly n elements.
func countOf(sel string, n int) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		got, err := chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel))(ctx, tg)
		if err != nil {
			return err
		}
		if got != n {
			return fmt.Errorf("%s matches %d elements; want %d", sel, got, n)
		}
		return nil
	})
}

// imagesLoaded waits until n images matching sel have loaded with a size:
// the thumbnails came through the authorization server.
func imagesLoaded(sel string, n int) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		js := fmt.Sprintf("Array.from(document.querySelectorAll(%q)).filter(i => i.complete && i.naturalWidth > 0).length", sel)
		for {
			got, err := chromedp.Evaluate[int](js)(ctx, tg)
			if err != nil {
				return err
			}
			if got >= n {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%d of %d images %s loaded: %w", got, n, sel, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

func waitFor(t *testing.T, cond func() bool, what string, log fmt.Stringer) {
	t.Helper()
	// Generous: under -race on two busy cores a demo start (bcrypt, RSA
	// keys, SQLite migrations) has taken over 30 s. This bounds a hang; it
	// measures nothing.
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s\n%s", what, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
