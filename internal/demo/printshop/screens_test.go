package printshop

import (
	"context"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scopegate/scopegate/internal/demo/photoapi"
)

// screens is where TestScreenshots writes PNGs; empty skips it. Run it with
//
//	go test ./internal/demo/printshop -run Screenshots -screens /tmp/screens
var screens = flag.String("screens", "", "directory for screenshots of the shop's pages (needs chromium)")

const chromium = "/usr/bin/chromium"

// TestScreenshots walks the whole flow in a real headless browser and saves each page,
// so people can look at the shop without running the demo.
func TestScreenshots(t *testing.T) {
	if *screens == "" {
		t.Skip("no -screens directory given")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("screenshots need %s: %v", chromium, err)
	}
	if err := os.MkdirAll(*screens, 0o755); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, photoapi.New(photoapi.Config{}), nil)
	ctx := browser(t, 1280, 900)
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			buf, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(*screens, name+".png"), buf, 0o644)
		})
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.shop.URL),
		chromedp.WaitVisible(chromedp.CSS(`#connect`)),
		shot("shop-landing"),
		chromedp.Click(chromedp.CSS(`#connect`)),
		chromedp.WaitVisible(chromedp.CSS(`#photos`)),
		chromedp.Click(chromedp.CSS(`label[for="photo-1"]`)),
		chromedp.Click(chromedp.CSS(`label[for="photo-3"]`)),
		shot("shop-photos"),
		chromedp.Click(chromedp.CSS(`#try-upload`)),
		chromedp.WaitVisible(chromedp.CSS(`#gateway-answer`)),
		shot("shop-upload-refused"),
		chromedp.Click(chromedp.CSS(`label[for="photo-1"]`)),
		chromedp.Click(chromedp.CSS(`label[for="photo-2"]`)),
		chromedp.SetValue(chromedp.CSS(`#size`), "20x30"),
		chromedp.Click(chromedp.CSS(`#place-order`)),
		chromedp.WaitVisible(chromedp.CSS(`#order-confirmation`)),
		shot("shop-order-confirmation"),
	)
	if err != nil {
		t.Fatalf("browsing the shop: %v", err)
	}
	e.gw.expired.Store(true)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.shop.URL), chromedp.WaitVisible(chromedp.CSS(`#expired`)), shot("shop-expired")); err != nil {
		t.Fatalf("expired page: %v", err)
	}

	d := newEnv(t, http404(), func(as *fakeAS) { as.decline = true })
	mobile := browser(t, 390, 844)
	if err := chromedp.Do(mobile,
		chromedp.Navigate(d.shop.URL), chromedp.WaitVisible(chromedp.CSS(`#connect`)), shot("shop-landing-mobile"),
		chromedp.Click(chromedp.CSS(`#connect`)), chromedp.WaitVisible(chromedp.CSS(`#declined`)), shot("shop-declined-mobile"),
	); err != nil {
		t.Fatalf("declined flow: %v", err)
	}
}

// browser starts a headless chromium with a fresh profile and the given window size.
func browser(t *testing.T, w, h int) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(w, h), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("hide-scrollbars", true),
	)
	// The timeout bounds the browser's whole life, so a hung chromium cannot hang the test.
	base, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, cancel := chromedp.NewExecAllocator(base, opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	return ctx
}

func http404() http.Handler { return http.NotFoundHandler() }
