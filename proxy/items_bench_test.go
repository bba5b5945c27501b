package proxy_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"slices"
	"testing"
	"time"

	"github.com/scopegate/scopegate/internal/benchdata"
	"github.com/scopegate/scopegate/proxy"
	"github.com/scopegate/scopegate/token/tokentest"
)

// Picked items against the bare proxy, in the same run (issue 7 asks for
// at least 0.95x on "200ids" and 0.7x on "list1000"):
//
//	go test -run '^$' -bench 'BareReverseProxy|Picked' -benchmem -count 5 ./proxy
//
// "200ids": GET /photos/{id} (a resource route) with a token narrowed to
// 200 photos; the bare proxy forwards the same token bytes. "list1000":
// GET /photos (a filter route) answered with a 1,000-item, ~200 KB JSON
// list; the gateway keeps the 200 picked items, the bare proxy passes the
// whole list. BenchmarkPickedVsBare takes turns between the two in one
// loop and reports the ratio itself, which holds up better than separate
// benchmarks on a busy machine. The backend records nothing, so that
// memory per request is the proxies' own.

const pickedCount = 200

func benchListHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/photos" {
		benchHandler(w, r)
		return
	}
	body := benchdata.PhotoList()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.Write(body)
}

func pickedIDs() []string {
	ids := make([]string, pickedCount)
	for i := range ids {
		ids[i] = fmt.Sprint(i * 5) // spread over the list
	}
	return ids
}

// pickedBackend serves the photo and the list without recording requests.
func pickedBackend(b testing.TB) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(benchListHandler))
	b.Cleanup(s.Close)
	return s
}

// bareFront is a bare ReverseProxy in front of back, as in
// BenchmarkBareReverseProxy.
func bareFront(b testing.TB, back *httptest.Server) *httptest.Server {
	target := mustURL(b, back.URL)
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
		},
		Transport: proxy.NewTransport(proxy.DefaultUpstreamTimeout),
	}
	front := httptest.NewServer(rp)
	b.Cleanup(front.Close)
	return front
}

// pickedGateway is the gateway with resource and filter routes in front of
// back, and a token narrowed to 200 photos, already verified once (as
// steady traffic would have it in the verifier's cache).
func pickedGateway(b testing.TB, back *httptest.Server) (*env, string) {
	e := newItemEnv(b, func(c *proxy.Config) {
		c.Upstreams = map[string]proxy.Upstream{"photos": {URL: mustURL(b, back.URL)}}
	})
	tok := e.picked("alice", pickedIDs()...)
	c, err := e.verifier.Verify(context.Background(), tok)
	if err != nil {
		b.Fatal(err)
	}
	if len(c.AuthorizationDetails) != 1 || len(c.AuthorizationDetails[0].Identifiers) != pickedCount {
		b.Fatalf("token holds %v", c.AuthorizationDetails)
	}
	return e, tok
}

func BenchmarkBareReverseProxyPicked(b *testing.B) {
	front := bareFront(b, pickedBackend(b))
	e := &env{t: b, key: tokentest.NewKey(b)}
	tok := e.picked("alice", pickedIDs()...)
	b.Run("200ids", func(b *testing.B) { runBenchPath(b, front, []string{tok}, "/photos/5") })
	b.Run("list1000", func(b *testing.B) { runBenchPath(b, front, []string{tok}, "/photos") })
}

func BenchmarkGatewayPicked(b *testing.B) {
	e, tok := pickedGateway(b, pickedBackend(b))
	b.Run("200ids", func(b *testing.B) { runBenchPath(b, e.front, []string{tok}, "/photos/5") })
	b.Run("list1000", func(b *testing.B) { runBenchPath(b, e.front, []string{tok}, "/photos") })
}

// BenchmarkPickedVsBare sends each request to the bare proxy and to the
// gateway in turn (the order alternating) and reports both sides' mean
// time and gw/bare, the gateway's requests per second as a fraction of
// the bare proxy's; gw/bare-p50 is the same from median times. Whatever
// else the machine does falls on both alike.
func BenchmarkPickedVsBare(b *testing.B) {
	back := pickedBackend(b)
	bare := bareFront(b, back)
	e, tok := pickedGateway(b, back)
	for _, c := range []struct{ name, path string }{{"200ids", "/photos/5"}, {"list1000", "/photos"}} {
		b.Run(c.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			defer client.CloseIdleConnections()
			reqs := [2]*http.Request{}
			for i, front := range []*httptest.Server{bare, e.front} {
				req, err := http.NewRequest("GET", front.URL+c.path, nil)
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+tok)
				reqs[i] = req
			}
			do := func(req *http.Request) time.Duration {
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				d := time.Since(t0)
				if res.StatusCode != 200 {
					b.Fatalf("%s: status %d; want 200", req.URL, res.StatusCode)
				}
				return d
			}
			do(reqs[0]) // open both connections before timing
			do(reqs[1])
			var spent [2][]time.Duration
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				first := n % 2
				spent[first] = append(spent[first], do(reqs[first]))
				spent[1-first] = append(spent[1-first], do(reqs[1-first]))
				n++
			}
			b.StopTimer()
			var sum, p50 [2]float64
			for side, ds := range spent {
				for _, d := range ds {
					sum[side] += float64(d)
				}
				slices.Sort(ds)
				p50[side] = float64(ds[len(ds)/2])
			}
			b.ReportMetric(sum[0]/float64(n), "bare-ns/op")
			b.ReportMetric(sum[1]/float64(n), "gw-ns/op")
			b.ReportMetric(sum[0]/sum[1], "gw/bare")
			// Medians shrug off the bursts of other work on a shared machine.
			b.ReportMetric(p50[0]/p50[1], "gw/bare-p50")
		})
	}
}
