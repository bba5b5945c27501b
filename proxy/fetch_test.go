package proxy_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/scopegate/scopegate/proxy"
	"github.com/scopegate/scopegate/token"
)

// TestFetchCallsLikeTheGateway: the authorization server's listing call
// reaches the upstream with exactly the identity headers a forwarded
// request of that user would carry, and nothing else of anyone's.
func TestFetchCallsLikeTheGateway(t *testing.T) {
	e := newEnv(t, nil)
	e.back.setHandler(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"photos":[]}`)
	})
	c := &token.Claims{Subject: "alice", ClientID: "scopegate", Scopes: []string{"photos.read"}}
	resp, err := e.gw.Fetch(context.Background(), "photos", "/photos", c)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != `{"photos":[]}` {
		t.Fatalf("Fetch: %d %q", resp.StatusCode, body)
	}
	got := e.back.requests()
	if len(got) != 1 {
		t.Fatalf("backend saw %d requests; want 1", len(got))
	}
	h := got[0].Header
	if got[0].Method != "GET" || got[0].RequestURI != "/photos" || h.Get("X-Auth-Subject") != "alice" ||
		h.Get("X-Auth-Client-Id") != "scopegate" || h.Get("X-Auth-Scope") != "photos.read" || h.Get("Authorization") != "" {
		t.Errorf("backend saw %s %s %v; want GET /photos with alice's identity headers only", got[0].Method, got[0].RequestURI, h)
	}
	for _, tc := range []struct{ upstream, path string }{
		{"nope", "/photos"}, {"photos", "photos"}, {"photos", "/photos?all=1"}, {"photos", "/a/../admin"}, {"photos", "/a%2Fb"},
	} {
		if resp, err := e.gw.Fetch(context.Background(), tc.upstream, tc.path, c); err == nil {
			resp.Body.Close()
			t.Errorf("Fetch(%q, %q) succeeded; want an error", tc.upstream, tc.path)
		}
	}
	if _, err := e.gw.Fetch(context.Background(), "nope", "/", c); !errors.Is(err, proxy.ErrUnknownUpstream) {
		t.Errorf("unknown upstream: %v; want ErrUnknownUpstream", err)
	}
	if len(e.back.requests()) != 1 {
		t.Errorf("refused fetches reached the backend")
	}
}
