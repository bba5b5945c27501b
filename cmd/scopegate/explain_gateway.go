package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/scopegate/scopegate/config"
	"github.com/scopegate/scopegate/httplog"
	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/proxy"
	"github.com/scopegate/scopegate/token"
)

// explainPeer is the address explain's request comes from: a documentation
// address (RFC 5737), so never one of the trusted proxies in practice.
const explainPeer = "192.0.2.1:40000"

// verdict is what the gateway did with explain's request.
type verdict struct {
	status     int
	header     http.Header // of the answer: WWW-Authenticate, Location
	body       []byte
	logged     bool   // the gateway wrote an access-log line: it judged the request
	decision   string // from the access log: allow, public or deny
	reason     string // from the access log, for refusals
	route      string // pattern of the matched route, "" for none
	authServer bool   // the authorization server's path: the gateway never saw it

	forwarded *upstreamCall // the request the upstream would get, if any

	// claims are those the verifier returned for the request's token, or
	// nil; verifyErr is its refusal.
	claims    *token.Claims
	verifyErr error
}

// upstreamCall is a request the gateway sent to an upstream.
type upstreamCall struct {
	upstream string
	method   string
	url      string
	header   http.Header
	filter   *policy.ListFilter // non-nil: the answer is filtered to ids
	ids      []string
}

// recordingTransport answers for every upstream without contacting it,
// and records what each would have been sent. A filtered request gets an
// empty list of the filter's shape, so the gateway's own filter runs.
type recordingTransport struct {
	mu    sync.Mutex
	calls []upstreamCall
	names map[string]string // upstream URL host -> upstream name
}

func (t *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_ = r.Body.Close()
	}
	f, ids := proxy.ListFilterOf(r)
	t.mu.Lock()
	t.calls = append(t.calls, upstreamCall{upstream: t.names[r.URL.Host], method: r.Method, url: r.URL.Redacted(),
		header: r.Header.Clone(), filter: f, ids: ids})
	t.mu.Unlock()
	res := &http.Response{StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: http.NoBody, Request: r}
	if f != nil {
		body := "[]"
		if f.Items != "" {
			body = fmt.Sprintf(`{%q:[]}`, f.Items)
		}
		res.Header.Set("Content-Type", "application/json")
		res.Body, res.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
	}
	return res, nil
}

// watchedVerifier remembers what the gateway's verifier said.
type watchedVerifier struct {
	proxy.Verifier
	mu     sync.Mutex
	claims *token.Claims
	err    error
}

func (v *watchedVerifier) Verify(ctx context.Context, raw string) (*token.Claims, error) {
	c, err := v.Verifier.Verify(ctx, raw)
	v.mu.Lock()
	v.claims, v.err = c, err
	v.mu.Unlock()
	return c, err
}

// explainHandler builds what `serve` answers the public port with: the
// host check, the split between the authorization server and the gateway,
// and the gateway of f from gatewayConfig, with two differences. Tokens
// are checked by tv, and every upstream is answered by rt without being
// contacted. The authorization server is not built (it needs the store):
// its paths are answered by auth.
func explainHandler(f *config.File, tv *token.Verifier, rt *recordingTransport, auth http.Handler, logger *zap.Logger) (http.Handler, *watchedVerifier, error) {
	wv := &watchedVerifier{Verifier: tv}
	cfg := gatewayConfig(f, wv, logger)
	cfg.AccessLog = true // the verdict is read from it
	cfg.Transport = rt
	rt.names = make(map[string]string, len(cfg.Upstreams))
	for name, u := range cfg.Upstreams {
		// Timeouts and connection limits shape a transport that dials;
		// rt dials nothing, and proxy.New refuses them with it.
		u.Timeout, u.MaxConnections, u.IdleConnections, u.StallTimeout = 0, 0, 0, 0
		cfg.Upstreams[name] = u
		rt.names[u.URL.Host] = name
	}
	if needsBrowserLogin(f) {
		b := browserLoginConfig(f)
		// Fresh keys: no session cookie of a running gateway decodes,
		// so a browser is judged as one without a session.
		b.HashKey, b.BlockKey = make([]byte, 64), make([]byte, 32)
		_, _ = rand.Read(b.HashKey)
		_, _ = rand.Read(b.BlockKey)
		b.Exchange = func(*http.Request, string, string, string) (string, error) {
			return "", errors.New("explain signs nobody in")
		}
		cfg.Browser = &b
	}
	gw, err := proxy.New(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("gateway: %w", err)
	}
	return allowHosts(f.AllowedHosts(), splitHandler(auth, gw)), wv, nil
}

// judge sends one request, written as on the wire, to the public handler
// serve would run for f, with tokens checked by tv, through a net/http
// server like serve's over an in-memory connection, and reports what the
// gateway did.
func judge(f *config.File, tv *token.Verifier, wire string) (*verdict, error) {
	core, logs := observer.New(zapcore.InfoLevel)
	logger := zap.New(core)
	rt := &recordingTransport{}
	v := &verdict{}
	auth := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.authServer = true
		w.WriteHeader(http.StatusOK)
	})
	h, wv, err := explainHandler(f, tv, rt, auth, logger)
	if err != nil {
		return nil, err
	}
	var entered atomic.Bool
	done := make(chan struct{})
	srv := publicServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered.Store(true)
		defer close(done)
		h.ServeHTTP(w, r)
	}), logger, f.Server)
	client, server := net.Pipe()
	defer client.Close()
	ln := &oneConnListener{conn: peerConn{server}, closed: make(chan struct{})}
	go srv.Serve(ln)
	defer srv.Close()
	_ = client.SetDeadline(time.Now().Add(30 * time.Second))
	go io.WriteString(client, wire)
	res, err := http.ReadResponse(bufio.NewReader(client), nil)
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	v.body, err = io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if entered.Load() {
		<-done // the access log is written when the handler returns
	}
	v.status, v.header = res.StatusCode, res.Header
	for _, e := range logs.FilterMessage(httplog.AccessMessage).All() {
		m := e.ContextMap()
		v.logged = true
		v.decision, _ = m["decision"].(string)
		v.reason, _ = m["reason"].(string)
		v.route, _ = m["route"].(string)
	}
	rt.mu.Lock()
	if len(rt.calls) > 0 {
		v.forwarded = &rt.calls[len(rt.calls)-1]
	}
	rt.mu.Unlock()
	wv.mu.Lock()
	v.claims, v.verifyErr = wv.claims, wv.err
	wv.mu.Unlock()
	return v, nil
}

// wireRequest writes the request explain judges as a client would send it.
// Each header is a "Name: value" line.
func wireRequest(method, target, host string, headers []string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, host)
	for _, h := range headers {
		if strings.ContainsAny(h, "\r\n") {
			return "", fmt.Errorf("header %q: line breaks are not allowed", h)
		}
		if name, _, ok := strings.Cut(h, ":"); !ok || strings.TrimSpace(name) == "" {
			return "", fmt.Errorf("header %q: want NAME: VALUE", h)
		}
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Connection: close\r\n\r\n")
	return b.String(), nil
}

// oneConnListener hands out one connection, then waits to be closed.
type oneConnListener struct {
	conn   net.Conn
	once   sync.Once
	taken  atomic.Bool
	closed chan struct{}
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	if l.taken.CompareAndSwap(false, true) {
		return l.conn, nil
	}
	<-l.closed
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *oneConnListener) Addr() net.Addr { return l.conn.LocalAddr() }

// peerConn is the server's end of the pipe, seen as coming from
// explainPeer.
type peerConn struct{ net.Conn }

func (peerConn) RemoteAddr() net.Addr {
	return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(explainPeer))
}
