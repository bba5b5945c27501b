package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/proxy"
	"github.com/scopegate/scopegate/token"
)

// TestUnreachableUpstream502: a closed port gives 502 with a JSON error.
func TestUnreachableUpstream502(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	e := newEnv(t, func(c *proxy.Config) {
		c.Upstreams = map[string]proxy.Upstream{"photos": {URL: &url.URL{Scheme: "http", Host: addr}}}
	})
	res := e.do("GET", "/status", nil)
	if res.StatusCode != http.StatusBadGateway {
		t.Fatalf("status = %d; want 502", res.StatusCode)
	}
	if b := checkErrorBody(t, res); b.Error != "bad_gateway" {
		t.Errorf("error = %q; want bad_gateway", b.Error)
	}
}

// TestSlowUpstream504: a backend slower than the upstream's timeout gives
// 504.
func TestSlowUpstream504(t *testing.T) {
	e := newEnv(t, func(c *proxy.Config) {
		u := c.Upstreams["photos"]
		u.Timeout = 50 * time.Millisecond
		c.Upstreams["photos"] = u
	})
	e.back.setHandler(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	start := time.Now()
	res := e.do("GET", "/status", nil)
	if res.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("status = %d; want 504", res.StatusCode)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("504 took %v; want about the 50ms timeout", d)
	}
	if b := checkErrorBody(t, res); b.Error != "gateway_timeout" {
		t.Errorf("error = %q; want gateway_timeout", b.Error)
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// TestTransportErrorStatus is the (transport error) -> status table: a
// timeout is 504, anything else that kept the upstream from answering 502.
func TestTransportErrorStatus(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"connection refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, 502},
		{"deadline", context.DeadlineExceeded, 504},
		{"wrapped deadline", fmt.Errorf("round trip: %w", context.DeadlineExceeded), 504},
		{"net timeout", &net.OpError{Op: "read", Err: timeoutError{}}, 504},
		{"tls failure", errors.New("tls: handshake failure"), 502},
		{"EOF", errors.New("EOF"), 502},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *proxy.Config) {
				c.Transport = roundTripperFunc(func(*http.Request) (*http.Response, error) { return nil, tc.err })
			})
			res := e.do("GET", "/status", nil)
			if res.StatusCode != tc.want {
				t.Errorf("transport error %v: status = %d; want %d", tc.err, res.StatusCode, tc.want)
			}
			checkErrorBody(t, res)
		})
	}
}

type panickingVerifier struct{}

func (panickingVerifier) Verify(context.Context, string) (*token.Claims, error) {
	panic("verifier exploded")
}

type errVerifier struct{ err error }

func (v errVerifier) Verify(context.Context, string) (*token.Claims, error) { return nil, v.err }

type nilVerifier struct{}

func (nilVerifier) Verify(context.Context, string) (*token.Claims, error) { return nil, nil }

// TestVerifierFailuresDeny: errors deny (B.7). A panicking verifier gives
// 500, a verifier returning neither claims nor error gives 401, and
// neither forwards anything.
func TestVerifierFailuresDeny(t *testing.T) {
	tests := []struct {
		name string
		v    proxy.Verifier
		want int
	}{
		{"panic", panickingVerifier{}, 500},
		{"nil claims", nilVerifier{}, 401},
		{"key set outage", errVerifier{&token.Error{Kind: token.ErrKeysUnavailable, Reason: "keys unavailable"}}, 503},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *proxy.Config) { c.Verifier = tc.v })
			res := e.do("GET", "/photos/1", map[string][]string{"Authorization": bearer(e.token("photos.read"))})
			if res.StatusCode != tc.want {
				t.Errorf("status = %d; want %d", res.StatusCode, tc.want)
			}
			// A key set outage is temporary: say when to retry (issue 12, finding 4).
			if got := res.Header.Get("Retry-After"); (tc.want == 503) != (got != "") {
				t.Errorf("Retry-After = %q with status %d", got, res.StatusCode)
			}
			checkErrorBody(t, res)
			if n := len(e.back.requests()); n != 0 {
				t.Errorf("backend got %d requests; want 0", n)
			}
		})
	}
}

