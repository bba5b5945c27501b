package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/clientip"
	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/token"
)

// Verifier checks a raw bearer access token and returns its claims. Any
// error refuses the token; its Error() text must be safe to send to the
// client as an RFC 6750 error_description. *token.Verifier implements it.
type Verifier interface {
	Verify(ctx context.Context, raw string) (*token.Claims, error)
}

var _ Verifier = (*token.Verifier)(nil)

// Upstream is a backend the gateway forwards to.
type Upstream struct {
	// URL is the backend's base URL: scheme http or https, a host, and
	// optionally a base path that is prefixed to every forwarded path. It
	// must not carry user info, a query or a fragment.
	URL *url.URL
	// PassAuthorization forwards the caller's Authorization header. If
	// false, the backend never sees the bearer token.
	PassAuthorization bool
	// Timeout bounds the wait for the backend's response headers; past it
	// the caller gets 504. If zero, DefaultUpstreamTimeout is used. Bodies
	// may stream for longer.
	Timeout time.Duration
	// MaxConnections bounds the requests in flight to this upstream, and
	// so its connections; more wait up to Timeout for a slot, then get
	// 503. If zero, DefaultMaxConnections.
	MaxConnections int
	// IdleConnections is how many connections are kept open for reuse. If
	// zero, MaxConnections.
	IdleConnections int
	// StallTimeout is the longest a connection to this upstream may go
	// without a byte read or written, answers and WebSockets included; it
	// must not be shorter than Timeout. If zero, DefaultStallTimeout or
	// Timeout, whichever is longer.
	StallTimeout time.Duration
}

// DefaultUpstreamTimeout is the response-header timeout of an Upstream
// whose Timeout is zero.
const DefaultUpstreamTimeout = 30 * time.Second

// Config configures a Gateway.
type Config struct {
	// Policy is the route policy. Required.
	Policy *policy.Set
	// Upstreams are the backends, by the names routes use. Required.
	Upstreams map[string]Upstream
	// Verifier checks bearer tokens. Required unless every route is
	// public; a protected route reached without one is denied with 500.
	Verifier Verifier
	// TrustedProxies are the peers whose X-Forwarded-For we extend and
	// whose X-Forwarded-Host/-Proto/-Port/-Prefix we keep. If nil, nobody is
	// trusted and the gateway rebuilds all of them.
	TrustedProxies []netip.Prefix
	// Transport sends requests upstream. If nil, each upstream gets an
	// *http.Transport with the timeouts of [NewTransport]. If it is an
	// *http.Transport, each upstream gets a clone with its response-header
	// timeout; any other RoundTripper is used as is and an Upstream.Timeout
	// is then an error.
	Transport http.RoundTripper
	// Logger receives errors and, with AccessLog, one line per request.
	// If nil, zap.NewNop() is used.
	Logger *zap.Logger
	// AccessLog writes one info line per request: request_id, method, path
	// (never the query), status, duration, route, decision, reason,
	// upstream, sub, client_id and error_id.
	AccessLog bool
	// Now returns the current time, for durations and sessions. If nil,
	// time.Now is used.
	Now func() time.Time
	// FilterLimit bounds, in bytes after decompression, the list answer a
	// filter route reads for a narrowed token; a larger one is refused
	// with 502. If zero, DefaultFilterLimit is used.
	FilterLimit int64
	// BodyIdleTimeout is the longest a client may stall while sending a
	// request body or while reading the answer; past it the connection is
	// closed and the upstream connection freed. If zero,
	// DefaultBodyIdleTimeout. Bodies may stream for longer in total.
	BodyIdleTimeout time.Duration
	// Browser, if set, lets routes with "login: browser" sign people in.
	// Such a route is refused without it.
	Browser *BrowserLogin
	// StripCookies names cookies that never reach a backend, on any route:
	// the authorization server's sign-in session. The gateway's own
	// cookies are always removed.
	StripCookies []string
	// Previous, if not nil, is the Gateway this one replaces (a config
	// reload): an upstream of the same name and transport settings keeps
	// Previous's transport, so its idle connections are reused rather than
	// dialled again. Previous keeps working for requests in flight.
	Previous *Gateway
}

// Gateway is the gateway handler. It is safe for concurrent use. Its
// policy and upstreams are fixed: a new config means a new Gateway.
type Gateway struct {
	policy    *policy.Set
	upstreams map[string]*upstream // built once in New, read-only after
	verifier  Verifier
	trusted   clientip.Trusted
	log       *zap.Logger
	accessLog bool
	now       func() time.Time
	// filterLimit bounds filtered list answers; see Config.FilterLimit.
	filterLimit int64
	bodyIdle    time.Duration
	browser     *browser    // nil without BrowserLogin
	strip       []string    // cookie names removed before forwarding
	session     string      // name of the session cookie; "" without BrowserLogin
	pool        *bufferPool // shared with the Gateway that replaces this one
}

// sameTransport reports whether an upstream configured as b may use the
// transport built for a: every Upstream field that shapes the transport
// must be compared here.
func sameTransport(a, b Upstream) bool {
	return a.Timeout == b.Timeout && a.MaxConnections == b.MaxConnections &&
		a.IdleConnections == b.IdleConnections && a.StallTimeout == b.StallTimeout
}

