package proxy_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/scopegate/scopegate/proxy"
)

// roundTripFunc answers upstream requests in-process.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestListFilterOf: a Transport learns whether the gateway will filter the
// answer it is about to give, and to which picked ids.
func TestListFilterOf(t *testing.T) {
	t.Parallel()
	type seenFilter struct {
		ids      []string
		filtered bool
	}
	var (
		mu   sync.Mutex
		last seenFilter
	)
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		f, ids := proxy.ListFilterOf(r)
		if f != nil && (f.Type != "photos" || f.Items != "photos") {
			t.Errorf("ListFilterOf names the filter %+v, not the route's", f)
		}
		mu.Lock()
		last = seenFilter{ids, f != nil}
		mu.Unlock()
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"photos":[{"id":"1"},{"id":"2"},{"id":"3"}]}`)), Request: r}, nil
	})
	e := newItemEnv(t, func(c *proxy.Config) { c.Transport = rt })
	tests := []struct {
		name, tok, path string
		want            seenFilter
	}{
		{"narrowed token on a filter route", e.picked("alice", "3", "1"), "/photos", seenFilter{[]string{"1", "3"}, true}},
		{"narrowed to nothing", e.picked("alice"), "/photos", seenFilter{nil, true}},
		{"client token is not narrowed", e.clientToken(), "/photos", seenFilter{nil, false}},
		{"resource route", e.picked("alice", "1"), "/photos/1", seenFilter{nil, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.do("GET", tt.path, withBearer(tt.tok))
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			mu.Lock()
			got := last
			mu.Unlock()
			if got.filtered != tt.want.filtered || !slices.Equal(got.ids, tt.want.ids) {
				t.Errorf("ListFilterOf: ids %v, filtered %v; want %v, %v", got.ids, got.filtered, tt.want.ids, tt.want.filtered)
			}
		})
	}
}
