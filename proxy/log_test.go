package proxy_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/scopegate/scopegate/proxy"
)

// TestAccessLog: one line per request with the agreed fields, an
// error_id equal to the body's, and no token, cookie or query value in
// any field of any line.
func TestAccessLog(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	clock := time.Unix(1_700_000_000, 0)
	e := newEnv(t, func(c *proxy.Config) {
		c.Logger = zap.New(core)
		c.AccessLog = true
		c.Now = func() time.Time { clock = clock.Add(5 * time.Millisecond); return clock }
	})
	tok := e.token("photos.read")
	const cookie = "session=cookie-secret-value"

	ok := e.do("GET", "/photos/1?size=secret-query-value", map[string][]string{"Authorization": bearer(tok), "Cookie": {cookie}})
	denied := e.do("GET", "/admin/users", map[string][]string{"Authorization": bearer(tok), "Cookie": {cookie}})
	deniedBody := checkErrorBody(t, denied)
	e.do("GET", "/photos/1?access_token="+tok, nil)

	lines := logs.FilterMessage("access").All()
	if len(lines) != 3 {
		t.Fatalf("got %d access lines; want 3", len(lines))
	}
	tests := []struct {
		name string
		line observer.LoggedEntry
		want map[string]any
	}{
		{"allowed", lines[0], map[string]any{
			"request_id": ok.Header.Get("X-Request-Id"), "method": "GET", "path": "/photos/1",
			"status": int64(200), "duration": 5 * time.Millisecond, "route": "GET /photos/{id}",
			"decision": "allow", "upstream": "photos", "sub": "alice", "client_id": "tokentest-client", "error_id": "",
		}},
		{"denied", lines[1], map[string]any{
			"request_id": denied.Header.Get("X-Request-Id"), "path": "/admin/users", "status": int64(403),
			"route": "GET /admin/", "decision": "deny", "reason": "insufficient scope", "sub": "alice",
			"error_id": deniedBody.ID,
		}},
		{"token in query", lines[2], map[string]any{"status": int64(400), "decision": "deny", "path": "/photos/1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.line.ContextMap()
			for k, v := range tc.want {
				if f[k] != v {
					t.Errorf("field %s = %v (%T); want %v (%T)", k, f[k], f[k], v, v)
				}
			}
		})
	}
	for _, l := range logs.All() {
		text := fmt.Sprint(l.Message, l.ContextMap())
		for _, secret := range []string{tok, "cookie-secret-value", "secret-query-value"} {
			if strings.Contains(text, secret) {
				t.Errorf("log line %q contains a secret", l.Message)
			}
		}
	}
}