// New checks cfg and builds a Gateway with one ReverseProxy per upstream.
func New(cfg Config) (*Gateway, error) {
	if cfg.Policy == nil {
		return nil, errors.New("proxy: config has no policy")
	}
	g := &Gateway{
		upstreams: make(map[string]*upstream, len(cfg.Upstreams)),
		verifier:  cfg.Verifier,
		trusted:   cfg.TrustedProxies,
		log:       cfg.Logger,
		accessLog: cfg.AccessLog,
		now:       cfg.Now,
		bodyIdle:  cfg.BodyIdleTimeout,

		filterLimit: cfg.FilterLimit,
	}
	if g.filterLimit <= 0 {
		g.filterLimit = DefaultFilterLimit
	}
	if g.bodyIdle <= 0 {
		g.bodyIdle = DefaultBodyIdleTimeout
	}
	if g.log == nil {
		g.log = zap.NewNop()
	}
	g.log = g.log.Named("proxy")
	if g.now == nil {
		g.now = time.Now
	}
	if cfg.Browser != nil {
		b, err := newBrowser(*cfg.Browser)
		if err != nil {
			return nil, err
		}
		g.browser, g.session = b, b.sessionName
	}
	// Both spellings of our cookies: whichever the scheme, neither is the
	// backend's business.
	g.strip = append([]string{sessionCookieBase, signInCookieBase, "__Host-" + sessionCookieBase, "__Host-" + signInCookieBase}, cfg.StripCookies...)
	pool := newBufferPool(256)
	if cfg.Previous != nil {
		pool = cfg.Previous.pool
	}
	g.pool = pool
	for name, u := range cfg.Upstreams {
		var keep http.RoundTripper
		if cfg.Previous != nil {
			if old := cfg.Previous.upstreams[name]; old != nil && sameTransport(old.settings, u) {
				keep = old.proxy.Transport
			}
		}
		up, err := newUpstream(g, name, u, cfg.Transport, keep, pool)
		if err != nil {
			return nil, err
		}
		g.upstreams[name] = up
	}
	if err := g.checkPolicy(cfg.Policy); err != nil {
		return nil, err
	}
	g.policy = cfg.Policy
	return g, nil
}

// checkPolicy reports a route naming an unknown upstream, or a protected
// route when there is no Verifier. Both would only deny at run time; at
// start they are configuration mistakes worth refusing.
func (g *Gateway) checkPolicy(p *policy.Set) error {
	for _, r := range p.Routes() {
		if g.upstreams[r.Upstream] == nil {
			return fmt.Errorf("proxy: route %q names unknown upstream %q", r.Pattern, r.Upstream)
		}
		if !r.Public && g.verifier == nil {
			return fmt.Errorf("proxy: route %q needs a token but there is no verifier", r.Pattern)
		}
		if r.Login == policy.LoginBrowser && g.browser == nil {
			return fmt.Errorf("proxy: route %q signs browsers in but browser login is not configured", r.Pattern)
		}
	}
	return nil
}

// newUpstream validates u and builds its ReverseProxy, with keep as its
// transport if not nil, or else one derived from rt.
func newUpstream(g *Gateway, name string, u Upstream, rt, keep http.RoundTripper, pool *bufferPool) (*upstream, error) {
	if err := checkUpstreamURL(u.URL); err != nil {
		return nil, fmt.Errorf("proxy: upstream %q: %w", name, err)
	}
	if u.Timeout < 0 {
		return nil, fmt.Errorf("proxy: upstream %q: negative timeout", name)
	}
	timeout := u.Timeout
	if timeout == 0 {
		timeout = DefaultUpstreamTimeout
	}
	maxConns, idle, stall := u.MaxConnections, u.IdleConnections, u.StallTimeout
	switch {
	case maxConns < 0 || idle < 0 || stall < 0:
		return nil, fmt.Errorf("proxy: upstream %q: negative limit", name)
	case stall != 0 && stall < timeout:
		return nil, fmt.Errorf("proxy: upstream %q: stall timeout %s is shorter than timeout %s", name, stall, timeout)
	}
	if maxConns == 0 {
		maxConns = DefaultMaxConnections
	}
	if idle == 0 || idle > maxConns {
		idle = maxConns
	}
	if stall == 0 {
		stall = max(DefaultStallTimeout, timeout)
	}
	limited := u.MaxConnections != 0 || u.IdleConnections != 0 || u.StallTimeout != 0
	switch t := rt.(type) {
	case nil:
		c := NewTransport(timeout)
		limitTransport(c, maxConns, idle, stall)
		rt = c
		if keep != nil {
			rt = keep // built here for the same settings by the Gateway replaced
		}
	case *http.Transport:
		c := t.Clone()
		c.ResponseHeaderTimeout = timeout
		limitTransport(c, maxConns, idle, stall)
		rt = c
		if keep != nil {
			rt = keep
		}
	default:
		if u.Timeout != 0 || limited {
			return nil, fmt.Errorf("proxy: upstream %q: a timeout or limit needs an *http.Transport", name)
		}
	}
	target := *u.URL
	if target.Path == "/" && target.RawPath == "" {
		target.Path = "" // so SetURL keeps the request path exactly
	}
	up := newReverseProxy(g, name, &target, u.PassAuthorization, rt, pool)
	up.settings = u
	up.slots = newSlots(maxConns, timeout)
	return up, nil
}

func checkUpstreamURL(u *url.URL) error {
	switch {
	case u == nil:
		return errors.New("no URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("URL scheme %q is not http or https", u.Scheme)
	case u.Host == "":
		return errors.New("URL has no host")
	case u.User != nil:
		return errors.New("URL must not carry user info")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return errors.New("URL must not carry a query or fragment")
	case u.Path != "" && u.Path != "/":
		if err := policy.CheckPath(u.EscapedPath()); err != nil {
			return fmt.Errorf("URL base path: %w", err)
		}
	}
	return nil
}
