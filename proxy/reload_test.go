package proxy_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/proxy"
)

// TestPreviousKeepsConnections: a Gateway built to replace another (a
// config reload) sends over the old one's idle connections when the
// upstream's settings are unchanged, so reloading often costs no dials;
// a changed timeout gets a fresh transport.
func TestPreviousKeepsConnections(t *testing.T) {
	var dials atomic.Int32
	backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	backend.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	backend.Start()
	t.Cleanup(backend.Close)
	u, _ := url.Parse(backend.URL)
	set, diags := policy.Compile([]policy.Route{{Pattern: "GET /status", Upstream: "photos", Public: true}}, policy.Env{Upstreams: []string{"photos"}})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	build := func(prev *proxy.Gateway, timeout time.Duration) *proxy.Gateway {
		g, err := proxy.New(proxy.Config{Policy: set, Previous: prev,
			Upstreams: map[string]proxy.Upstream{"photos": {URL: u, Timeout: timeout}}})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	get := func(g *proxy.Gateway) {
		t.Helper()
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("GET", "/status", nil))
		if rec.Code != 200 {
			t.Fatalf("GET /status: %d %s", rec.Code, rec.Body)
		}
	}
	first := build(nil, 0)
	get(first)
	second := build(first, 0)
	get(second)
	get(first) // the old gateway still serves requests that hold it
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections for three requests across a reload, want 1", n)
	}
	third := build(second, 5*time.Second)
	get(third)
	if n := dials.Load(); n != 2 {
		t.Errorf("%d connections after the timeout changed, want 2 (a fresh transport)", n)
	}
}