// TestNewRejectsBadConfig: mistakes fail at start, not per request.
func TestNewRejectsBadConfig(t *testing.T) {
	good := func() proxy.Config {
		return proxy.Config{
			Policy:    compileRoutes(t),
			Upstreams: map[string]proxy.Upstream{"photos": {URL: mustURL(t, "http://127.0.0.1:9000")}},
			Verifier:  nilVerifier{},
		}
	}
	tests := []struct {
		name string
		mod  func(*proxy.Config)
		want string
	}{
		{"no policy", func(c *proxy.Config) { c.Policy = nil }, "no policy"},
		{"no upstreams", func(c *proxy.Config) { c.Upstreams = nil }, `unknown upstream "photos"`},
		{"unknown upstream", func(c *proxy.Config) {
			c.Upstreams = map[string]proxy.Upstream{"other": {URL: mustURL(t, "http://127.0.0.1:9000")}}
		}, `unknown upstream "photos"`},
		{"no verifier", func(c *proxy.Config) { c.Verifier = nil }, "no verifier"},
		{"ftp upstream", func(c *proxy.Config) { c.Upstreams["photos"] = proxy.Upstream{URL: mustURL(t, "ftp://x")} }, "scheme"},
		{"user info", func(c *proxy.Config) { c.Upstreams["photos"] = proxy.Upstream{URL: mustURL(t, "http://u:p@x")} }, "user info"},
		{"query", func(c *proxy.Config) { c.Upstreams["photos"] = proxy.Upstream{URL: mustURL(t, "http://x/?a=b")} }, "query"},
		{"unclean base path", func(c *proxy.Config) { c.Upstreams["photos"] = proxy.Upstream{URL: mustURL(t, "http://x/a/../b")} }, "base path"},
		{"negative timeout", func(c *proxy.Config) {
			c.Upstreams["photos"] = proxy.Upstream{URL: mustURL(t, "http://x"), Timeout: -time.Second}
		}, "negative timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := good()
			tc.mod(&c)
			_, err := proxy.New(c)
			if err == nil || !strings.HasPrefix(err.Error(), "proxy: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: err = %v; want a proxy: error mentioning %q", err, tc.want)
			}
		})
	}
	if _, err := proxy.New(good()); err != nil {
		t.Errorf("New(good config): %v", err)
	}
}

// TestNoRoutesDeniesEverything: scopegate run as an authorization server
// only has no routes and no upstreams; its gateway answers 404 to all.
func TestNoRoutesDeniesEverything(t *testing.T) {
	set, diags := policy.Compile(nil, policy.Env{})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	gw, err := proxy.New(proxy.Config{Policy: set})
	if err != nil {
		t.Fatalf("New with no routes and no upstreams: %v", err)
	}
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, httptest.NewRequest("GET", "/photos/1", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("status = %d, want 404", rec.Code)
	}
}

// TestChallengeCannotBeInjected: a verifier's error text goes into a
// quoted-string; quotes, backslashes and line breaks are dropped so it
// cannot add attributes or headers.
func TestChallengeCannotBeInjected(t *testing.T) {
	e := newEnv(t, func(c *proxy.Config) {
		c.Verifier = errVerifier{errors.New("bad \"token\", error=\"none\"\r\nX-Evil: 1\\")}
	})
	res := e.do("GET", "/photos/1", map[string][]string{"Authorization": bearer("abc")})
	want := `Bearer realm="scopegate", error="invalid_token", error_description="bad token, error=noneX-Evil: 1"`
	if got := res.Header.Get("WWW-Authenticate"); res.StatusCode != 401 || got != want {
		t.Errorf("status %d, WWW-Authenticate = %q; want 401 and %q", res.StatusCode, got, want)
	}
	if res.Header.Get("X-Evil") != "" {
		t.Errorf("response carries an injected X-Evil header")
	}
}

// TestClientGoneIsNotAServerFault: a client that hangs up while the
// backend thinks is logged at debug with status 499, never as an upstream
// error.
func TestClientGoneIsNotAServerFault(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	e := newEnv(t, func(c *proxy.Config) { c.Logger = zap.New(core); c.AccessLog = true })
	arrived := make(chan struct{})
	e.back.setHandler(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.front.URL+"/status", nil)
	go func() { <-arrived; cancel() }()
	if _, err := e.front.Client().Do(req); err == nil {
		t.Fatal("request succeeded; want it cancelled")
	}
	deadline := time.Now().Add(5 * time.Second)
	for logs.FilterMessage("access").Len() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	access := logs.FilterMessage("access").All()
	if len(access) != 1 || access[0].ContextMap()["status"] != int64(499) {
		t.Fatalf("access lines = %v; want one with status 499", access)
	}
	if n := logs.FilterLevelExact(zapcore.WarnLevel).Len() + logs.FilterLevelExact(zapcore.ErrorLevel).Len(); n != 0 {
		t.Errorf("got %d warn/error lines for a client hang-up; want 0", n)
	}
}
