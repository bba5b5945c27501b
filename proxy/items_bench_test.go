package proxy_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"strings"
	"sync"
	"testing"

	"github.com/scopegate/scopegate/proxy"
	"github.com/scopegate/scopegate/token/tokentest"
)

// Picked items against the bare proxy, in the same run:
//
//	go test -run '^$' -bench 'BareReverseProxy|Picked' -benchmem -count 3 ./proxy
//
// "200ids": GET /photos/{id} with a token narrowed to 200 photos; the bare
// proxy forwards the same token bytes. "list1000": GET /photos answered
// with a 1,000-item, ~200 KB JSON list; the gateway keeps the 200 picked
// items, the bare proxy passes the whole list.

const pickedCount = 200

var benchList = sync.OnceValue(func() []byte {
	var b strings.Builder
	b.WriteString(`{"photos":[`)
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%d","title":"Photo number %d","taken":"2024-05-%02dT10:00:00Z","width":4032,"height":3024,"camera":"Pixel 8","tags":["holiday","beach","family"],"album":"Summer %d","caption":"A picture with some words describing it at length"}`, i, i, i%28+1, i%7)
	}
	b.WriteString(`],"total":1000}`)
	return []byte(b.String())
})

func benchListHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/photos" {
		benchHandler(w, r)
		return
	}
	body := benchList()
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

func BenchmarkBareReverseProxyPicked(b *testing.B) {
	back := newBackend(b)
	back.setHandler(benchListHandler)
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
	e := &env{t: b, key: tokentest.NewKey(b)}
	tok := e.picked("alice", pickedIDs()...)
	b.Run("200ids", func(b *testing.B) { runBenchPath(b, front, []string{tok}, "/photos/5") })
	b.Run("list1000", func(b *testing.B) { runBenchPath(b, front, []string{tok}, "/photos") })
}

func BenchmarkGatewayPicked(b *testing.B) {
	e := newItemEnv(b, nil)
	e.back.setHandler(benchListHandler)
	tok := e.picked("alice", pickedIDs()...)
	c, err := e.verifier.Verify(context.Background(), tok)
	if err != nil {
		b.Fatal(err)
	}
	if len(c.AuthorizationDetails) != 1 || len(c.AuthorizationDetails[0].Identifiers) != pickedCount {
		b.Fatalf("token holds %v", c.AuthorizationDetails)
	}
	b.Run("200ids", func(b *testing.B) { runBenchPath(b, e.front, []string{tok}, "/photos/5") })
	b.Run("list1000", func(b *testing.B) { runBenchPath(b, e.front, []string{tok}, "/photos") })
}
