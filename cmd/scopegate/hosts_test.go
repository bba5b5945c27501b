package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestHostAllowList (issue 12, finding 10): a request naming a host the
// config does not allow gets 421 before any routing, on gateway routes
// and authorization server paths alike, and the backend never sees it.
// The issuer's host (here a loopback address, so every loopback name) is
// allowed in any case, with any port and a trailing dot.
func TestHostAllowList(t *testing.T) {
	inst := startInstance(t)
	_, port, _ := strings.Cut(strings.TrimPrefix(inst.issuer, "http://"), ":")
	tests := []struct {
		host, path string
		want       int
	}{
		{host: "127.0.0.1:" + port, path: "/status", want: http.StatusOK},
		{host: "LocalHost.:" + port, path: "/status", want: http.StatusOK},
		{host: "[::1]:" + port, path: "/status", want: http.StatusOK},
		{host: "localhost", path: "/.well-known/openid-configuration", want: http.StatusOK},
		{host: "evil.example", path: "/status", want: http.StatusMisdirectedRequest},
		{host: "evil.example:" + port, path: "/photos/1", want: http.StatusMisdirectedRequest},
		{host: "evil.example", path: "/.well-known/openid-configuration", want: http.StatusMisdirectedRequest},
		{host: "evil.example", path: "/oauth2/login", want: http.StatusMisdirectedRequest},
		{host: "127.0.0.2:" + port, path: "/status", want: http.StatusMisdirectedRequest},
		{host: "localhost.evil.example", path: "/status", want: http.StatusMisdirectedRequest},
	}
	for _, tc := range tests {
		before := inst.backendCalls()
		req, err := http.NewRequest(http.MethodGet, inst.issuer+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = tc.host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s with Host %q: %v", tc.path, tc.host, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s with Host %q: status %d, want %d", tc.path, tc.host, resp.StatusCode, tc.want)
		}
		if tc.want == http.StatusMisdirectedRequest && inst.backendCalls() != before {
			t.Errorf("GET %s with Host %q reached the backend", tc.path, tc.host)
		}
	}
}

func (inst *instance) backendCalls() int {
	inst.backend.mu.Lock()
	defer inst.backend.mu.Unlock()
	return len(inst.backend.seen)
}
