package proxy_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"testing"

	"github.com/scopegate/scopegate/proxy"
	"github.com/scopegate/scopegate/token/tokentest"
)

// The gateway is measured against a bare ReverseProxy in the same run
// same backend, same transport settings, same
// keep-alive client; the gateway adds policy matching, a real token
// verification (served by the verifier's cache) and the scope check.
// Compare with benchstat or by eye:
//
//	go test -run '^$' -bench 'BareReverseProxy|Gateway|Session' -benchmem -count 6 ./proxy

func BenchmarkBareReverseProxy(b *testing.B) {
	back := newBackend(b)
	back.setHandler(benchHandler)
	target := mustURL(b, back.URL)
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
		},
		Transport: proxy.NewTransport(proxy.DefaultUpstreamTimeout),
	}
	front := httptest.NewServer(rp)
	defer front.Close()
	// The same request bytes as the gateway gets: a real token, which the
	// bare proxy parses and forwards without looking at it.
	key := tokentest.NewKey(b)
	runBench(b, front, []string{key.Sign(b, key.Claims(testIssuer, testAudience, "alice", "photos.read"))})
}

func BenchmarkGateway(b *testing.B) {
	for _, n := range []int{1, 1000} {
		name := "1token"
		if n > 1 {
			name = "1000tokens"
		}
		b.Run(name, func(b *testing.B) {
			e := newEnv(b, nil)
			e.back.setHandler(benchHandler)
			toks := make([]string, n)
			for i := range toks {
				toks[i] = e.token("photos.read")
				// Warm the verifier's cache, as steady traffic would.
				if _, err := e.verifier.Verify(context.Background(), toks[i]); err != nil {
					b.Fatal(err)
				}
			}
			runBench(b, e.front, toks)
		})
	}
}

// benchHandler answers like a small JSON photo endpoint, without
// recording, so the backend costs the same in both benchmarks.
func benchHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"id":"1","name":"beach.jpg"}`)
}

func runBench(b *testing.B, front *httptest.Server, toks []string) {
	runBenchPath(b, front, toks, "/photos/1")
}

func runBenchPath(b *testing.B, front *httptest.Server, toks []string, path string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	auth := make([]string, len(toks))
	for i, t := range toks {
		auth[i] = "Bearer " + t
	}
	req, err := http.NewRequest("GET", front.URL+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req.Header["Authorization"] = auth[i%len(auth) : i%len(auth)+1]
		i++
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("status %d; want 200", res.StatusCode)
		}
	}
}

// BenchmarkSession is BenchmarkGateway with a browser session cookie
// instead of a bearer token, on a login: browser route: the decoded
// session is served from the gateway's session cache, as steady traffic
// would be.
func BenchmarkSession(b *testing.B) {
	e := newBrowserEnv(b, false)
	e.back.setHandler(nil)
	c := e.browser()
	e.signIn(c, "/gallery/")
	e.back.setHandler(benchHandler)
	var cookie string
	u := mustURL(b, e.front.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "scopegate_gateway" {
			cookie = ck.Name + "=" + ck.Value
		}
	}
	if cookie == "" {
		b.Fatal("no session cookie")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequest("GET", e.front.URL+"/gallery/1", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header["Cookie"] = []string{cookie}
	b.ReportAllocs()
	for b.Loop() {
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("status %d; want 200", res.StatusCode)
		}
	}
}
