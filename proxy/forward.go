package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/httplog"
)

// upstream is one backend and the ReverseProxy built for it once, in New.
type upstream struct {
	g        *Gateway
	name     string
	target   *url.URL
	passAuth bool
	proxy    *httputil.ReverseProxy
	// filterProxy serves filter routes to narrowed tokens: it buffers
	// and filters the answer instead of streaming it.
	filterProxy *httputil.ReverseProxy
	settings    Upstream // as configured, to reuse the transport on reload
	slots       *slots   // requests in flight, Upstream.MaxConnections
}

func newReverseProxy(g *Gateway, name string, target *url.URL, passAuth bool, rt http.RoundTripper, pool *bufferPool) *upstream {
	u := &upstream{g: g, name: name, target: target, passAuth: passAuth}
	u.proxy = &httputil.ReverseProxy{
		Rewrite:      u.rewrite, // never Director: see its deprecation note
		Transport:    rt,
		BufferPool:   pool,
		ErrorHandler: u.handleError,
		// An answer to a request whose body broke on the way in is
		// refused: handleError then blames the client.
		ModifyResponse: checkClientBody,
		ErrorLog:       zap.NewStdLog(g.log.Named("reverseproxy")),
	}
	u.filterProxy = &httputil.ReverseProxy{
		Rewrite:        u.rewriteFiltered,
		Transport:      rt,
		BufferPool:     pool,
		ModifyResponse: u.filterResponse,
		ErrorHandler:   u.handleError,
		ErrorLog:       u.proxy.ErrorLog,
	}
	return u
}

// rewrite builds the outbound request. ReverseProxy has already removed
// hop-by-hop headers and the inbound Forwarded and X-Forwarded-For/-Host/
// -Proto from pr.Out.
func (u *upstream) rewrite(pr *httputil.ProxyRequest) {
	trusted := u.g.trustedPeer(pr.In.RemoteAddr)
	if trusted {
		// SetXForwarded appends the peer to what is already there.
		if v := pr.In.Header["X-Forwarded-For"]; len(v) > 0 {
			pr.Out.Header["X-Forwarded-For"] = v
		}
	}
	pr.SetURL(u.target) // joins the base path (if any) and the judged path
	pr.SetXForwarded()
	if trusted {
		for _, k := range [...]string{"X-Forwarded-Host", "X-Forwarded-Proto"} {
			if v := pr.In.Header[k]; len(v) > 0 {
				pr.Out.Header[k] = v
			}
		}
	} else {
		// Forwarding headers ReverseProxy does not know (threat model B.4).
		for _, k := range [...]string{"X-Forwarded-Port", "X-Forwarded-Prefix", "X-Forwarded-Uri", "X-Forwarded-Server", "X-Real-Ip"} {
			delete(pr.Out.Header, k)
		}
	}
	if !u.passAuth {
		delete(pr.Out.Header, "Authorization")
	}
}

// trustedPeer reports whether the direct peer is a configured proxy.
func (g *Gateway) trustedPeer(remoteAddr string) bool {
	return g.trusted.Peer(remoteAddr)
}

// handleError maps a failed round trip to 502 or 504, a request body the
// client failed to send to 400 or 408, or, when the client has gone, only
// logs it: that is not a server fault.
func (u *upstream) handleError(w http.ResponseWriter, r *http.Request, err error) {
	// A broken request body also cancels the request's context (the server
	// sees a read error on the connection), so it is looked at first.
	bodyErr := clientBodyErr(r)
	if bodyErr == nil && r.Context().Err() != nil && !errors.Is(r.Context().Err(), context.DeadlineExceeded) {
		u.g.log.Debug("client gone", zap.String("request_id", httplog.RequestID(r.Context())), zap.String("upstream", u.name))
		if rec := unwrapRecorder(w); rec != nil {
			rec.ex.reason = "client gone"
		}
		return
	}
	id := errorID(w, r)
	e := errBadGateway
	var ne net.Error
	if bodyErr != nil {
		// The client's own body broke (malformed chunking, a stall past
		// the idle timeout, a short body): the client's fault, not the
		// upstream's, whatever the round trip reported.
		err, e = bodyErr, errBadBody
		if errors.As(err, &ne) && ne.Timeout() {
			e = errBodyTimeout
		}
	} else if fe, ok := isFilterError(err); ok {
		e = listRefused(fe.msg)
	} else if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		e = errTimeout
	}
	// A *url.Error (from a custom Transport built on http.Client) would
	// print the request URL, query included; log only its cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	u.g.log.Warn("upstream error", zap.String("request_id", id), zap.String("upstream", u.name),
		zap.Int("status", e.status), zap.Error(err))
	if rec := unwrapRecorder(w); rec != nil {
		rec.ex.decision, rec.ex.reason, rec.ex.errorID = "deny", e.reason, id
	}
	e.write(w, id)
}

// NewTransport returns the transport used for an upstream when
// Config.Transport is nil: dial timeout 10s with 30s keep-alive probes, TLS
// handshake 10s (TLS 1.2 at least), response headers within
// responseHeaderTimeout, idle connections kept 90s (up to 64 per host),
// Expect: 100-continue waited on for 1s. It never uses an HTTP proxy from
// the environment.
func NewTransport(responseHeaderTimeout time.Duration) *http.Transport {
	return &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: responseHeaderTimeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   64,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// bufferPool recycles ReverseProxy's 32 KiB copy buffers through a bounded
// channel, so a request costs no buffer allocation and no boxing.
type bufferPool struct{ free chan []byte }

func newBufferPool(n int) *bufferPool { return &bufferPool{free: make(chan []byte, n)} }

func (p *bufferPool) Get() []byte {
	select {
	case b := <-p.free:
		return b
	default:
		return make([]byte, 32<<10)
	}
}

func (p *bufferPool) Put(b []byte) {
	select {
	case p.free <- b[:cap(b)]:
	default:
	}
}
