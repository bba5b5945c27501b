package pages

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// cspForTests is the policy the authserver sends; serving the screenshots
// under it proves the pages need nothing it forbids.
const cspForTests = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"

// TestScreenshots renders every sample page in headless Chromium at desktop
// and phone sizes, so people can look at them. PNGs go to
// $SCOPEGATE_SCREENSHOTS when set.
func TestScreenshots(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping screenshots in -short mode")
	}
	// About 20 s on two cores: go test ./... stays under a minute, and
	// .ci/run (CI=1) takes them.
	if os.Getenv("CI") == "" && os.Getenv("SCOPEGATE_SLOW_TESTS") == "" && os.Getenv("SCOPEGATE_SCREENSHOTS") == "" {
		t.Skip("screenshots of every page in Chromium: set SCOPEGATE_SLOW_TESTS=1 or SCOPEGATE_SCREENSHOTS=DIR (or CI=1, as .ci/run does)")
	}
	chromium := findChromium()
	if chromium == "" {
		msg := "chromium not found: skipping screenshots (apt-get install chromium)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := os.Getenv("SCOPEGATE_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	r, err := New(Brand{ProductName: "PhotoDrive"})
	if err != nil {
		t.Fatal(err)
	}
	pages := samples(r)
	mux := http.NewServeMux()
	mux.Handle(StaticPrefix, http.StripPrefix("/oauth2/static", r.Static()))
	for name, f := range pages {
		mux.HandleFunc("/page/"+name, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Security-Policy", cspForTests)
			f(w)
		})
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()

	names := make([]string, 0, len(pages))
	for name := range pages {
		names = append(names, name)
	}
	sort.Strings(names)
	sizes := []struct {
		label string
		w, h  int64
	}{{"desktop", 1280, 900}, {"mobile", 390, 844}}

	// One Chromium for all shots: starting one per page cost most of this
	// package's test time. Each shot gets its own tab.
	browser := startChromium(t, chromium)
	for _, name := range names {
		for _, s := range sizes {
			take(t, browser, srv.URL, dir, name, s.label, s.w, s.h, false)
		}
	}
	// One page in dark mode is enough to catch a broken palette.
	take(t, browser, srv.URL, dir, "consent", "dark-mobile", 390, 844, true)
}

// startChromium starts headless Chromium with the flags this closed
// network needs (no background connections) and a fresh profile.
func startChromium(t *testing.T, chromium string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
	)
	// Bounds the browser's whole life, so a hung Chromium cannot hang the test.
	base, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	actx, cancel := chromedp.NewExecAllocator(base, opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", chromium, err)
	}
	return ctx
}

// take saves a full-page screenshot of one sample page in a new tab.
func take(t *testing.T, browser context.Context, base, dir, name, label string, w, h int64, dark bool) {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser)
	defer cancel()
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	var png []byte
	err := chromedp.Do(tab,
		chromedp.EmulateViewport(w, h),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			})
			return err
		}),
		chromedp.Navigate(base+"/page/"+name),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
			png, err = chromedp.FullScreenshot(100)(ctx, tg) // quality 100 gives a PNG
			return err
		}),
	)
	if err != nil {
		t.Fatalf("screenshot of %s (%s): %v", name, label, err)
	}
	if len(png) == 0 {
		t.Fatalf("chromium gave an empty screenshot of %s (%s)", name, label)
	}
	file := filepath.Join(dir, name+"-"+label+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", file)
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}
