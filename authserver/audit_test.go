package authserver

import (
	"net/http"
	"net/url"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// withAudit gives the test server an observed audit log.
func withAudit(logs **observer.ObservedLogs) func(*Config) {
	return func(c *Config) {
		core, l := observer.New(zapcore.InfoLevel)
		*logs = l
		c.Audit = zap.New(core)
	}
}

// TestAuditRateLimitBlocks: a security team sees when the limits start
// refusing sign-ins and client secrets, with who and from where.
func TestAuditRateLimitBlocks(t *testing.T) {
	var audit *observer.ObservedLogs
	env := newTestServer(t, withAudit(&audit))
	b := newBrowser(t, env)
	p := b.follow(b.get(loginURL(env)))
	for range 6 {
		p = b.submit(p, "/oauth2/login", url.Values{"username": {"Alice"}, "password": {"wrong"}})
	}
	if p.status != http.StatusTooManyRequests {
		t.Fatalf("6th wrong password: status %d, want 429", p.status)
	}
	cc := url.Values{"grant_type": {"client_credentials"}}
	for range 21 {
		env.callToken(t, tokenCall{form: cc, basic: []string{"hashed-job", "guess"}})
	}
	for event, want := range map[string]int{
		EventLoginFailure: 5, EventLoginBlocked: 1,
		EventClientAuthFailure: 20, EventClientAuthBlocked: 1,
	} {
		got := audit.FilterMessage(event).All()
		if len(got) != want {
			t.Errorf("%d %s events, want %d", len(got), event, want)
			continue
		}
		f := got[len(got)-1].ContextMap()
		if f["subject"] == "" || f["remote_addr"] == "" || f["request_id"] == "" {
			t.Errorf("%s event fields = %v, want subject, remote_addr and request_id", event, f)
		}
	}
	if got := audit.FilterMessage(EventLoginBlocked).All()[0].ContextMap()["subject"]; got != "alice" {
		t.Errorf("login.blocked subject = %v, want the canonical username alice", got)
	}
}

// TestAuditOff: without Config.Audit nothing is recorded and nothing fails.
func TestAuditOff(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	p := b.follow(b.get(loginURL(env)))
	p = b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("login: status %d, want 303", p.status)
	}
	if id := p.header.Get("X-Request-Id"); len(id) != 16 {
		t.Errorf("X-Request-Id = %q, want a request ID on every authorization server answer", id)
	}
}
