package photoapi

import (
	"strings"
	"testing"
)

func TestGalleryShowsOnlyTheCallersPhotos(t *testing.T) {
	srv := newTestServer(t, Config{})
	status, h, body := do(t, srv, "GET", "/gallery/", "alice", nil, "")
	page := string(body)
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, %q", status, h.Get("Content-Type"))
	}
	if !strings.Contains(page, "Sunrise over the bay") || !strings.Contains(page, `data-testid="owner">alice<`) {
		t.Errorf("alice's gallery lacks her photo or name:\n%s", page)
	}
	if strings.Contains(page, "Night sea with stars") {
		t.Error("alice's gallery shows bob's photo")
	}
	_, _, body = do(t, srv, "GET", "/gallery/", "bob", nil, "")
	if strings.Contains(string(body), "Sunrise over the bay") || !strings.Contains(string(body), "Night sea with stars") {
		t.Errorf("bob's gallery is wrong:\n%s", body)
	}
	// Without the gateway's header, no page; someone else's image is missing.
	if status, _, _ := do(t, srv, "GET", "/gallery/", "", nil, ""); status != 401 {
		t.Errorf("without X-Auth-Subject: %d, want 401", status)
	}
	if status, h, _ := do(t, srv, "GET", "/gallery/1/thumb", "alice", nil, ""); status != 200 || h.Get("Content-Type") != "image/png" {
		t.Errorf("alice's thumbnail: %d %q", status, h.Get("Content-Type"))
	}
	if status, _, _ := do(t, srv, "GET", "/gallery/1/thumb", "bob", nil, ""); status != 404 {
		t.Errorf("bob reading alice's thumbnail: %d, want 404", status)
	}
	if status, _, _ := do(t, srv, "GET", "/gallery/1/huge", "alice", nil, ""); status != 404 {
		t.Errorf("unknown size: %d, want 404", status)
	}
}
