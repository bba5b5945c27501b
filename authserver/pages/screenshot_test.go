package pages

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
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
		w, h  int
	}{{"desktop", 1280, 900}, {"mobile", 390, 844}}
	// Each Chromium mostly waits on its own start-up, so the shots run in
	// parallel subtests; the group ends before the server closes.
	t.Run("pages", func(t *testing.T) {
		for _, name := range names {
			for _, s := range sizes {
				take(t, chromium, srv.URL, dir, name, s.label, s.w, s.h, false)
			}
		}
		// One page in dark mode is enough to catch a broken palette.
		take(t, chromium, srv.URL, dir, "consent", "dark-mobile", 390, 844, true)
	})
}

func take(t *testing.T, chromium, base, dir, name, label string, w, h int, dark bool) {
	t.Run(name+"-"+label, func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(dir, name+"-"+label+".png")
		screenshot(t, chromium, base+"/page/"+name, file, w, h, dark)
		t.Logf("screenshot: %s", file)
	})
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func screenshot(t *testing.T, chromium, url, file string, w, h int, dark bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir=" + t.TempDir(),
		"--window-size=" + strconv.Itoa(w) + "," + strconv.Itoa(h),
		"--screenshot=" + file,
	}
	if dark {
		args = append(args, "--force-dark-mode")
	}
	cmd := exec.CommandContext(ctx, chromium, append(args, url)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, out)
	}
	if fi, err := os.Stat(file); err != nil || fi.Size() == 0 {
		t.Fatalf("chromium wrote no screenshot for %s: %v", url, err)
	}
}
