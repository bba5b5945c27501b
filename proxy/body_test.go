package proxy_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/scopegate/scopegate/proxy"
)

// TestClientBodyErrors: a request body the client fails to send is the
// client's fault, answered 400 (malformed) or 408 (stalled past the idle
// timeout), never 502 "the upstream could not be reached".
func TestClientBodyErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *proxy.Config) { c.BodyIdleTimeout = 300 * time.Millisecond })
	e.back.setHandler(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return // the gateway aborted the upload; nothing to answer
		}
		io.WriteString(w, "stored")
	})
	head := fmt.Sprintf("POST /photos HTTP/1.1\r\nHost: gw.example\r\nAuthorization: Bearer %s\r\n", e.allScopes())
	for _, tc := range []struct {
		name, request string
		status        int
		code          string
	}{
		{"malformed chunk size", head + "Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\nzz\r\n", 400, "invalid_request"},
		{"stalled body", head + "Content-Length: 100\r\n\r\nonly part of it", 408, "request_timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.raw(tc.request)
			body := checkErrorBody(t, res)
			if res.StatusCode != tc.status || body.Error != tc.code {
				t.Errorf("status %d error %q, want %d %q", res.StatusCode, body.Error, tc.status, tc.code)
			}
		})
	}
}
