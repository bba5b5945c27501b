package printshop

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/internal/demo/photoapi"
)

// TestRefreshAfterExpiry: once the access token has expired by the shop's
// clock, the shop renews it with the refresh token and keeps working;
// requests arriving at once (the page and its thumbnails) share one
// refresh, so the drive never sees a rotated refresh token again; the
// timeline gains step 10.
func TestRefreshAfterExpiry(t *testing.T) {
	var skew atomic.Int64
	e := newEnv(t, photoapi.New(photoapi.Config{}), func(as *fakeAS) {
		as.refreshing = true
		as.shopNow = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	})
	status, home := e.connect(t)
	if status != http.StatusOK || strings.Contains(home, `data-step="10"`) {
		t.Fatalf("after connecting: status %d, step 10 shown = %v; want 200 and no refresh step yet", status, strings.Contains(home, `data-step="10"`))
	}
	skew.Store(int64(11 * time.Minute)) // past the token's 600 s

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			resp, err := e.browser.Get(e.shop.URL + "/thumb/1")
			if err == nil {
				resp.Body.Close()
			}
		})
	}
	wg.Go(func() { e.get(t, "/") })
	wg.Wait()
	if got, reused := e.as.refreshes.Load(), e.as.reused.Load(); got != 1 || reused != 0 {
		t.Fatalf("refreshes = %d, reused refresh tokens = %d; want exactly one refresh and no reuse", got, reused)
	}
	_, _, home = e.get(t, "/")
	if got := stepClass(t, home, 9); got != "step done" {
		t.Errorf("step 9 after the refresh: %q; want done (the API answered)", got)
	}
	if !strings.Contains(home, `data-step="10" class="step done"`) || !strings.Contains(home, "Our access ran out, so we renewed it") {
		t.Errorf("the timeline lacks a done step 10 about the refresh")
	}
	if strings.Contains(home, "rt-0") || strings.Contains(home, "rt-1") {
		t.Error("the page shows a refresh token; it must never")
	}

	// The drive refuses the next refresh (the user removed the app): the
	// step says so and the shop does not loop.
	e.as.mu.Lock()
	e.as.liveRefresh = ""
	e.as.mu.Unlock()
	skew.Store(int64(22 * time.Minute))
	_, _, home = e.get(t, "/")
	if !strings.Contains(home, `data-step="10" class="step failed"`) || !strings.Contains(home, "invalid_grant") {
		t.Errorf("after a refused refresh, step 10 does not say so")
	}
}
